"""Where a detected person is and how big: the measurements subject selection links
detections by (:mod:`gaitcheck.pose.subject`) and second-pass gap filling compares
(:mod:`gaitcheck.pose.second_look`).

All distances are in image pixels (normalised landmarks × image size), so a person's
size does not depend on the picture's aspect ratio.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.pose.backend import PoseCandidate

_LEG_CHAINS = tuple(
    tuple(LM[f"{side}_{part}"] for part in ("shoulder", "hip", "knee", "ankle"))
    for side in ("left", "right")
)
_TORSO = [LM[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]

#: :func:`body_box` of one detection: (cx, cy, size) in px, prominence weight, and the
#: left-minus-right ankle offset (x, y) in px.
Boxed = tuple[np.ndarray, float, np.ndarray]


def body_box(cand: PoseCandidate, width: int, height: int) -> Boxed:
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
    return [c for c, _ in distinct_boxed(cands, width, height)]


def distinct_boxed(cands: Sequence[PoseCandidate], width: int, height: int
                   ) -> list[tuple[PoseCandidate, Boxed]]:
    """:func:`distinct`, keeping each survivor's :func:`body_box` so it is computed once."""
    boxes = [body_box(c, width, height) for c in cands]
    order = sorted(range(len(cands)), key=lambda i: boxes[i][1], reverse=True)
    kept: list[int] = []
    for i in order:
        a = boxes[i][0]
        if all(np.hypot(*(a[:2] - boxes[j][0][:2])) > 0.25 * max(a[2], boxes[j][0][2])
               for j in kept):
            kept.append(i)
    return [(cands[i], boxes[i]) for i in sorted(kept)]


def link_cost(a: np.ndarray, b: np.ndarray) -> float:
    """How unlike two boxes (cx, cy, size) are: the centre shift in units of the larger
    body size plus the absolute log size ratio (0 for the same box)."""
    scale = max(a[2], b[2])
    return float(np.hypot(a[0] - b[0], a[1] - b[1]) / scale + abs(np.log(a[2] / b[2])))
