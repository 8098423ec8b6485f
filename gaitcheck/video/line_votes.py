"""Straight line segments of one frame as votes for the camera's roll.

Part of the scene-line roll estimate (:mod:`gaitcheck.video.lines`, which describes the
method). LSD segments of a grey frame, with the parts inside the runner's box cut away
and edges of black padding dropped, become votes: near-horizontal segments for the
ground or the scene's level lines, near-vertical ones reaching above the runner's hips
for plumb lines.

Convention: a vote is the roll the segment implies, ``image_roll_deg``: the angle of the
scene's horizontal in the image as displayed, positive anticlockwise.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.ground import MAX_ROLL_DEG  # looked for as far as it is believed
from gaitcheck.video._cv import cv2
from gaitcheck.video.sampling import segments

__all__ = ["BOX_MARGIN", "MAX_ROLL_DEG", "MIN_SEGMENT_FRACTION", "content_box",
           "padding_mask", "votes"]

#: Shortest segment used, as a fraction of the image diagonal.
MIN_SEGMENT_FRACTION = 0.06
#: Runner box margin, fraction of the box height, on every side.
BOX_MARGIN = 0.08


def _clip_outside(p: np.ndarray, q: np.ndarray, box: tuple[float, float, float, float]
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Parts of segment ``p → q`` outside the axis-aligned ``box`` (x0, y0, x1, y1)."""
    d = q - p
    t0, t1 = 0.0, 1.0
    for pk, dk, lo, hi in ((p[0], d[0], box[0], box[2]), (p[1], d[1], box[1], box[3])):
        if abs(dk) < 1e-12:
            if pk < lo or pk > hi:
                return [(p, q)]
            continue
        a, b = sorted(((lo - pk) / dk, (hi - pk) / dk))
        t0, t1 = max(t0, a), min(t1, b)
    if t0 >= t1:
        return [(p, q)]
    parts = []
    if t0 > 0:
        parts.append((p, p + t0 * d))
    if t1 < 1:
        parts.append((p + t1 * d, q))
    return parts


def _along(mask: np.ndarray, p: np.ndarray, q: np.ndarray) -> bool:
    """Whether a fifth or more of segment ``p → q`` lies on ``mask``."""
    t = np.linspace(0.0, 1.0, 11)[:, None]
    pts = np.rint(p + t * (q - p)).astype(int)
    h, w = mask.shape
    pts[:, 0] = np.clip(pts[:, 0], 0, w - 1)
    pts[:, 1] = np.clip(pts[:, 1], 0, h - 1)
    return bool(mask[pts[:, 1], pts[:, 0]].mean() >= 0.2)


def padding_mask(frames: list[tuple[int, np.ndarray, float]]) -> np.ndarray:
    """Pixels within 4 px of a pixel black in every sampled frame (padding, the corners
    of a rotated picture)."""
    peak = np.max([g for _, g, _ in frames], axis=0)
    black = (peak <= 20).astype(np.uint8)
    return cv2.dilate(black, np.ones((9, 9), np.uint8)) > 0


def _runner_box(xy: np.ndarray) -> tuple[tuple[float, float, float, float], float] | None:
    """Box around the landmarks (33, 2) of one frame with a margin, and the hip row."""
    ok = np.all(np.isfinite(xy), axis=-1)
    if ok.sum() < 10:
        return None
    p = xy[ok]
    x0, y0 = p.min(axis=0)
    x1, y1 = p.max(axis=0)
    m = BOX_MARGIN * (y1 - y0)
    hips = xy[[LM["left_hip"], LM["right_hip"]], 1]
    hip_y = float(np.nanmean(hips)) if np.isfinite(hips).any() else (y0 + y1) / 2
    return (x0 - m, y0 - m, x1 + m, y1 + m), hip_y


def votes(grey: np.ndarray, landmarks_px: np.ndarray | None, scale: float,
          padding: np.ndarray | None = None, detected: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roll votes of one frame: ``(deviation_deg, length_px)`` arrays with a kind column.

    Parameters
    ----------
    grey : ndarray (H, W)
        Grey frame, ``scale`` × the video's size.
    landmarks_px : ndarray (33, 2), optional
        The runner's landmarks in video pixels (None: no runner to cut away).
    padding : ndarray (H, W) of bool, optional
        Pixels next to black padding (a rotated or padded picture): segments running
        along it are its edge, not a scene line.

    Returns
    -------
    dev : ndarray (N, 3)
        Roll each segment implies (image_roll_deg convention), its kind (0
        horizontal, 1 vertical) and the image row of its midpoint (video pixels).
    length : ndarray (N,)
        Segment length in video pixels (the weight of its vote).
    ends : ndarray (N, 4)
        The segment's ends x1, y1, x2, y2 in video pixels.
    """
    h, w = grey.shape
    min_len = MIN_SEGMENT_FRACTION * np.hypot(h, w)
    found = _runner_box(landmarks_px * scale) if landmarks_px is not None else None
    dev, length, ends = [], [], []
    segs = segments(grey) if detected is None else detected
    # Most LSD segments are short texture edges: drop them before the per-segment work.
    segs = segs[np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1]) >= min_len]
    for x1, y1, x2, y2 in segs:
        pieces = [(np.array([x1, y1]), np.array([x2, y2]))]
        if found is not None:
            pieces = _clip_outside(pieces[0][0], pieces[0][1], found[0])
        for p, q in pieces:
            d = q - p
            n = float(np.hypot(*d))
            if n < min_len or (padding is not None and _along(padding, p, q)):
                continue
            # Image angle with y up, folded to (-90, 90].
            a = float(np.degrees(np.arctan2(-d[1], d[0])))
            a = (a + 90.0) % 180.0 - 90.0
            mid_y = float(p[1] + q[1]) / 2 / scale
            if abs(a) <= MAX_ROLL_DEG:
                dev.append((a, 0, mid_y))
            elif abs(abs(a) - 90.0) <= MAX_ROLL_DEG:
                # A plumb line rotated by the roll r is at 90 + r (folded: r - 90 if r > 0).
                top = min(p[1], q[1])
                if found is not None and top > found[1]:
                    continue
                dev.append((a - 90.0 if a > 0 else a + 90.0, 1, mid_y))
            else:
                continue
            length.append(n / scale)
            ends.append((p[0] / scale, p[1] / scale, q[0] / scale, q[1] / scale))
    return (np.asarray(dev, float).reshape(-1, 3), np.asarray(length, float),
            np.asarray(ends, float).reshape(-1, 4))


def content_box(frames: list[tuple[int, np.ndarray, float]]) -> tuple[slice, slice]:
    """Rows and columns holding picture in any frame: black padding (letter- or
    pillar-boxing) has a perfectly straight edge that is no scene line."""
    peak = np.max([g for _, g, _ in frames], axis=0) if frames else np.zeros((1, 1))
    rows = np.flatnonzero(peak.max(axis=1) > 24)
    cols = np.flatnonzero(peak.max(axis=0) > 24)
    if len(rows) == 0 or len(cols) == 0:
        return slice(None), slice(None)
    # A few pixels in: the padding's edge is blurred by the codec.
    return slice(rows[0] + 3, rows[-1] - 2), slice(cols[0] + 3, cols[-1] - 2)
