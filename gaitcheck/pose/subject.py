"""Following one main subject when several people are in view.

The pose model reports up to N people per frame, in no stable order. We link those
detections into tracklets by position and size (Hungarian assignment), score each
tracklet by how prominent it is over the clip, keep the best one, and join tracklets
of the same person across short gaps (occlusion by a tree, a moment out of frame).

A tracklet's score is the sum over its frames of body size in pixels × mean
visibility, multiplied up to five-fold when the person is clearly stepping (the ankles
keep swinging past each other) and up to two-fold when they travel across the frame,
which favours the walker or runner over a bystander or someone exercising in place.
The whole clip is seen before choosing, so a runner who enters after a bystander was
first in view is still the one followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.pose.backend import PoseCandidate

_MAX_LINK_COST = 0.8   # centre shift in body sizes + |log size ratio|
_MAX_LINK_GAP_S = 0.5  # a tracklet survives this long without a detection
_MAX_JOIN_GAP_S = 1.5  # tracklets of one person may be joined across this gap
_MAX_JOIN_COST = 1.5


@dataclass
class _Tracklet:
    frames: list[int] = field(default_factory=list)
    candidates: list[PoseCandidate] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)  # cx, cy, size (px)
    weights: list[float] = field(default_factory=list)
    ankle_gaps: list[float] = field(default_factory=list)  # x_left - x_right ankle, px

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

        In walking or running the horizontal left-minus-right ankle offset swings to
        both sides by a large fraction of body size at every step; a bystander, or
        someone doing jumping jacks, keeps one ankle on the same side. Score: the
        smaller of the fractions of frames with the offset beyond +15 % and beyond
        -15 % of body size, with 20 % of frames on each side scoring 1.
        """
        if len(self.frames) < 5:
            return 0.0
        rel = np.asarray(self.ankle_gaps) / np.asarray([b[2] for b in self.boxes])
        balance = min(np.mean(rel > 0.15), np.mean(rel < -0.15))
        return float(np.clip(balance / 0.2, 0.0, 1.0))


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
    """

    chosen: list[PoseCandidate | None]
    max_people: int
    frames_with_others: int
    n_tracklets: int


_LEG_CHAINS = tuple(
    tuple(LM[f"{side}_{part}"] for part in ("shoulder", "hip", "knee", "ankle"))
    for side in ("left", "right")
)
_TORSO = [LM[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]


def _box(cand: PoseCandidate, width: int, height: int) -> tuple[np.ndarray, float, float]:
    """Torso centre and body size (px), prominence weight, ankle order of a detection.

    Size is the shoulder→hip→knee→ankle path length, mean of both sides: unlike a
    bounding box it does not jump when the arms go up or the knees bend.
    """
    xy = cand.image[:, :2].astype(np.float64) * (width, height)
    vis = np.nan_to_num(cand.image[:, 3].astype(np.float64), nan=0.0)
    size = float(np.mean([np.sum(np.linalg.norm(np.diff(xy[list(chain)], axis=0), axis=1))
                          for chain in _LEG_CHAINS]))
    size = max(size, 1.0)
    centre = xy[_TORSO].mean(axis=0)
    ankle_gap = xy[LM["left_ankle"], 0] - xy[LM["right_ankle"], 0]
    return np.array([centre[0], centre[1], size]), size * float(np.mean(vis)), float(ankle_gap)


def distinct(cands: Sequence[PoseCandidate], width: int, height: int) -> list[PoseCandidate]:
    """Drop duplicate detections of one person.

    MediaPipe sometimes returns the same person twice, once whole and once as a partial
    (shrunken) copy. Two detections whose torso centres lie within a quarter of the
    larger body size are one person; the more prominent one is kept.
    """
    return [c for c, _ in _distinct_boxed(cands, width, height)]


def _distinct_boxed(cands: Sequence[PoseCandidate], width: int, height: int
                    ) -> list[tuple[PoseCandidate, tuple[np.ndarray, float, float]]]:
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
    if tracklets:
        for tr in _chain(tracklets, time_s):
            for f, c in zip(tr.frames, tr.candidates, strict=True):
                chosen[f] = c
    return SubjectSelection(
        chosen=chosen,
        max_people=max(counts, default=0),
        frames_with_others=sum(c > 1 for c in counts),
        n_tracklets=len(tracklets),
    )


def _append(tr: _Tracklet, t: int, cand: PoseCandidate, box: np.ndarray, weight: float,
            ankle_gap: float) -> None:
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
            if after or before:
                chain.append(tr)
                rest.remove(tr)
                grown = True
                break
    return chain
