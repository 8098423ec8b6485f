"""Result types of gait-event detection: frozen, JSON-ready dataclasses."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Side = Literal["left", "right"]
EventKind = Literal["IC", "TO"]
Facing = Literal["left", "right", "front", "back"]

#: Machine codes of gait-event warnings. Their severity (info, caution, serious) is
#: decided in one place, :data:`gaitcheck.tracks.warnings.SEVERITY`, by code: rewording a
#: message never changes it.
EVENT_CODES: tuple[str, ...] = (
    "too_few_frames_for_events",  # fewer than 3 frames: no events at all
    "no_legs",                    # no leg was ever found: no events at all
    "legs_swapped",               # the pose model exchanged the legs; relabelled
    "not_side_on",                # the feet are never seen side-on (not a side view)
    "facing_contradicted",        # the given facing contradicts the feet throughout
    "subject_turns",              # a turn, left out; the directions analysed apart
    "time_gaps",                  # frames missing from the file: no event across them
    "no_regular_stepping",        # a stretch without periodic steps: no events there
    "contacts_missed",            # a contact expected between two others was not found
    "too_few_contacts",           # a stretch with too few reliable contacts, dropped
    "no_events",                  # no reliable gait event in the whole clip
    "activity_contradicted",      # the feet contradict the activity the user gave
    "slowmo_suspected",           # cadence impossible in real time: slow-motion file
    "cadence_impossible",         # cadence above any human's: the clock is wrong
)


def _r(x: float | None, nd: int = 4) -> float | None:
    """Round for JSON; NaN and None become None."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


def steps_between(contacts: list[GaitEvent]) -> list[int]:
    """Count the steps between successive contacts of one segment (time order).

    1 between contacts of different feet; where contacts were missed, the interval
    divided by the median step (half the median interval between contacts of the same
    foot), rounded to the nearest count with the right parity (even between two contacts
    of the same foot, odd otherwise).
    """
    t = np.array([c.time_s for c in contacts])
    same = [np.diff(t[[k for k, c in enumerate(contacts) if c.side == s]])
            for s in ("left", "right")]
    strides = np.concatenate(same)
    step = 0.5 * float(np.median(strides)) if len(strides) else float("nan")
    out = []
    for a, b in itertools.pairwise(contacts):
        odd = a.side != b.side
        n = (b.time_s - a.time_s) / step if np.isfinite(step) and step > 0 else 1.0
        # Nearest odd (different feet) or even (same foot) count, at least 1 or 2.
        k = 2 * round((n - 1) / 2) + 1 if odd else 2 * max(1, round(n / 2))
        out.append(max(k, 1))
    return out


@dataclass(frozen=True)
class EventWarning:
    """A problem of the gait events that a reader of the report must know about.

    Attributes
    ----------
    code : str
        Machine code, one of :data:`EVENT_CODES`; it alone sets the severity
        (:func:`gaitcheck.tracks.warnings.warning_severity`).
    message : str
        Plain-language explanation, lower case (it is put into sentences).
    """

    code: str
    message: str

    def __post_init__(self) -> None:
        """Refuse a code without a severity (a typo would silently become caution)."""
        if self.code not in EVENT_CODES:
            raise ValueError(f"unknown gait-event warning code {self.code!r}")

    def __str__(self) -> str:
        """Return the message."""
        return self.message

    def to_dict(self) -> dict[str, str]:
        """Return the JSON-ready ``{code, message}``.

        ``{code, message}``, the form :func:`~gaitcheck.tracks.warnings.with_severity`
        completes with the severity.
        """
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class GaitEvent:
    """One gait event of one foot.

    Attributes
    ----------
    side : {"left", "right"}
        The subject's own foot (not the image side).
    kind : {"IC", "TO"}
        Initial contact (foot strike) or toe-off (foot off).
    time_s : float
        Event time in seconds on the clock of ``LandmarkTracks.time_s`` (real time when
        the slow-motion factor was given; file time otherwise), interpolated between
        frames.
    frame : float
        Sub-frame position in the tracks: ``i + f`` is the fraction ``f`` of the way from
        row ``i`` to row ``i + 1`` of the track arrays (an index into the tracks, not
        into the source video; see ``LandmarkTracks.frame_index`` for that).
    confidence : float
        0..1: agreement of the kinematic cues, landmark visibility and fit quality.
    """

    side: Side
    kind: EventKind
    time_s: float
    frame: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"side": self.side, "kind": self.kind, "time_s": _r(self.time_s, 5),
                "frame": _r(self.frame, 3), "confidence": _r(self.confidence, 3)}


@dataclass(frozen=True)
class RejectedEvent:
    """A candidate event dropped by the plausibility checks, and why.

    Attributes
    ----------
    event : GaitEvent
        The candidate as detected.
    reason : str
        Human-readable reason (too close to another contact, same foot twice, ...).
    """

    event: GaitEvent
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {**self.event.to_dict(), "reason": self.reason}


