"""Canonical facing: the pose model always sees a side-view runner face one way.

MediaPipe's landmarker is not mirror-equivariant: on a person and on the mirror image of
the same pixels it places the foot 23° apart on average (``tests/test_foot_model_limits``),
so a clip and its mirror gave different foot angles and contact times (issue 14). When a
side-view subject faces the other way than :data:`CANONICAL`, every frame is flipped
left-right before the landmarker and its landmarks are mapped back
(:func:`unflip_candidate`). A clip and its mirror then feed the model the same pixels,
and every metric is mirror-equivariant by construction, for one ``cv2.flip`` per frame.

The facing is decided from the first frames of the analysis window
(:class:`FacingDecision`); when it is not the canonical one the pose pass is restarted
from the first frame on flipped frames (:class:`RestartFlipped`), so a clip that
already faces the canonical way pays nothing but the decision. The restart's landmarker
has by then already run on the flipped first frames, on a spare core
(:mod:`gaitcheck.pose.spare`), and a later segment of a split pass waits for the
decision rather than start unflipped: the restart costs a model load and ten frames of
CPU, off the critical path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM, MIRROR
from gaitcheck.pose.backend import PoseBackend, PoseCandidate
from gaitcheck.pose.spare import Spare
from gaitcheck.sides import SIDES
from gaitcheck.video._cv import cv2

#: The facing the landmarker always sees ("left": the subject faces image-left).
CANONICAL = "left"
_MIRROR_INDEX = np.asarray(MIRROR, dtype=np.intp)


def unflip_candidate(cand: PoseCandidate) -> PoseCandidate:
    """Landmarks found on a left-right flipped frame, in the unflipped frame's terms.

    Image ``x → 1 − x`` (normalised), world ``x → −x`` (metres; MediaPipe's world x
    follows the image's), and every left/right landmark pair swapped: in a mirror image
    the model names the subject's left side "right" (a mirrored person looks like one
    whose sides are exchanged), so the swap gives each point its anatomical name again.
    ``y``, ``z``, visibility and presence are unchanged. The mapping is its own inverse.
    """
    image = cand.image[_MIRROR_INDEX].copy()
    world = cand.world[_MIRROR_INDEX].copy()
    image[:, 0] = 1.0 - image[:, 0]
    world[:, 0] = -world[:, 0]
    return PoseCandidate(image=image, world=world)


#: The decision is taken from the first :data:`DECIDE_FRAMES` frames with someone seen
#: from the side within the first :data:`DECIDE_S` seconds of the pass; by then, from at
#: least :data:`MIN_FRAMES` such frames of which :data:`AGREE` face one way (else none
#: is seen from the side: no flip).
DECIDE_FRAMES, DECIDE_S, MIN_FRAMES, AGREE = 10, 3.0, 5, 0.8
#: A frame shows someone from the side when, in leg lengths (hip → ankle), the feet
#: point along the picture by more than :data:`FOOT_THRESHOLD` (heel → toe; the event
#: detector's facing threshold, :class:`gaitcheck.events.settings.EventSettings`), the
#: nose is ahead of the ears the same way by more than :data:`HEAD_THRESHOLD`, and the
#: shoulders and hips are less than :data:`WIDTH_LIMIT` wide. Measured per frame
#: (10th/50th percentiles): side views (real treadmill and walker, five renders) feet
#: ≥ 0.10, head ≥ 0.06, width ≤ 0.26 (99th); a man doing jumping jacks facing the camera,
#: the rendered front and back runners feet ≤ 0.033, head ≤ 0.011, width ≥ 0.29 (50th).
FOOT_THRESHOLD, HEAD_THRESHOLD, WIDTH_LIMIT = 0.06, 0.03, 0.25
#: A backend whose first frame comes within this long of the window's start saw the
#: window's first frame (ms): the start may fall between two frames, and a split pass's
#: later segments start at least 0.75 s in (:func:`gaitcheck.pose.segments.plan_segments`).
FIRST_FRAME_MS = 500.0
#: Frames kept (flipped) for a spare landmarker before the first side-view frame shows
#: which way the subject leans; none seen by then: no spare.
SPECULATE_FRAMES = 6
#: A later segment waits for the decision at most this long (s; a safety net: the first
#: segment's end releases it). One that then sees frames unflipped before a flip is
#: decided restarts the whole pass, as before: slower, never different.
MAX_WAIT_S = 10.0


class RestartFlipped(Exception):
    """The subject faces the other way: run the pose pass again on flipped frames.

    ``spare``, when not None, is a fresh landmarker already run on the flipped frames
    from the first one (:mod:`gaitcheck.pose.spare`): the restart continues it
    (:meth:`CanonicalFactory.resumed`) instead of loading one and redoing those frames.
    """

    def __init__(self, spare: Spare | None = None) -> None:
        super().__init__("the subject faces the other way")
        self.spare = spare


@dataclass
class FacingDecision:
    """The clip's one facing decision, shared by every backend of a pose pass.

    Attributes
    ----------
    start_ms : float or None
        Timestamp of the window's start (ms); None: the first frame seen. Frames up to
        :data:`DECIDE_S` after it are evidence, only from the backend whose first frame
        is the window's (:data:`FIRST_FRAME_MS`): in a split pass the first segment's,
        in frame order, as in a single pass, whatever the threads' timing. (A later
        segment starts at least 0.75 s in; were its frames pooled, which frames decide
        would depend on which thread reached them first.) A first segment that ends
        before :data:`DECIDE_FRAMES` side-view frames leaves the decision to
        :meth:`settle`: no flip.
    flip : bool or None
        Frames are flipped before the landmarker; None while undecided.
    facing : str or None
        The subject's facing in the video as filmed ("left"/"right"), None when no
        side view was seen in time.
    evidence : dict
        What the decision rests on (for ``report.json``).
    """

    start_ms: float | None = None
    flip: bool | None = None
    facing: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    #: The facing of the first side-view frame ("left"/"right"), None before one: a
    #: guess, used only to start work early (:mod:`gaitcheck.pose.spare`).
    lean: str | None = None
    #: The backend of the window's first frame is closed (its pass ended or failed):
    #: later segments stop waiting for the decision.
    window_closed: bool = False
    _feet: list[float] = field(default_factory=list, repr=False)
    _heads: list[float] = field(default_factory=list, repr=False)
    _seen: int = field(default=0, repr=False)
    _lock: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def describe(self) -> dict[str, Any]:
        """``pose.canonical_facing`` of the report."""
        return {"canonical": CANONICAL, "flipped": bool(self.flip), "facing": self.facing,
                "evidence": dict(self.evidence)}

    def settle(self) -> None:
        """End an open decision as "no flip" (a pass too short to decide), so a later
        pass of the same clip (the second look) sees the same frames."""
        with self._lock:
            if self.flip is None:
                self.flip = False
                self.evidence = {"side_view_frames": len(self._feet), "undecided": True}
            self._lock.notify_all()

    def reopen(self) -> None:
        """Decide again in the next pass when this one saw nobody from the side."""
        with self._lock:
            if self.facing is None:
                self.flip = None
                self.lean = None
                self.window_closed = False
                self._seen = 0
                self._feet.clear()
                self._heads.clear()

    def add(self, found: list[PoseCandidate], size: tuple[int, int], since_ms: int
            ) -> bool:
        """Take one frame's landmarks (as filmed, ``since_ms`` after the window's start)
        as evidence; decide when there is enough. Returns True when the frames must be
        flipped (decided just now)."""
        with self._lock:
            if self.flip is not None:
                return False
            self._seen += 1
            self._lock.notify_all()
            # The largest person seen from the side: feet along the picture and the
            # nose ahead of the ears the same way (a back or front view has neither).
            ev = max((e for e in (facing_evidence(c.image, size) for c in found)
                      if e is not None and _side_view(*e)), key=lambda e: e[2], default=None)
            if ev is not None:
                if self.lean is None:
                    self.lean = "left" if ev[0] > 0 else "right"
                self._feet.append(ev[0])
                self._heads.append(ev[1])
            late = since_ms > DECIDE_S * 1000.0
            if len(self._feet) < DECIDE_FRAMES and not late:
                return False
            feet = float(np.median(self._feet)) if self._feet else float("nan")
            head = float(np.median(self._heads)) if self._heads else float("nan")
            agree = float(np.mean(np.sign(self._feet) == np.sign(feet))) if self._feet \
                else 0.0
            side = len(self._feet) >= MIN_FRAMES and agree >= AGREE
            self.facing = ("left" if feet > 0 else "right") if side else None
            self.flip = self.facing is not None and self.facing != CANONICAL
            self.evidence = {"side_view_frames": len(self._feet), "agree": round(agree, 3),
                             "heel_to_toe_leg_lengths": _round(feet),
                             "ear_to_nose_leg_lengths": _round(head),
                             "decided_at_s": round(since_ms / 1000.0, 3)}
            self._lock.notify_all()
            return self.flip

    def close_window(self) -> None:
        """The first frame's backend is done: nobody waits for its evidence any more."""
        with self._lock:
            self.window_closed = True
            self._lock.notify_all()

    def wait_if_leaning(self, timeout_s: float = MAX_WAIT_S) -> bool:
        """For a backend that is not the first frame's (a later segment): wait while the
        decision is open and leans to a flip, or has not yet seen a side view in its
        first :data:`SPECULATE_FRAMES` frames, for at most twice :data:`DECIDE_FRAMES`
        frames of the first backend, until its backend is closed
        (:meth:`close_window`), or ``timeout_s`` (a safety net: returns False). The
        later landmarker then sees its first frame flipped as the decision will be,
        instead of starting over after it; a clip that shows the canonical facing (or
        nobody from the side) at once waits for nothing."""
        end = time.monotonic() + timeout_s
        with self._lock:
            while self.flip is None and not self.window_closed and (
                    self._seen < 2 * DECIDE_FRAMES) and (
                    self.lean not in (None, CANONICAL)
                    or (self.lean is None and self._seen < SPECULATE_FRAMES)):
                if time.monotonic() > end:
                    return False
                self._lock.wait(0.05)
        return True


