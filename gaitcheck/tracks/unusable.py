"""Frames whose pose cannot be measured: body cut by the picture edge, implausible torso.

Both are left out by the cleaning (:func:`gaitcheck.tracks.clean.clean_tracks`) before
any metric sees them, and the same way whichever way the clip is mirrored:

- *Cut by the edge*: MediaPipe extrapolates landmarks it cannot see, and flags them
  with a low visibility only sometimes. A point outside the picture, or within
  ``margin`` of its border with a visibility below ``min_visibility``, is not measured;
  a frame where that happens to the head or trunk (nose, ears, shoulders, hips) has no
  measurable posture, so its whole pose is left out (a runner entering or leaving the
  picture). A limb alone outside the picture (feet on a tight framing) is left to the
  ``subject_out_of_frame`` warning, so gait events still have a foot to work with.
- *Implausible torso*: on the last frames before the model loses a walker (shared
  walking clip) or when it draws the trunk onto an arm, the hip→shoulder line turns by
  30–160° or changes length by a third within a frame, which no runner does. Such
  frames are compared with the running median of the surrounding second, so a real
  change of posture or distance (it is slow) is kept.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gaitcheck.landmarks import LM
from gaitcheck.tracks.settings import CleaningSettings

#: Landmarks whose loss at the picture edge leaves no measurable posture.
CORE = tuple(LM[k] for k in ("nose", "left_ear", "right_ear", "left_shoulder",
                             "right_shoulder", "left_hip", "right_hip"))


def cut_by_edge(image: np.ndarray, *, margin: float = CleaningSettings.edge_margin,
                min_visibility: float = CleaningSettings.edge_min_visibility,
                ) -> tuple[np.ndarray, np.ndarray]:
    """Points outside the picture (or at its border, poorly visible) and cut frames.

    Parameters
    ----------
    image : numpy.ndarray, shape (T, 33, >= 2)
        Normalised image coordinates (0..1 across the picture; MediaPipe's ``x``, ``y``),
        then optionally ``z``, visibility (column 3; NaN counts as visible).
    margin : float
        Width of the border band, fraction of the picture's width (x) or height (y).
    min_visibility : float
        Points in the border band with a visibility below this are not measured (0..1).

    Returns
    -------
    points : numpy.ndarray of bool, shape (T, 33)
        Points that are not measured.
    frames : numpy.ndarray of bool, shape (T,)
        Frames where a head or trunk landmark (:data:`CORE`) is such a point.
    """
    xy = np.asarray(image[:, :, :2], float)
    vis = (np.nan_to_num(np.asarray(image[:, :, 3], float), nan=1.0) if image.shape[2] > 3
           else np.ones(xy.shape[:2]))
    with np.errstate(invalid="ignore"):
        outside = ((xy < 0) | (xy > 1)).any(axis=-1)
        border = ((xy < margin) | (xy > 1 - margin)).any(axis=-1) & (vis < min_visibility)
    points = np.asarray(outside | border, bool)
    return points, np.asarray(points[:, list(CORE)].any(axis=1), bool)


def implausible_torso(xy_px: np.ndarray, fps: float, *,
                      half_window_s: float = CleaningSettings.torso_half_window_s,
                      max_turn_deg: float = CleaningSettings.torso_max_turn_deg,
                      max_length_ratio: float = CleaningSettings.torso_max_length_ratio,
                      ) -> np.ndarray:
    """Frames whose hip→shoulder line departs from its running median.

    Parameters
    ----------
    xy_px : numpy.ndarray, shape (T, 33, 2)
        Pixel coordinates (isotropic), NaN where missing.
    fps : float
        Frame rate, frames/s (sets the window in frames).
    half_window_s : float
        Half-width of the running median, seconds.
    max_turn_deg : float
        Largest angle between a frame's hip-midpoint→shoulder-midpoint line and the
        running median of that line's angle, degrees.
    max_length_ratio : float
        Largest ratio (either way) of the line's length to its running median.

    Returns
    -------
    numpy.ndarray of bool, shape (T,)
        True in implausible frames (never where the line is missing or the window holds
        fewer than 3 measured frames).
    """
    n = len(xy_px)
    out = np.zeros(n, bool)
    if n < 3:
        return out
    d = (xy_px[:, [LM["left_shoulder"], LM["right_shoulder"]]].mean(axis=1)
         - xy_px[:, [LM["left_hip"], LM["right_hip"]]].mean(axis=1))
    length = np.linalg.norm(d, axis=-1)
    angle = np.degrees(np.arctan2(d[:, 0], -d[:, 1]))  # 0 = shoulders above the hips
    half = max(1, round(half_window_s * fps))

    def running_median(x: np.ndarray) -> np.ndarray:
        padded = np.concatenate([np.full(half, np.nan), x, np.full(half, np.nan)])
        win = sliding_window_view(padded, 2 * half + 1)
        enough = np.isfinite(win).sum(axis=1) >= 3
        med = np.full(n, np.nan)
        med[enough] = np.nanmedian(win[enough], axis=1)
        return med

    with np.errstate(invalid="ignore", divide="ignore"):
        turn = np.abs((angle - running_median(angle) + 180.0) % 360.0 - 180.0)
        ratio = length / running_median(length)
        out = (turn > max_turn_deg) | (ratio > max_length_ratio) | (ratio < 1 / max_length_ratio)
    return out & np.isfinite(turn) & np.isfinite(ratio)