@dataclass(frozen=True)
class EventSegment:
    """A stretch of frames analysed as one continuous walk or run.

    Attributes
    ----------
    start_frame, stop_frame : int
        Row range ``[start_frame, stop_frame)`` of the tracks.
    start_s, stop_s : float
        Times of the first and last row of the segment, seconds.
    facing : {"left", "right"}
        Image direction the subject faces (and moves, overground) in this segment.
    """

    start_frame: int
    stop_frame: int
    start_s: float
    stop_s: float
    facing: Facing

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"start_frame": self.start_frame, "stop_frame": self.stop_frame,
                "start_s": _r(self.start_s, 5), "stop_s": _r(self.stop_s, 5),
                "facing": self.facing}


@dataclass(frozen=True)
class GaitEvents:
    """All gait events of a clip.

    Attributes
    ----------
    contacts : tuple of GaitEvent
        Initial contacts of both feet in time order (``kind == "IC"``).
    toe_offs : tuple of GaitEvent
        Toe-offs of both feet in time order (``kind == "TO"``).
    activity : {"run", "walk"} or None
        Running when the stances of the two feet do not overlap (a flight phase), walking
        when they do (double support); None when it could not be told.
    activity_confidence : float
        0..1 confidence of ``activity`` (0 when ``activity`` is None).
    warnings : tuple of EventWarning
        Coded, plain-language problems a reader of the report must know about.
    slowmo_factor_suggested : float or None
        When step and contact times are physically impossible in real time for the
        activity, the likely slow-motion factor (capture fps / playback fps) that makes
        them normal; None otherwise. Times stay on the tracks' clock either way.
    segments : tuple of EventSegment
        Continuous stretches the events were detected in; no event spans two segments.
    rejected : tuple of RejectedEvent
        Candidates dropped as implausible, with the reason.
    """

    contacts: tuple[GaitEvent, ...] = ()
    toe_offs: tuple[GaitEvent, ...] = ()
    activity: Literal["run", "walk"] | None = None
    activity_confidence: float = 0.0
    warnings: tuple[EventWarning, ...] = ()
    slowmo_factor_suggested: float | None = None
    segments: tuple[EventSegment, ...] = field(default_factory=tuple)
    rejected: tuple[RejectedEvent, ...] = field(default_factory=tuple)

    def segment_of(self, event: GaitEvent) -> int:
        """Index of the segment holding ``event`` (-1 if none)."""
        for k, seg in enumerate(self.segments):
            if seg.start_frame <= event.frame <= seg.stop_frame - 1:
                return k
        return -1

    @property
    def cadence_spm(self) -> float:
        """Steps per minute from the initial contacts, pooled over segments.

        Within a segment with every contact detected this is the shared definition
        (:func:`gaitcheck.metrics.formulas.cadence_spm`): ``n − 1`` steps over
        ``t_last − t_first``. Where contacts were missed (see ``warnings``) an interval
        counts as the steps it spans (:func:`steps_between`), and segments
        are pooled as total steps over total time, so neither a missed contact nor a gap
        (subject out of view, a turn) changes the cadence. NaN without a segment
        holding two contacts. On the tracks' clock: multiply by
        ``slowmo_factor_suggested`` for a slowed-down file.
        """
        steps, span = 0.0, 0.0
        for k in range(len(self.segments)):
            seg = [c for c in self.contacts if self.segment_of(c) == k]
            if len(seg) < 2:
                continue
            steps += sum(steps_between(seg))
            span += seg[-1].time_s - seg[0].time_s
        return 60.0 * steps / span if span > 0 else float("nan")

    def stance_phases(self) -> list[tuple[GaitEvent, GaitEvent]]:
        """Pair each initial contact with the toe-off that ends its stance.

        (IC, TO) pairs of the same foot where the toe-off ends that contact's stance
        (the next event of that foot after the IC), in time order.
        """
        pairs = []
        for ic in self.contacts:
            later = [e for e in (*self.contacts, *self.toe_offs)
                     if e.side == ic.side and e.time_s > ic.time_s
                     and self.segment_of(e) == self.segment_of(ic)]
            nxt = min(later, key=lambda e: e.time_s, default=None)
            if nxt is not None and nxt.kind == "TO":
                pairs.append((ic, nxt))
        return pairs

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (floats rounded; NaN as None)."""
        return {
            "contacts": [e.to_dict() for e in self.contacts],
            "toe_offs": [e.to_dict() for e in self.toe_offs],
            "activity": self.activity,
            "activity_confidence": _r(self.activity_confidence, 3),
            "cadence_spm": _r(self.cadence_spm, 2),
            "warnings": [w.to_dict() for w in self.warnings],
            "slowmo_factor_suggested": self.slowmo_factor_suggested,
            "segments": [s.to_dict() for s in self.segments],
            "rejected": [r.to_dict() for r in self.rejected],
        }