class CanonicalBackend:
    """A :class:`PoseBackend` that feeds ``inner`` frames flipped when ``decision`` says
    so and returns the landmarks in the unflipped frame's terms.

    While the decision is open, frames pass unflipped; the backend that saw the window's
    first frame gives its landmarks as evidence and raises :class:`RestartFlipped`
    when the decision is to flip (the pass then restarts from its first frame). With
    ``make_spare``, that backend starts a :class:`~gaitcheck.pose.spare.Spare` as soon
    as the first side-view frame leans to a flip, and hands it to the restart. A later
    segment's backend waits for the decision while it leans to a flip
    (:meth:`FacingDecision.wait_if_leaning`); one that saw frames unflipped before a
    flip was decided raises :class:`RestartFlipped` (the whole pass restarts).
    """

    def __init__(self, inner: PoseBackend, decision: FacingDecision,
                 make_spare: Callable[[], PoseBackend] | None = None) -> None:
        self.inner, self.decision = inner, decision
        self._first_ms: int | None = None
        self._make_spare = make_spare
        self._spare: Spare | None = None
        self._pending: list[tuple[np.ndarray, int]] | None = [] if make_spare else None
        self._dropped: list[Spare] = []  # closed on their threads, joined by close()
        self._unflipped = 0
        self._restarting = False
        self._may_wait = True

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        """See :meth:`PoseBackend.detect`."""
        decision = self.decision
        if self._first_ms is None:
            self._first_ms = timestamp_ms
            with decision._lock:
                if decision.start_ms is None:
                    decision.start_ms = timestamp_ms
        first = self._first_ms - (decision.start_ms or 0.0) < FIRST_FRAME_MS
        if decision.flip is None and not first and self._may_wait:
            self._may_wait = decision.wait_if_leaning()
        if decision.flip:
            if self._unflipped:  # its landmarker saw this segment's first frames unflipped
                raise RestartFlipped
            return [unflip_candidate(c)
                    for c in self.inner.detect(cv2.flip(rgb, 1), timestamp_ms)]
        found = self.inner.detect(rgb, timestamp_ms)
        if decision.flip is None:
            self._unflipped += 1
            # Only the backend that saw the window's first frame gives evidence, so the
            # frames decide in their order, not in the order threads reach them.
            if first:
                flip = decision.add(found, (rgb.shape[1], rgb.shape[0]),
                                    round(timestamp_ms - (decision.start_ms or 0.0)))
                self._speculate(rgb, timestamp_ms)
                if flip:
                    self._restarting = True
                    spare, self._spare = self._spare, None
                    raise RestartFlipped(spare)
        if decision.flip is False and self._spare is not None:
            self._spare.drop()  # the lean was wrong
            self._dropped.append(self._spare)
            self._spare = None
        return found

    def _speculate(self, rgb: np.ndarray, timestamp_ms: int) -> None:
        """Give this frame, flipped, to the spare landmarker once the decision leans to a
        flip (keeping the frames before the first side-view one until then)."""
        lean = self.decision.lean
        if self._spare is not None:
            self._spare.feed(cv2.flip(rgb, 1), timestamp_ms)
        elif self._pending is not None:
            self._pending.append((cv2.flip(rgb, 1), timestamp_ms))
            if lean is not None and lean != CANONICAL and self._make_spare is not None:
                self._spare = Spare(self._make_spare, self.inner)
                for frame in self._pending:
                    self._spare.feed(*frame)
            if lean is not None or len(self._pending) >= SPECULATE_FRAMES:
                self._pending = None  # leans the canonical way, or no side view early

    def describe(self) -> dict[str, Any]:
        """The inner backend's provenance."""
        return self.inner.describe()

    def close(self) -> None:
        """Release the inner backend (on a thread of its own when the pass restarts:
        a landmarker's close takes up to 0.1 s) and drop a spare not handed over."""
        if self._spare is not None:
            self._dropped.append(self._spare)
            self._spare = None
        for spare in self._dropped:
            spare.drop(wait=True)
        self._dropped.clear()
        if self._first_ms is not None and self._first_ms - (
                self.decision.start_ms or 0.0) < FIRST_FRAME_MS:
            self.decision.close_window()
        if self._restarting:
            # Not a daemon: the interpreter waits for it at exit (issue 13's hang came
            # from a landmarker closed during shutdown).
            threading.Thread(target=self.inner.close, name="gaitcheck-close").start()
        else:
            self.inner.close()


