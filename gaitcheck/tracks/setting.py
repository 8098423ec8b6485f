"""Treadmill or overground, from the body's travel relative to the scene and the belt.

Two cues, both measured relative to the scene (the background's image motion, when the
video gave one, is subtracted: a phone panning with a runner, or shaking in the hand,
moves the scene, not the runner):

* **Travel**: the hip midpoint's speed across the scene, as the median of its
  displacement over one-second windows (body heights/s). A walk across the room and
  back has a net travel of zero but walks at full speed either way; a treadmill runner
  drifts on the belt by a fraction of that.
* **Belt**: during stance the foot moves backwards relative to the hip at the gait
  speed in both settings. Overground the *hip* does that moving (the foot stands on the
  ground); on a treadmill the *foot* does (the belt carries it back under a still
  hip). The share of the relative motion done by the lower foot, per frame, has a
  median near 0 overground and near 1 on a treadmill, whatever the speed, direction or
  turns. Hands on the handrails do not enter either cue.

A subject who neither travels nor has a moving belt under them (standing, jumping in
place) is in neither setting: ``unknown``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM

#: Hip travel across the scene (body heights/s) separating overground from treadmill:
#: the slowest walk (0.5 m/s ≈ 0.3 body heights/s) is twice this, a treadmill runner's
#: drift on the belt a fraction of it.
TRAVEL_BH_PER_S = 0.15
#: Least speed of the stance foot relative to the hip (body heights/s) for a frame to
#: count in the belt cue: slower is not gait (standing, the turn itself).
MIN_RELATIVE_BH_PER_S = 0.15
#: Window of the travel cue, s (a stride or more, so the per-step surge averages out).
TRAVEL_WINDOW_S = 1.0
#: Baseline of the foot and hip velocities of the belt cue, s (short against a
#: running stance of about 0.25 s).
VELOCITY_BASELINE_S = 0.1
#: Height above the ground line (fraction of body height, ≈ 5 cm) within which a foot
#: counts as standing on it.
GROUND_MARGIN = 0.03
#: Least consistency of the stance foot's direction of motion against the hip (mean
#: sign over one-second windows, 1 = always one way) for the frames to be gait.
MIN_DIRECTION_CONSISTENCY = 0.6
#: Least visibility (the model's own 0..1 estimate) of a foot landmark for the belt cue:
#: below it the point is the model's guess for a foot it cannot see (a far foot hidden
#: by the near leg, a foot in a shadow clipped to black), and guesses do not move with
#: the belt. On a dimmed real treadmill clip the guesses alone made the stance foot's
#: motion inconsistent (0.56); the feet seen at 0.7 or more read 0.88 and a belt.
MIN_FOOT_VISIBILITY = 0.7
_FOOT = ("ankle", "heel", "foot_index")


def _interp_gaps(t: np.ndarray, y: np.ndarray, max_gap_s: float = 0.5) -> np.ndarray:
    """``y`` with NaN runs of at most ``max_gap_s`` filled linearly (longer stay NaN)."""
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return y
    filled = np.interp(t, t[ok], y[ok])
    # Distance in time to the nearest finite sample on each side.
    idx = np.arange(len(t))
    prev = np.maximum.accumulate(np.where(ok, idx, -1))
    nxt = np.minimum.accumulate(np.where(ok, idx, len(t))[::-1])[::-1]
    gap = np.where((prev >= 0) & (nxt < len(t)),
                   t[np.minimum(nxt, len(t) - 1)] - t[np.maximum(prev, 0)], np.inf)
    return np.where(ok | (gap <= max_gap_s), filled, np.nan)


def _velocity(t: np.ndarray, y: np.ndarray, baseline_s: float) -> np.ndarray:
    """Central difference of ``y`` over about ``baseline_s`` (per frame; NaN at edges)."""
    fs = 1.0 / float(np.median(np.diff(t)))
    k = max(1, round(baseline_s * fs / 2.0))
    v = np.full(len(t), np.nan)
    if len(t) > 2 * k:
        v[k:-k] = (y[2 * k:] - y[:-2 * k]) / (t[2 * k:] - t[:-2 * k])
    return v


def _rolling_max(y: np.ndarray, k: int) -> np.ndarray:
    """Maximum of ``y`` over a centred window of ``k`` samples, NaN-ignoring."""
    pad = np.pad(np.nan_to_num(y, nan=-np.inf), (k // 2, k - 1 - k // 2), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(pad, k)
    return windows.max(axis=1)


def _direction_consistency(signs: np.ndarray, k: int) -> float:
    """Return the median over windows of ``k`` frames of ``|mean sign|``.

    NaN-ignoring; windows with fewer than 3 signs are skipped.
    """
    if len(signs) < k:
        k = len(signs)
    windows = np.lib.stride_tricks.sliding_window_view(signs, k)[::max(1, k // 2)]
    counts = np.isfinite(windows).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.abs(np.nanmean(windows, axis=1))
    means = means[counts >= 3]
    return float(np.median(means)) if len(means) else float("nan")


def _median(x: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")


def scene_shift_px(source: dict[str, Any], n_frames: int) -> tuple[np.ndarray, str]:
    """Return the scene's cumulative image shift (T, 2), pixels, and how it was obtained.

    From ``source["scene_motion"]``, linear between measured frames; zeros and
    ``"assumed static"`` without one.
    """
    scene = source.get("scene_motion") or {}
    x, y = scene.get("x_px"), scene.get("y_px")
    if x is None or y is None or len(x) != n_frames or len(y) != n_frames:
        return np.zeros((n_frames, 2)), "assumed static"
    shift = np.array([[np.nan if a is None else a for a in x],
                      [np.nan if b is None else b for b in y]], dtype=np.float64).T
    rows = np.arange(n_frames)
    for j in range(2):  # linear between measured frames, held beyond the first and last
        ok = np.isfinite(shift[:, j])
        if not ok.any():
            return np.zeros((n_frames, 2)), "assumed static"
        shift[:, j] = np.interp(rows, rows[ok], shift[ok, j])
    return shift, str(scene.get("method", "measured"))


def decide_setting(px: np.ndarray, time_s: np.ndarray, height_px: float,
                   source: dict[str, Any] | None = None,
                   visibility: np.ndarray | None = None) -> tuple[str, float, dict[str, Any]]:
    """Treadmill, overground or unknown for a side or oblique view.

    Parameters
    ----------
    px : numpy.ndarray, shape (T, 33, 2)
        Landmark pixel positions (x right, y down), NaN where not seen.
    time_s : numpy.ndarray, shape (T,)
        Frame times, s.
    height_px : float
        The subject's height in the image, pixels (the speed unit).
    source : dict, optional
        Track provenance; its ``scene_motion`` (see :func:`scene_shift_px`) is
        subtracted.
    visibility : numpy.ndarray, shape (T, 33), optional
        The model's visibility of each landmark (0..1); foot landmarks below
        :data:`MIN_FOOT_VISIBILITY` are left out of the belt cue.

    Returns
    -------
    setting : {"treadmill", "overground", "unknown"}
    confidence : float
        0..1: how clear each cue is and whether they agree.
    evidence : dict
        ``hip_travel_bh_per_s``, ``belt_share`` (0 overground .. 1 treadmill),
        ``belt_frames``, ``scene_motion`` (how the camera's motion was handled),
        ``reason``.
    """
    t = np.asarray(time_s, dtype=np.float64)
    n = len(t)
    shift, how = scene_shift_px(source or {}, n)
    rel = px - shift[:, None, :]  # positions relative to the scene
    ev: dict[str, Any] = {"scene_motion": how}
    if n < 5 or not (np.isfinite(height_px) and height_px > 0):
        return "unknown", 0.0, ev | {"reason": "too few frames"}
    hip = _interp_gaps(t, (rel[:, LM["left_hip"], 0] + rel[:, LM["right_hip"], 0]) / 2)
    seen = np.isfinite(hip)
    span = float(np.ptp(t[seen])) if seen.sum() >= 3 else 0.0
    ev["seen_s"] = round(span, 2)
    if span < 0.5:
        return "unknown", 0.0, ev | {"reason": "the hips are seen for under 0.5 s"}
    # Travel: median |displacement| over one-second windows (a turn costs one window).
    fs = 1.0 / float(np.median(np.diff(t)))
    # One second, or most of what is seen of a subject crossing the frame quickly.
    k = max(1, min(round(TRAVEL_WINDOW_S * fs), round(0.8 * span * fs), n - 1))
    disp = np.abs(hip[k:] - hip[:-k]) / (t[k:] - t[:-k])
    travel = _median(disp) / height_px
    # Belt: share of the stance foot's motion relative to the hip done by the foot.
    if visibility is not None:
        idx = [LM[f"{s}_{p}"] for s in ("left", "right") for p in _FOOT]
        feet_rel = rel[:, idx]  # a copy (fancy indexing)
        feet_rel[np.asarray(visibility)[:, idx] < MIN_FOOT_VISIBILITY] = np.nan
        rel = rel.copy()
        rel[:, idx] = feet_rel
    with warnings.catch_warnings():  # frames without a foot are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        foot = {s: np.nanmean(rel[:, [LM[f"{s}_{p}"] for p in _FOOT]], axis=1)
                for s in ("left", "right")}
    feet = {s: _interp_gaps(t, f[:, 0]) for s, f in foot.items()}
    feet_y = {s: f[:, 1] for s, f in foot.items()}
    lower = np.where(np.nan_to_num(feet_y["left"], nan=-np.inf)
                     >= np.nan_to_num(feet_y["right"], nan=-np.inf), 0, 1)
    v_hip = _velocity(t, hip, VELOCITY_BASELINE_S)
    v_foot = np.where(lower == 0, _velocity(t, feet["left"], VELOCITY_BASELINE_S),
                      _velocity(t, feet["right"], VELOCITY_BASELINE_S))
    u = v_foot - v_hip  # foot relative to the hip
    # Stance: the lower foot within a few centimetres of the ground line (the lowest
    # foot position within the surrounding second), moving against the hip.
    low_y = np.fmax(feet_y["left"], feet_y["right"])
    ground = _rolling_max(low_y, k)
    on_ground = np.nan_to_num(low_y, nan=-np.inf) >= ground - GROUND_MARGIN * height_px
    use = on_ground & np.isfinite(u) & (np.abs(u) > MIN_RELATIVE_BH_PER_S * height_px)
    # Gait carries the stance foot backwards, one way for seconds at a time; jumping
    # in place or shuffling moves the feet to and fro.
    direction = _direction_consistency(np.where(use, np.sign(u), np.nan), k)
    gait = np.isfinite(direction) and direction >= MIN_DIRECTION_CONSISTENCY
    share = _median(v_foot[use] / u[use]) if use.sum() >= 5 and gait else float("nan")
    ev |= {"hip_travel_bh_per_s": round(travel, 3) if np.isfinite(travel) else None,
           "belt_share": round(share, 3) if np.isfinite(share) else None,
           "belt_frames": int(use.sum()),
           "stance_direction_consistency": round(direction, 3)
           if np.isfinite(direction) else None}
    moving = np.isfinite(travel) and travel > TRAVEL_BH_PER_S
    c_travel = float(np.clip(abs(np.log(max(travel, 1e-3) / TRAVEL_BH_PER_S)) / np.log(3.0),
                             0.0, 1.0)) if np.isfinite(travel) else 0.0
    if not np.isfinite(share):
        # No stepping to read the belt from: travel alone, and only when it is clear.
        if moving:
            return "overground", round(0.7 * c_travel, 3), ev | {
                "reason": "the body travels across the scene (no stance to check the "
                          "belt)"}
        return "unknown", 0.0, ev | {"reason": "neither travel across the scene nor a "
                                     "moving belt under the feet"}
    c_belt = float(np.clip(abs(share - 0.5) / 0.3, 0.0, 1.0))
    belt = share > 0.5
    if moving and not belt:
        setting, reason = "overground", ("the body travels across the scene and the "
                                         "stance foot stays put")
    elif not moving and belt:
        setting, reason = "treadmill", ("the body stays in place while the stance foot "
                                        "is carried backwards (a belt)")
    else:
        return "unknown", 0.0, ev | {"reason": "the cues disagree: "
                                     + ("the body travels and the stance foot is carried "
                                        "backwards too" if moving else
                                        "the body stays in place and so do the feet")}
    if how == "assumed static" and setting == "treadmill":
        reason += "; the camera was assumed still (a camera following the runner " \
                  "looks the same)"
    return setting, round(float(np.sqrt(c_travel * c_belt)), 3), ev | {"reason": reason}
