"""The true vertical from the scene's plumb lines: their vanishing point, and the roll
it gives where the runner is.

Part of the scene-line roll estimate (:mod:`gaitcheck.video.lines`). A camera pitched up
or down sees plumb edges converge, so the vertical is read at the runner's trunk rather
than averaged over the picture; padding or cropping the picture changes nothing.
Convention: ``image_roll_deg`` (positive anticlockwise as displayed).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitcheck.landmarks import LM


def vertical_point(seg: np.ndarray, weight: np.ndarray, centre: np.ndarray, size: float
                   ) -> tuple[np.ndarray | None, float]:
    """Vanishing point of plumb lines (homogeneous, image pixels) and the share of
    line length consistent with it.

    ``seg`` (N, 4) holds near-vertical segments x1, y1, x2, y2. The point minimises the
    length-weighted squared distances of the lines to it (smallest eigenvector of the
    weighted line scatter), twice with lines more than 0.5° off it dropped. A camera
    without pitch has it at infinity: homogeneous coordinates keep that exact.
    """
    if len(seg) < 3:
        return None, 0.0
    p = np.c_[(seg[:, :2] - centre) / size, np.ones(len(seg))]
    q = np.c_[(seg[:, 2:] - centre) / size, np.ones(len(seg))]
    lines = np.cross(p, q)
    lines /= np.linalg.norm(lines[:, :2], axis=1, keepdims=True)
    keep = np.ones(len(seg), bool)
    mid = (p[:, :2] + q[:, :2]) / 2
    off = np.zeros(len(seg))
    vp = None
    for limit in (3.0, 1.0, 0.5):
        if keep.sum() < 3:
            return None, 0.0
        w = weight[keep]
        m = (lines[keep] * w[:, None]).T @ lines[keep]
        vp = np.linalg.eigh(m)[1][:, 0]
        # Angle between each segment and the direction from its midpoint to the point.
        to_vp = vp[:2, None].T - mid * vp[2]
        seg_dir = q[:, :2] - p[:, :2]
        cross = to_vp[:, 0] * seg_dir[:, 1] - to_vp[:, 1] * seg_dir[:, 0]
        dot = np.sum(to_vp * seg_dir, axis=1)
        off = np.degrees(np.abs(np.arctan2(cross, dot)))
        off = np.minimum(off, 180 - off)
        keep = off <= limit
    share = float(weight[keep].sum() / weight.sum())
    return vp, share


def roll_at(vp: np.ndarray, point: np.ndarray, centre: np.ndarray, size: float) -> float:
    """Image roll (image_roll_deg convention) of the plumb line through ``point`` (image
    pixels), i.e. through ``point`` and the vertical vanishing point ``vp``."""
    x = (point - centre) / size
    d = vp[:2] - x * vp[2]
    a = float(np.degrees(np.arctan2(-d[1], d[0])))
    a = (a + 90.0) % 180.0 - 90.0
    return a - 90.0 if a > 0 else a + 90.0


def plumb_at_runner(ends: np.ndarray, length: np.ndarray, landmarks_px: np.ndarray | None,
                     frames: list[tuple[int, np.ndarray, float]], norm: float
                     ) -> dict[str, Any]:
    """Roll of the true vertical at the runner's trunk, from the plumb lines' vanishing
    point (so a camera pitched up or down, whose verticals converge, is read where the
    runner is, and padding or cropping the picture changes nothing)."""
    none = {"roll_deg": None, "confidence": 0.0, "share": 0.0, "length_diagonals": 0.0}
    if not frames or len(ends) < 3:
        return none
    h, w = frames[0][1].shape
    scale = frames[0][2]
    centre = np.array([w, h], float) / 2 / scale
    size = float(np.hypot(w, h)) / scale
    vp, share = vertical_point(ends, length, centre, size)
    if vp is None:
        return none
    if landmarks_px is not None:
        hips = (landmarks_px[:, LM["left_hip"]] + landmarks_px[:, LM["right_hip"]]) / 2
        sh = (landmarks_px[:, LM["left_shoulder"]] + landmarks_px[:, LM["right_shoulder"]]) / 2
        mid = (hips + sh) / 2
        seen = np.isfinite(mid).all(axis=1)
        # A runner never seen (a clip too dark for the model) is read at the picture centre.
        at = np.median(mid[seen], axis=0) if seen.any() else centre
    else:
        at = centre
    roll = roll_at(vp, at, centre, size)
    amount = share * float(length.sum()) / norm
    conf = share * min(1.0, amount / 0.5)
    return {"roll_deg": round(roll, 3), "confidence": round(float(conf), 3),
            "share": round(share, 3), "length_diagonals": round(amount, 3),
            "at_px": [round(float(v), 1) for v in at]}