class CanonicalFactory:
    """Wraps a backend factory: every backend of one analysis shares :attr:`decision`.

    Parameters
    ----------
    inner : callable
        Builds the model's backend from the options.
    """

    def __init__(self, inner: Callable[[Any], PoseBackend]) -> None:
        self.inner = inner
        self.decision = FacingDecision()

    def __call__(self, options: Any) -> CanonicalBackend:
        return CanonicalBackend(self.inner(options), self.decision,
                                lambda: self.inner(options))

    def resumed(self, spare: Spare | None, options: Any) -> CanonicalBackend:
        """The restart's backend: ``spare``'s landmarker when it is usable
        (:meth:`gaitcheck.pose.spare.Spare.take`), else a new one."""
        taken = spare.take() if spare is not None else None
        if taken is None:
            return self(options)
        return CanonicalBackend(taken, self.decision)


def _side_view(feet: float, head: float, leg: float, width: float) -> bool:
    return (abs(feet) > FOOT_THRESHOLD and abs(head) > HEAD_THRESHOLD and feet * head > 0
            and width < WIDTH_LIMIT)


def facing_evidence(image: np.ndarray, size: tuple[int, int]
                    ) -> tuple[float, float, float, float] | None:
    """Side-view facing evidence of one candidate, positive when facing image-left.

    Parameters
    ----------
    image : numpy.ndarray, shape (33, 5)
        Normalised landmarks.
    size : (int, int)
        Frame width and height, pixels (offsets are measured in pixels).

    Returns
    -------
    (feet, head, leg, width) or None
        Mean heel → foot_index offset of the two feet and ear-midpoint → nose offset,
        both horizontal, in leg lengths (hip → ankle, mean of both legs; NaN head when
        not seen); ``leg`` in pixels; ``width``: mean horizontal shoulder and hip
        width, leg lengths. None without feet or legs.
    """
    px = image[:, :2].astype(np.float64) * size
    leg = _mean([np.hypot(*(px[LM[f"{s}_hip"]] - px[LM[f"{s}_ankle"]])) for s in SIDES])
    feet = _mean([px[LM[f"{s}_heel"], 0] - px[LM[f"{s}_foot_index"], 0] for s in SIDES])
    if not (np.isfinite(leg) and leg > 0 and np.isfinite(feet)):
        return None
    ear = _mean([px[LM[f"{s}_ear"], 0] for s in SIDES])
    head = (ear - px[LM["nose"], 0]) / leg
    width = _mean([abs(px[LM[f"left_{p}"], 0] - px[LM[f"right_{p}"], 0])
                   for p in ("shoulder", "hip")]) / leg
    return float(feet / leg), float(head), leg, float(width)



def _mean(values: list[float]) -> float:
    """Mean of the finite values, NaN (quietly) without any."""
    ok = [float(v) for v in values if np.isfinite(v)]
    return sum(ok) / len(ok) if ok else float("nan")


def _round(v: float) -> float | None:
    return round(v, 4) if np.isfinite(v) else None
