"""Following one main subject when several people are in view.

The pose model reports up to N people per frame, in no stable order. We link those
detections into tracklets by position and size (Hungarian assignment), score each
tracklet by how prominent it is over the clip, keep the best one, and join tracklets
of the same person across short gaps (occlusion by a tree, a moment out of frame).

A tracklet's score is the sum over its frames of body size in pixels × mean
visibility, multiplied up to five-fold when the person is clearly stepping (the ankles
keep swinging past each other, or alternate in height in a front or back view) and up
to two-fold when they travel across the frame, which favours the walker or runner over
a bystander or someone exercising in place. The whole clip is seen before choosing, so
a runner who enters after a bystander was first in view is still the one followed.

With one person per frame (the default, ``num_poses=1``) MediaPipe follows whoever it
detected first until it loses them, and only then detects again: in a clip where a
bystander is in view first, the walker is never seen until the bystander leaves.
:func:`gaitcheck.pose.second_look.second_look` says when such a pass must be redone
tracking two people. Where a detection is and how big: :mod:`gaitcheck.pose.person_box`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.person_box import distinct, distinct_boxed, link_cost
from gaitcheck.pose.second_look import (  # the two-pass decisions, still importable here
    FILL_MAX_GAP_S,
    FILL_MAX_SHIFT,
    SECOND_LOOK_OTHER_S,
    SECOND_LOOK_STEPPING,
    fill_gaps,
    gait_frames,
    second_look,
)

__all__ = ["FILL_MAX_GAP_S", "FILL_MAX_SHIFT", "SECOND_LOOK_OTHER_S", "SECOND_LOOK_STEPPING",
           "SubjectSelection", "distinct", "fill_gaps", "gait_frames", "second_look",
           "select_subject"]

_MAX_LINK_COST = 0.8   # centre shift in body sizes + |log size ratio|
_MAX_LINK_GAP_S = 0.5  # a tracklet survives this long without a detection
_MAX_JOIN_GAP_S = 1.5  # tracklets of one person may be joined across this gap
_MAX_JOIN_COST = 1.5
#: A fresh detection of the subject may start while the old tracklet still follows a
#: collapsed copy of them for this many frames (MediaPipe's tracker drawing the legs
#: folded up on a walker at the picture edge): the two are joined when the fresh one
#: starts where the old one was just before (link cost), the more prominent pose is kept.
_MAX_JOIN_OVERLAP = 3
#: Stepping: the left-minus-right ankle offset beyond this fraction of body size, to both
#: sides, horizontally (side view) or vertically (front or back view: the swinging foot
#: is higher), in at least :data:`_STEP_FULL` of the frames each way.
_STEP_X, _STEP_Y, _STEP_FULL = 0.15, 0.05, 0.2


@dataclass(eq=False)  # identity: tracklets are compared with `in`
class _Tracklet:
    frames: list[int] = field(default_factory=list)
    candidates: list[PoseCandidate] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)  # cx, cy, size (px)
    weights: list[float] = field(default_factory=list)
    ankle_gaps: list[np.ndarray] = field(default_factory=list)  # left - right ankle, px

    def score(self) -> float:
        """Prominence summed over frames, weighted up for stepping and travelling."""
        return (float(np.sum(self.weights)) * (1.0 + 4.0 * self._leg_activity())
                * (1.0 + self._travel()))

    def _travel(self) -> float:
        """Horizontal distance covered (5th to 95th percentile of the torso centre), in
        units of two body sizes, clipped to 0..1: an overground walker or runner
        crosses the frame, a bystander stays put."""
        if len(self.frames) < 5:
            return 0.0
        boxes = np.asarray(self.boxes)
        span = np.subtract(*np.percentile(boxes[:, 0], [95, 5]))
        return float(np.clip(span / (2.0 * np.median(boxes[:, 2])), 0.0, 1.0))

    def _leg_activity(self) -> float:
        """How clearly the person steps, 0..1.

        In walking or running the left-minus-right ankle offset swings to both sides at
        every step: horizontally by a large fraction of body size in a side view,
        vertically by a smaller one in a front or back view (the swinging foot is
        lifted). A bystander, or someone doing jumping jacks, keeps one ankle on the
        same side. Per axis: the smaller of the fractions of frames with the offset
        beyond +threshold and beyond -threshold (:data:`_STEP_X`, :data:`_STEP_Y` of
        body size); the better axis counts, :data:`_STEP_FULL` on each side scoring 1.
        """
        if len(self.frames) < 5:
            return 0.0
        rel = np.asarray(self.ankle_gaps) / np.asarray([b[2] for b in self.boxes])[:, None]
        balance = max(min(np.mean(rel[:, k] > th), np.mean(rel[:, k] < -th))
                      for k, th in ((0, _STEP_X), (1, _STEP_Y)))
        return float(np.clip(balance / _STEP_FULL, 0.0, 1.0))

    def summary(self, width: int, height: int, time_s: np.ndarray) -> dict[str, Any]:
        """Who this is, for the report: when, where, how much they step and travel."""
        boxes = np.asarray(self.boxes)
        return {"frames": len(self.frames),
                "first_s": round(float(time_s[self.frames[0]]), 3),
                "last_s": round(float(time_s[self.frames[-1]]), 3),
                "centre": [round(float(np.median(boxes[:, 0])) / width, 3),
                           round(float(np.median(boxes[:, 1])) / height, 3)],
                "body_size": round(float(np.median(boxes[:, 2])) / height, 3),
                "stepping": round(self._leg_activity(), 2),
                "travel": round(self._travel(), 2)}


@dataclass(frozen=True)
class SubjectSelection:
    """The chosen subject per frame plus a summary for the report.

    Attributes
    ----------
    chosen : list of PoseCandidate or None
        The subject's pose in each frame, ``None`` where the subject was not found.
    max_people : int
        Most people detected in any single frame.
    frames_with_others : int
        Frames in which at least one other person was detected.
    n_tracklets : int
        Number of distinct person tracklets seen.
    frames_on_others : int
        Frames where someone was detected but not the subject: with one person tracked
        per frame, the frames the model spent following someone else.
    on_others_s : float
        Those frames in seconds (at the clip's median frame interval).
    subject : dict
        :meth:`_Tracklet.summary` of the subject ({} when nobody was found).
    others : list of dict
        The same for the other people (tracklets of at least 0.2 s not joined to the
        subject), the longest first, at most five.
    """

    chosen: list[PoseCandidate | None]
    max_people: int
    frames_with_others: int
    n_tracklets: int
    frames_on_others: int = 0
    on_others_s: float = 0.0
    subject: dict[str, Any] = field(default_factory=dict)
    others: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The ``subject_selection`` block of the report's pose provenance."""
        return {"max_people_in_frame": self.max_people,
                "frames_with_other_people": self.frames_with_others,
                "person_tracklets": self.n_tracklets,
                "frames_on_other_people": self.frames_on_others,
                "seconds_on_other_people": round(self.on_others_s, 2),
                "subject": dict(self.subject),
                "why": _why(self.subject, len(self.others)),
                "others": [dict(o) for o in self.others]}


def _why(subject: dict[str, Any], n_others: int) -> str:
    if not subject:
        return "nobody was found"
    if not n_others:
        return "the only person found"
    return (f"of {n_others + 1} person tracks, the one that walks or runs most clearly and "
            f"longest (stepping {subject['stepping']:.2f} of 1, travel across the frame "
            f"{subject['travel']:.2f} of 1, {subject['frames']} frames)")


def select_subject(
    per_frame: Sequence[Sequence[PoseCandidate]],
    time_s: np.ndarray,
    width: int,
    height: int,
) -> SubjectSelection:
    """Choose the main subject's pose in every frame.

    Parameters
    ----------
    per_frame : sequence of sequences of PoseCandidate
        Every person the backend found, frame by frame.
    time_s : numpy.ndarray, shape (T,)
        Frame times in seconds.
    width, height : int
        Image size in pixels (distances are measured in pixels, not normalised units).
    """
    n = len(per_frame)
    finished: list[_Tracklet] = []
    # Imported here: scipy.optimize takes 0.4 s to import, which the CLI would otherwise
    # spend before pose starts (gaitcheck.pipeline imports it on a spare core meanwhile).
    from scipy.optimize import linear_sum_assignment

    active: list[_Tracklet] = []
    counts = []
    for t, raw in enumerate(per_frame):
        boxed = distinct_boxed(raw, width, height)
        cands = [c for c, _ in boxed]
        boxes = [b for _, b in boxed]
        counts.append(len(cands))
        # Retire tracklets that have been unmatched for too long.
        still: list[_Tracklet] = []
        for tr in active:
            (still if time_s[t] - time_s[tr.frames[-1]] <= _MAX_LINK_GAP_S else finished).append(
                tr)
        active = still
        unmatched = set(range(len(cands)))
        if active and cands:
            cost = np.array([[link_cost(tr.boxes[-1], b[0]) for b in boxes] for tr in active])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=True):
                if cost[r, c] <= _MAX_LINK_COST:
                    _append(active[r], t, cands[c], *boxes[c])
                    unmatched.discard(c)
        for c in sorted(unmatched):
            tr = _Tracklet()
            _append(tr, t, cands[c], *boxes[c])
            active.append(tr)
    tracklets = finished + active
    chosen: list[PoseCandidate | None] = [None] * n
    subject: dict[str, Any] = {}
    others: list[dict[str, Any]] = []
    if tracklets:
        chain = _chain(tracklets, time_s)
        kept: dict[int, tuple[PoseCandidate, np.ndarray, float, np.ndarray]] = {}
        for tr in chain:
            for f, c, b, w, g in zip(tr.frames, tr.candidates, tr.boxes, tr.weights,
                                     tr.ankle_gaps, strict=True):
                if f not in kept or w > kept[f][2]:  # overlap: the more prominent
                    kept[f] = (c, b, w, g)
        whole = _Tracklet()
        for f in sorted(kept):
            chosen[f] = kept[f][0]
            _append(whole, f, *kept[f])
        subject = whole.summary(width, height, time_s)
        min_frames = max(5, round(0.2 * _fps(time_s)))
        others = [tr.summary(width, height, time_s)
                  for tr in sorted(tracklets, key=lambda tr: len(tr.frames), reverse=True)
                  if tr not in chain and len(tr.frames) >= min_frames][:5]
    on_others = sum(k > 0 and c is None for k, c in zip(counts, chosen, strict=True))
    return SubjectSelection(
        chosen=chosen,
        max_people=max(counts, default=0),
        frames_with_others=sum(c > 1 for c in counts),
        n_tracklets=len(tracklets),
        frames_on_others=on_others,
        on_others_s=on_others / _fps(time_s),
        subject=subject,
        others=others,
    )


