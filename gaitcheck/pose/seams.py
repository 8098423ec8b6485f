"""Joining the pose passes of two overlapping time segments of one video.

Two segments share about half a second of frames. In that overlap both landmarkers saw
the same pixels, but the later one started from nothing: its first frames come from a
fresh person detection and its landmark smoothing has no history yet. The join checks
that the overlap really is the same frames (same presentation times, consecutive frame
numbers, which also corrects the later segment's frame numbers, estimated after a
seek), then cuts at the overlap frame where the two segments' landmarks agree best:
frames before it come from the earlier segment, the rest from the later one.

Agreement is measured per frame on every person found: people are paired between the
two segments (the pairing with the smallest total distance), and a pair's distance is
the median over the 33 landmarks of their image distance, in body heights. A frame where
the two segments found a different number of people counts as one body height apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.extract import PosePass

#: Largest landmark disagreement at the chosen seam (median distance in body heights)
#: accepted as "the same person, tracked the same way": two landmarkers that have
#: converged on one runner differ by about 0.005; different people by 0.3 or more.
SEAM_MAX_DISAGREEMENT = 0.05
#: Disagreement of a frame where the segments found different numbers of people.
_COUNT_MISMATCH = 1.0


class SeamError(ValueError):
    """Two segments cannot be joined (no common frames, or the frames do not match)."""


@dataclass(frozen=True)
class Seam:
    """Where two segments were joined.

    Attributes
    ----------
    frame_index : int
        File index of the first frame taken from the later segment.
    time_s : float
        Its real time, seconds from the start of the file.
    disagreement : float
        Landmark disagreement there (median distance in body heights, see the module).
    overlap_frames : int
        Frames both segments analysed.
    """

    frame_index: int
    time_s: float
    disagreement: float
    overlap_frames: int

    def to_dict(self) -> dict[str, float | int]:
        return {"frame_index": self.frame_index, "time_s": round(self.time_s, 6),
                "disagreement": round(self.disagreement, 5),
                "overlap_frames": self.overlap_frames}


def pair_distance(a: PoseCandidate, b: PoseCandidate, width: int, height: int) -> float:
    """Median landmark distance between two poses, in body heights of ``a``.

    Body height: the larger extent of ``a``'s landmarks, horizontal or vertical, in
    pixels (at least one pixel).
    """
    scale = np.array([width, height], dtype=np.float64)
    pa = a.image[:, :2].astype(np.float64) * scale
    pb = b.image[:, :2].astype(np.float64) * scale
    size = max(float(np.ptp(pa[:, 0])), float(np.ptp(pa[:, 1])), 1.0)
    return float(np.median(np.linalg.norm(pa - pb, axis=1))) / size


def frame_disagreement(a: Sequence[PoseCandidate], b: Sequence[PoseCandidate], width: int,
                       height: int) -> float:
    """How far apart two segments' people in one frame are (see the module docstring).

    Returns 0 when neither found anyone; otherwise the largest pair distance of the best
    pairing, plus :data:`_COUNT_MISMATCH` when the numbers of people differ.
    """
    if not a and not b:
        return 0.0
    if not a or not b:
        return _COUNT_MISMATCH
    few, many = (a, b) if len(a) <= len(b) else (b, a)
    cost = np.array([[pair_distance(p, q, width, height) for q in many] for p in few])
    best = min((cost[range(len(few)), list(perm)] for perm in
                itertools.permutations(range(len(many)), len(few))),
               key=lambda pairs: float(pairs.sum()))
    return float(best.max()) + (_COUNT_MISMATCH if len(a) != len(b) else 0.0)


def best_seam(disagreement: Sequence[float]) -> int:
    """Position of the lowest disagreement; among equals the one nearest the middle of
    the overlap (away from the later segment's first, still settling frames)."""
    middle = (len(disagreement) - 1) / 2
    return min(range(len(disagreement)),
               key=lambda j: (disagreement[j], abs(j - middle)))


def join(head: PosePass, tail: PosePass, width: int, height: int) -> tuple[Seam, int]:
    """Append ``tail`` (a later segment) to ``head`` at the best seam, in place.

    Parameters
    ----------
    head : PosePass
        The frames so far, with true frame indices; it must end inside ``tail``.
    tail : PosePass
        The next segment; its frame indices may be off by a constant (estimated after
        a seek) and are corrected.
    width, height : int
        Frame size in pixels.

    Returns
    -------
    seam : Seam
    offset : int
        What was added to ``tail``'s frame indices.

    Raises
    ------
    SeamError
        The segments share no frame, or the shared frames' times or numbering differ.
    """
    if not tail.time_s:
        raise SeamError("a segment decoded no frame")
    p = int(np.searchsorted(np.asarray(head.time_s), tail.time_s[0]))
    overlap = len(head) - p
    if overlap <= 0 or head.time_s[p] != tail.time_s[0]:
        raise SeamError(f"no common frame at {tail.time_s[0]:.3f} s")
    if len(tail) <= overlap or head.time_s[p:] != tail.time_s[:overlap]:
        raise SeamError(f"the overlapping frames' times differ after {tail.time_s[0]:.3f} s")
    offset = head.frame_index[p] - tail.frame_index[0]
    if [i + offset for i in tail.frame_index[:overlap]] != head.frame_index[p:]:
        raise SeamError(f"the overlapping frames' numbers differ after {tail.time_s[0]:.3f} s")
    scores = [frame_disagreement(head.candidates[p + j], tail.candidates[j], width, height)
              for j in range(overlap)]
    j = best_seam(scores)
    cut, seam_index = p + j, head.frame_index[p + j]
    seam = Seam(seam_index, head.time_s[cut], scores[j], overlap)
    del head.candidates[cut:], head.time_s[cut:], head.frame_index[cut:]
    head.candidates += tail.candidates[j:]
    head.time_s += tail.time_s[j:]
    head.frame_index += [i + offset for i in tail.frame_index[j:]]
    head.samples = {i: v for i, v in head.samples.items() if i < seam_index} | {
        i + offset: v for i, v in tail.samples.items() if i + offset >= seam_index}
    return seam, offset
