"""Body-fixed 2D frames for analysis: sagittal (side views) and frontal (front/back).

Sagittal pairs are ``(forward, up)`` in pixels: forward along the ground line in the
direction the subject faces, up perpendicular to it. The ground line is estimated from
where the feet are while on the ground (:func:`ground_angle_deg`), not from the image
horizontal, so a tilted camera still gives true angles.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.tracks import LandmarkTracks


def image_sagittal(tracks: LandmarkTracks, facing: str) -> np.ndarray:
    """Landmarks (T, 33, 2) as ``(forward, up)`` pixels before ground-line correction.

    Parameters
    ----------
    facing : {"left", "right"}
        Direction the subject faces in the image.
    """
    xy = tracks.xy_px()
    sign = -1.0 if facing == "left" else 1.0
    return np.stack([sign * xy[..., 0], -xy[..., 1]], axis=-1)


def image_frontal(tracks: LandmarkTracks, view: str) -> np.ndarray:
    """Landmarks (T, 33, 2) as ``(lateral, up)`` pixels, lateral positive to the subject's right.

    A front view mirrors the subject (their right on image-left).
    """
    xy = tracks.xy_px()
    sign = -1.0 if view == "front" else 1.0
    return np.stack([sign * xy[..., 0], -xy[..., 1]], axis=-1)


def rotate(points: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate 2D points so that a line inclined ``angle_deg`` becomes horizontal."""
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    f, u = points[..., 0], points[..., 1]
    return np.stack([c * f + s * u, -s * f + c * u], axis=-1)


def ground_angle_deg(sag: np.ndarray, stances: list[tuple[str, float, float]],
                     min_points: int = 8) -> tuple[float, float]:
    """Inclination of the ground line from the feet while they are on the ground.

    For every stance (side, IC frame, TO frame) the lower of heel and foot_index in the
    middle 60 % of the stance is a point on the ground (on a treadmill the belt carries
    it backwards along the ground line; overground the contacts spread along the path).
    A common slope is fitted with an intercept per foot, with outlier rejection (3 MAD).

    Returns
    -------
    angle_deg : float
        Inclination, positive when the ground rises forward; 0 when not estimable.
    confidence : float
        0..1, from the number of points and their fore-aft spread.
    """
    pts, groups = [], []
    for side, ic, to in stances:
        a, b = ic + 0.2 * (to - ic), to - 0.2 * (to - ic)
        for t in range(int(np.ceil(a)), int(np.floor(b)) + 1):
            if not 0 <= t < len(sag):
                continue
            feet = sag[t, [LM[f"{side}_heel"], LM[f"{side}_foot_index"]]]
            if np.all(np.isfinite(feet)):
                pts.append(feet[np.argmin(feet[:, 1])])
                groups.append(side)
    if len(pts) < min_points:
        return 0.0, 0.0
    p = np.asarray(pts)
    spread = np.ptp(p[:, 0])
    leg = np.nanmedian(np.linalg.norm(sag[:, LM["left_hip"]] - sag[:, LM["left_ankle"]], axis=-1))
    if not np.isfinite(leg) or spread < 0.3 * leg:
        return 0.0, 0.0
    # One slope, one intercept per foot: in perspective the near and far feet run along
    # parallel lines at different image heights.
    side_of = np.asarray(groups)
    centred = p.copy()
    for side in set(groups):
        centred[side_of == side] -= p[side_of == side].mean(axis=0)
    keep = np.ones(len(p), bool)
    for _ in range(2):
        x, y = centred[keep, 0], centred[keep, 1]
        slope = float(np.sum(x * y) / max(np.sum(x * x), 1e-9))
        res = centred[:, 1] - slope * centred[:, 0]
        mad = np.median(np.abs(res[keep] - np.median(res[keep]))) + 1e-9
        keep = np.abs(res - np.median(res[keep])) < 3 * 1.4826 * mad
    angle = float(np.degrees(np.arctan(slope)))
    confidence = float(min(1.0, len(pts) / 40) * min(1.0, spread / leg))
    return angle, confidence


def at_frame(arr: np.ndarray, frame: float) -> np.ndarray:
    """Linear interpolation of ``arr`` (T, ...) at a fractional frame index."""
    i = int(np.clip(np.floor(frame), 0, len(arr) - 1))
    j = min(i + 1, len(arr) - 1)
    f = frame - i
    return (1 - f) * arr[i] + f * arr[j]