def _fps(time_s: np.ndarray) -> float:
    """Frames per second of the analysed frames (30 when it cannot be told)."""
    steps = np.diff(np.asarray(time_s, dtype=np.float64))
    steps = steps[steps > 0]
    return float(1.0 / np.median(steps)) if steps.size else 30.0


def _append(tr: _Tracklet, t: int, cand: PoseCandidate, box: np.ndarray, weight: float,
            ankle_gap: np.ndarray) -> None:
    tr.ankle_gaps.append(ankle_gap)
    tr.frames.append(t)
    tr.candidates.append(cand)
    tr.boxes.append(box)
    tr.weights.append(weight)


def _chain(tracklets: list[_Tracklet], time_s: np.ndarray) -> list[_Tracklet]:
    """The best tracklet plus others that continue it in time and place."""
    rest = sorted(tracklets, key=lambda tr: tr.score(), reverse=True)
    chain = [rest.pop(0)]
    grown = True
    while grown:
        grown = False
        start = min(chain, key=lambda c: c.frames[0])
        end = max(chain, key=lambda c: c.frames[-1])
        for tr in rest:
            after = tr.frames[0] > end.frames[-1] and (
                time_s[tr.frames[0]] - time_s[end.frames[-1]] <= _MAX_JOIN_GAP_S
                and link_cost(end.boxes[-1], tr.boxes[0]) <= _MAX_JOIN_COST)
            before = tr.frames[-1] < start.frames[0] and (
                time_s[start.frames[0]] - time_s[tr.frames[-1]] <= _MAX_JOIN_GAP_S
                and link_cost(tr.boxes[-1], start.boxes[0]) <= _MAX_JOIN_COST)
            if after or before or _overlaps(end, tr) or _overlaps(tr, start):
                chain.append(tr)
                rest.remove(tr)
                grown = True
                break
    return chain


def _overlaps(first: _Tracklet, later: _Tracklet) -> bool:
    """``later`` starts at most :data:`_MAX_JOIN_OVERLAP` frames before ``first`` ends,
    outlasts it, and starts where ``first`` was in the frames just before."""
    start = later.frames[0]
    if not (first.frames[-1] - _MAX_JOIN_OVERLAP < start <= first.frames[-1]
            and later.frames[-1] > first.frames[-1]):
        return False
    near = [b for f, b in zip(first.frames, first.boxes, strict=True)
            if start - _MAX_JOIN_OVERLAP <= f < start]
    return any(link_cost(b, later.boxes[0]) <= _MAX_LINK_COST for b in near)
