"""Joining the pose passes of two overlapping time segments of one video.

Two segments share about half a second of frames. In that overlap both landmarkers saw
the same pixels, but the later one started from nothing: its first frames come from a
fresh person detection and its landmark smoothing has no history yet. The join checks
that the overlap really is the same frames (same presentation times, consecutive frame
numbers, which also corrects the later segment's frame numbers, estimated after a
seek), then cuts at the overlap frame where the two segments' landmarks agree best:
frames before it come from the earlier segment, the rest from the later one.

Agreement is measured per frame as the distance between the closest pair of people the
two segments found there (the median over the 33 landmarks of their image distance, in
body heights), plus a small penalty when they found different numbers of people. One
shared person is enough: with several people tracked (``--max-people``) the landmarkers
may follow different bystanders, which does not matter as long as the subject carries
on across the seam, which :func:`subject_crosses_seams` checks once it is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.extract import PosePass

#: Largest landmark disagreement at the chosen seam (median distance in body heights)
#: accepted as "the same person, tracked the same way": two landmarkers that have
#: converged on one runner differ by about 0.005; different people by 0.3 or more.
SEAM_MAX_DISAGREEMENT = 0.05
#: Disagreement of a frame where one segment found people and the other nobody.
_NOBODY = 1.0
#: Added where both found people but not as many (prefers seams where they agree).
_COUNT_PENALTY = SEAM_MAX_DISAGREEMENT / 2
#: The subject's median landmark jump across a seam (body heights) beyond which the
#: tracks would join two different people: a sprinter moves < 0.1 per frame at 30 fps.
SUBJECT_MAX_JUMP = 0.25


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

    Returns 0 when neither found anyone, 1 when only one did; otherwise the distance of
    the closest pair, plus a small penalty when the numbers of people differ.
    """
    if not a and not b:
        return 0.0
    if not a or not b:
        return _NOBODY
    closest = min(pair_distance(p, q, width, height) for p in a for q in b)
    return closest + (_COUNT_PENALTY if len(a) != len(b) else 0.0)


def subject_crosses_seams(image: np.ndarray, frame_index: np.ndarray, seams: Sequence[Seam],
                          width: int, height: int) -> str | None:
    """Why the chosen subject's tracks do not carry on across a seam, or None.

    Parameters
    ----------
    image : numpy.ndarray, shape (T, 33, >=2)
        The subject's landmarks (normalised x, y; NaN where not found).
    frame_index : numpy.ndarray, shape (T,)
        File frame index of each row.
    seams, width, height
        The joins made and the frame size in pixels.
    """
    for seam in seams:
        row = int(np.searchsorted(frame_index, seam.frame_index))
        if row == 0 or row >= len(frame_index):
            continue
        before, after = (np.isfinite(image[r, :, 0]).any() for r in (row - 1, row))
        if before != after:
            return (f"the subject is found on one side of the seam at frame "
                    f"{seam.frame_index} only")
        if before:
            a, b = (PoseCandidate(np.nan_to_num(image[r]), np.zeros((1, 3)))
                    for r in (row - 1, row))
            jump = pair_distance(a, b, width, height)
            if jump > SUBJECT_MAX_JUMP:
                return (f"the subject jumps {jump:.2f} body heights across the seam at "
                        f"frame {seam.frame_index}")
    return None


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
