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
:func:`second_look` says when such a pass must be redone tracking two people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.pose.backend import PoseCandidate

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
#: A one-person pass is redone tracking two when the model spent this long on someone
#: other than the subject, or the person followed steps less than this (0..1).
SECOND_LOOK_OTHER_S, SECOND_LOOK_STEPPING = 0.5, 0.5
#: Gaps in the kept pass's subject up to this long are filled from the other pass when
#: its subject is there, within this many body sizes of where the kept one was heading.
FILL_MAX_GAP_S, FILL_MAX_SHIFT = 0.5, 0.5


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


def second_look(selection: dict[str, Any]) -> str | None:
    """Why a pass that tracked one person per frame should be redone tracking two.

    Parameters
    ----------
    selection : dict
        :meth:`SubjectSelection.describe` of the one-person pass.

    Returns
    -------
    str or None
        The reason, or None when the pass stands: the backend already reported several
        people in a frame (a second pass would see nothing new), nobody was found, or
        the person followed steps (walks or runs) and the model never spent
        :data:`SECOND_LOOK_OTHER_S` on anyone else.
    """
    subject = selection.get("subject") or {}
    if selection.get("max_people_in_frame", 0) > 1 or not subject:
        return None
    if selection.get("seconds_on_other_people", 0.0) >= SECOND_LOOK_OTHER_S:
        return (f"the one-person model followed someone else for "
                f"{selection['seconds_on_other_people']:.1f} s")
    if subject.get("stepping", 1.0) < SECOND_LOOK_STEPPING:
        return (f"the person followed is not clearly walking or running (stepping "
                f"{subject['stepping']:.2f} of 1)")
    return None


def gait_frames(selection: dict[str, Any]) -> float:
    """Frames of the subject weighted by how clearly they step: which of two passes
    found more of a walker or runner (:func:`second_look`)."""
    subject = selection.get("subject") or {}
    return float(subject.get("frames", 0)) * (0.2 + float(subject.get("stepping", 0.0)))


_LEG_CHAINS = tuple(
    tuple(LM[f"{side}_{part}"] for part in ("shoulder", "hip", "knee", "ankle"))
    for side in ("left", "right")
)
_TORSO = [LM[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]


def _box(cand: PoseCandidate, width: int, height: int
         ) -> tuple[np.ndarray, float, np.ndarray]:
    """Torso centre and body size (px), prominence weight, left-minus-right ankle offset
    (x, y; px) of a detection.

    Size is the shoulder→hip→knee→ankle path length, mean of both sides: unlike a
    bounding box it does not jump when the arms go up or the knees bend.
    """
    xy = cand.image[:, :2].astype(np.float64) * (width, height)
    vis = np.nan_to_num(cand.image[:, 3].astype(np.float64), nan=0.0)
    size = float(np.mean([np.sum(np.linalg.norm(np.diff(xy[list(chain)], axis=0), axis=1))
                          for chain in _LEG_CHAINS]))
    size = max(size, 1.0)
    centre = xy[_TORSO].mean(axis=0)
    ankle_gap = xy[LM["left_ankle"]] - xy[LM["right_ankle"]]
    return np.array([centre[0], centre[1], size]), size * float(np.mean(vis)), ankle_gap


def distinct(cands: Sequence[PoseCandidate], width: int, height: int) -> list[PoseCandidate]:
    """Drop duplicate detections of one person.

    MediaPipe sometimes returns the same person twice, once whole and once as a partial
    (shrunken) copy. Two detections whose torso centres lie within a quarter of the
    larger body size are one person; the more prominent one is kept.
    """
    return [c for c, _ in _distinct_boxed(cands, width, height)]


def _distinct_boxed(cands: Sequence[PoseCandidate], width: int, height: int
                    ) -> list[tuple[PoseCandidate, tuple[np.ndarray, float, np.ndarray]]]:
    """:func:`distinct`, keeping each survivor's :func:`_box` so it is computed once."""
    boxes = [_box(c, width, height) for c in cands]
    order = sorted(range(len(cands)), key=lambda i: boxes[i][1], reverse=True)
    kept: list[int] = []
    for i in order:
        a = boxes[i][0]
        if all(np.hypot(*(a[:2] - boxes[j][0][:2])) > 0.25 * max(a[2], boxes[j][0][2])
               for j in kept):
            kept.append(i)
    return [(cands[i], boxes[i]) for i in sorted(kept)]


def _cost(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(a[2], b[2])
    return float(np.hypot(a[0] - b[0], a[1] - b[1]) / scale + abs(np.log(a[2] / b[2])))


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
        boxed = _distinct_boxed(raw, width, height)
        cands = [c for c, _ in boxed]
        boxes = [b for _, b in boxed]
        counts.append(len(cands))
        # Retire tracklets that have been unmatched for too long.
        still = []
        for tr in active:
            (still if time_s[t] - time_s[tr.frames[-1]] <= _MAX_LINK_GAP_S else finished).append(
                tr)
        active = still
        unmatched = set(range(len(cands)))
        if active and cands:
            cost = np.array([[_cost(tr.boxes[-1], b[0]) for b in boxes] for tr in active])
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
                and _cost(end.boxes[-1], tr.boxes[0]) <= _MAX_JOIN_COST)
            before = tr.frames[-1] < start.frames[0] and (
                time_s[start.frames[0]] - time_s[tr.frames[-1]] <= _MAX_JOIN_GAP_S
                and _cost(tr.boxes[-1], start.boxes[0]) <= _MAX_JOIN_COST)
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
    return any(_cost(b, later.boxes[0]) <= _MAX_LINK_COST for b in near)


def fill_gaps(image: np.ndarray, world: np.ndarray, other_image: np.ndarray,
              other_world: np.ndarray, time_s: np.ndarray, width: int, height: int
              ) -> list[int]:
    """Fill short gaps of the subject from a second pass over the same frames.

    Tracking two people, MediaPipe loses a walker for a few frames where tracking one
    did not (the CRF 35 walking clip: frames 143-144 and 160-164); tracking one, it may
    have followed someone else elsewhere. A frame missing from the subject's tracks is
    filled from the other pass's subject when the gap is at most :data:`FILL_MAX_GAP_S`
    with the subject found on both sides, and the other pose's torso centre lies within
    :data:`FILL_MAX_SHIFT` body sizes of the centre interpolated across the gap (so it
    is the same person, not whoever the other pass followed there).

    Parameters
    ----------
    image, world : numpy.ndarray, shapes (T, 33, C) and (T, 33, 3)
        The kept subject's tracks (NaN where not found), filled in place.
    other_image, other_world : numpy.ndarray
        The other pass's subject, same frames.
    time_s : numpy.ndarray, shape (T,)
        Frame times, seconds.
    width, height : int
        Image size, pixels.

    Returns
    -------
    list of int
        The frames filled.
    """
    found = np.isfinite(image[:, :, 0]).any(axis=1)
    other = np.isfinite(other_image[:, :, 0]).any(axis=1)
    idx = np.flatnonzero(found)
    filled: list[int] = []
    if other.shape != found.shape or len(idx) < 2:
        return filled
    for t in np.flatnonzero(~found & other):
        k = np.searchsorted(idx, t)
        if k == 0 or k == len(idx):
            continue
        a, b = idx[k - 1], idx[k]
        if time_s[b] - time_s[a] > FILL_MAX_GAP_S + 1e-6:
            continue
        box_a, box_b = (_box(PoseCandidate(image[f], world[f]), width, height)[0]
                        for f in (a, b))
        w = (time_s[t] - time_s[a]) / (time_s[b] - time_s[a])
        expected = box_a + w * (box_b - box_a)
        box = _box(PoseCandidate(other_image[t], other_world[t]), width, height)[0]
        if np.hypot(*(box[:2] - expected[:2])) <= FILL_MAX_SHIFT * expected[2]:
            filled.append(int(t))
    for t in filled:
        image[t], world[t] = other_image[t], other_world[t]
    return filled
