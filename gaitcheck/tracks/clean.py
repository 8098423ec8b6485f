"""Track cleaning, as pure functions over arrays.

In the order of :func:`clean_tracks`: visibility gating, left/right swap repair
(:func:`~gaitcheck.tracks.swaps.swap_states`, whole legs or their feet; before the
outlier test, which would delete half a swapped episode and hide it), far-foot repair
(:func:`detect_far_foot`), whole-foot jumps
(:func:`~gaitcheck.tracks.footjump.detect_foot_jumps`), outliers
(:func:`~gaitcheck.tracks.outliers.hampel_mask`), PCHIP gap filling (:func:`fill_gaps`;
heel and toe relative to their ankle, as a rigid foot's offset changes less than its
position) and a zero-lag low-pass on gap-free segments
(:func:`lowpass`).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfiltfilt

from gaitcheck.landmarks import BODY_PARTS, LM
from gaitcheck.sides import SIDES
from gaitcheck.tracks.collapse import detect_leg_collapse
from gaitcheck.tracks.footjump import detect_foot_jumps
from gaitcheck.tracks.outliers import hampel_mask  # re-exported: part of the cleaning API
from gaitcheck.tracks.runs import true_runs
from gaitcheck.tracks.scene import body_height_px
from gaitcheck.tracks.settings import DEFAULT_CLEANING_SETTINGS, CleaningSettings
from gaitcheck.tracks.swaps import swap_states  # detect_swaps: re-exported
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.tracks.unusable import cut_by_edge, implausible_torso
from gaitcheck.tracks.warnings import warning_severity

LEG_PARTS, FOOT_PARTS = ("hip", "knee", "ankle", "heel", "foot_index"), ("heel", "foot_index")
#: Segments of LEG_PARTS (indices) whose labels the swap repair may exchange apart.
LEG_SEGMENTS = ((0, 1), (2, 3, 4))
ARM_PARTS = ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")


@dataclass(frozen=True, eq=False)
class CleanResult:
    """Result of :func:`clean_tracks`.

    Attributes
    ----------
    tracks : LandmarkTracks
        Cleaned, same shape as the input; ``source["cleaning"]`` holds the report.
    report : dict
        JSON-ready: ``settings``, ``cutoff_hz`` (−3 dB, None if unfiltered), counts of
        positions (``gated_points``, ``outliers``, ``filled_points``, ``unfilled_points``:
        missing between the first and last frames with a pose; ``unfilled_by_part``: the
        same per body part, parts with none left out), ``filled_frames`` (frames
        without a pose that got one), ``[start, stop)`` array rows (not video frames) of
        ``swaps_repaired`` (legs), ``arm_swaps_repaired``, ``far_foot_fixed`` and
        ``foot_jumps_fixed`` (``[start, stop, side]``), ``legs_collapsed`` (both
        lower legs dropped, :mod:`gaitcheck.tracks.collapse`; only with
        ``leg_collapse``), ``edge_frames_dropped`` and
        ``implausible_frames_dropped`` (:mod:`gaitcheck.tracks.unusable`), and
        ``warnings`` ({code, severity, message}; the severity without the view, see
        :func:`gaitcheck.tracks.warnings.warning_severity`).
    interpolated : numpy.ndarray of bool, shape (T, 33)
        Points whose coordinates were interpolated rather than measured.
    """

    tracks: LandmarkTracks
    report: dict[str, Any]
    interpolated: np.ndarray


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """``func`` without the RuntimeWarnings of all-NaN slices (they give NaN, as wanted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(*args, **kwargs)


def detect_far_foot(xy_px: np.ndarray, depth: np.ndarray, *,
                    collapse_ratio: float = CleaningSettings.far_foot_collapse_ratio,
                    max_reach: float = CleaningSettings.far_foot_max_reach,
                    max_anchor_gap: int = CleaningSettings.max_anchor_gap) -> np.ndarray:
    """Misplaced heel/foot_index points (mediapipe issue #3496).

    A foot's heel and foot_index are flagged when the feet *collapse onto each other* (mean
    heel-heel and toe-toe distance below ``collapse_ratio`` × the ankle-ankle distance,
    normally about equal, ankles at least half a foot length apart; the culprit is the
    farther foot by ``depth`` at the ankles, as documented), or when a point is *out of
    reach* of its ankle (beyond ``max_reach`` × the clip's 90th percentile of that distance:
    a rigid foot only foreshortens, so this holds in every view). Ankle gaps up to
    ``max_anchor_gap`` frames are bridged.

    Parameters
    ----------
    xy_px : numpy.ndarray, shape (T, 33, 2)
        Pixel coordinates, NaN where missing.
    depth : numpy.ndarray, shape (T, 33)
        MediaPipe relative depth (image ``z``; larger = farther from the camera).
    collapse_ratio, max_reach : float
        Thresholds above, dimensionless.
    max_anchor_gap : int
        Longest ankle gap bridged, frames.

    Returns
    -------
    numpy.ndarray of bool, shape (T, 33)
    """
    out, frames = np.zeros(xy_px.shape[:2], bool), np.arange(len(xy_px), dtype=float)
    pts = {f"{s}_{p}": xy_px[:, LM[f"{s}_{p}"]] for s in SIDES for p in FOOT_PARTS}
    for s in SIDES:  # a briefly missing ankle still anchors its foot
        pts[f"{s}_ankle"] = fill_gaps(xy_px[:, LM[f"{s}_ankle"]], frames, max_anchor_gap)
    foot = _quiet(np.nanmedian, np.concatenate(
        [np.linalg.norm(pts[f"{s}_foot_index"] - pts[f"{s}_heel"], axis=-1) for s in SIDES]))
    if not np.isfinite(foot) or foot <= 0:
        return out
    dz = fill_gaps(depth[:, LM["left_ankle"]] - depth[:, LM["right_ankle"]], frames,
                   max_anchor_gap)
    sep = np.linalg.norm(pts["left_ankle"] - pts["right_ankle"], axis=-1)
    gap = sum(np.linalg.norm(pts[f"left_{p}"] - pts[f"right_{p}"], axis=-1)
              for p in FOOT_PARTS) / 2
    with np.errstate(invalid="ignore"):
        collapsed = (gap < collapse_ratio * sep) & (sep > 0.5 * foot)
        for side, far in zip(SIDES, (dz > 0, dz < 0), strict=True):
            bad = collapsed & far
            for p in FOOT_PARTS:
                reach = np.linalg.norm(pts[f"{side}_{p}"] - pts[f"{side}_ankle"], axis=-1)
                usual = np.nanpercentile(reach, 90) if np.isfinite(reach).any() else 0.0
                bad |= reach > max_reach * max(usual, 0.25 * foot)
            out[:, [LM[f"{side}_{p}"] for p in FOOT_PARTS]] = bad[:, None]
    return out


def fill_gaps(values: np.ndarray, time_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Fill interior NaN gaps of at most ``max_gap_s`` by PCHIP, along axis 0.

    Parameters
    ----------
    values : numpy.ndarray, shape (T, ...)
    time_s : numpy.ndarray, shape (T,)
        Sample times, seconds, increasing (variable frame rates are honoured).
    max_gap_s : float
        Longest gap filled, seconds: missing frames × the median frame interval (time
        between the samples around the gap minus one interval). Gaps at the start or end
        are never filled (no extrapolation).

    Returns
    -------
    numpy.ndarray, shape of ``values``
    """
    out = np.array(values, dtype=np.float64)
    flat = out.reshape(len(out), out[:1].size)  # (T, rest), also for T = 0
    step = float(np.median(np.diff(time_s))) if len(out) > 2 else 0.0
    for ok, cols in (_by_missing_frames(flat) if len(out) > 2 else []):
        gaps = [np.arange(a, b) for a, b in true_runs(~ok) if a > 0 and b < len(ok)
                and time_s[b] - time_s[a - 1] - step <= max_gap_s + 1e-9]
        if gaps:
            idx = np.concatenate(gaps)
            fitted = PchipInterpolator(time_s[ok], flat[np.ix_(ok, cols)], axis=0)
            flat[np.ix_(idx, cols)] = fitted(time_s[idx])
    return out


def _by_missing_frames(flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Columns of ``flat`` (T, C) grouped by their pattern of finite samples.

    Gap filling and filtering are per column; columns missing the same frames (x and y
    of a landmark, whole-pose dropouts) are processed in one vectorised call, with
    results identical to one column at a time and ~5× faster.
    """
    finite = np.isfinite(flat)
    groups: dict[bytes, list[int]] = {}
    for j in range(flat.shape[1]):
        groups.setdefault(np.packbits(finite[:, j]).tobytes(), []).append(j)
    return [(finite[:, cols[0]], np.asarray(cols)) for cols in groups.values()]


def lowpass(values: np.ndarray, fps: float, cutoff_hz: float,
            order: int = CleaningSettings.filter_order,
            min_segment: int = CleaningSettings.min_filter_segment) -> np.ndarray:
    """Zero-lag Butterworth low-pass along axis 0, on each gap-free segment.

    Forward-backward filtering (``sosfiltfilt``) squares the gain, so the (bilinear-warped)
    design frequency is raised by Winter's factor ``(√2 − 1)^(−1/(2·order))`` to put the −3 dB
    point at ``cutoff_hz``. Segments under ``min_segment`` samples stay as they are.

    Parameters
    ----------
    values : numpy.ndarray, shape (T, ...)
    fps : float
        Sampling rate, frames/s.
    cutoff_hz : float
        −3 dB frequency of the zero-lag filter, Hz.
    order : int
        Butterworth order of one pass.
    min_segment : int
        Shortest gap-free segment filtered, samples.
    """
    out = np.array(values, dtype=np.float64)
    if not 0 < cutoff_hz < fps / 2:  # nothing to remove (or nonsense input)
        return out
    wn = 2 / np.pi * np.arctan(np.tan(np.pi * cutoff_hz / fps) / (np.sqrt(2) - 1) ** (0.5 / order))
    sos, flat = butter(order, wn, output="sos"), out.reshape(len(out), out[:1].size)
    for ok, cols in _by_missing_frames(flat):
        for a, b in true_runs(ok):
            if b - a >= min_segment:
                flat[a:b, cols] = sosfiltfilt(sos, flat[a:b, cols], axis=0,
                                              padlen=min(3 * order + 3, b - a - 1))
    return out


def clean_tracks(tracks: LandmarkTracks, activity: str | None = None, *,
                 settings: CleaningSettings | None = None,
                 max_gap_ms: float | None = None, min_visibility: float | None = None,
                 cutoff_hz: float | None = None) -> CleanResult:
    """Clean one subject's landmark tracks (steps in the module docstring).

    Parameters
    ----------
    tracks : LandmarkTracks
        Raw tracks of one subject.
    activity : {"run", "walk"}, optional
        Sets the low-pass cutoff (:meth:`CleaningSettings.cutoff_hz`, at most
        ``max_cutoff_fps_fraction`` × fps); None = running.
    settings : CleaningSettings, optional
        Every threshold of the cleaning; the validated defaults when omitted.
    max_gap_ms : float, optional
        Override of ``settings.max_gap_ms``: longest gap filled by interpolation, ms.
    min_visibility : float, optional
        Override of ``settings.min_visibility`` (0..1).
    cutoff_hz : float, optional
        −3 dB cutoff override, Hz (still capped at 0.4 × fps); 0 = no low-pass.

    Returns
    -------
    CleanResult
        Image and world ``x, y, z`` are cleaned alike; visibility and presence move with
        their landmark in a swap and are interpolated where missing at a filled point. Never
        raises on degenerate input (no frame, all NaN, one frame, constant): see ``warnings``.
    """
    cfg = settings or DEFAULT_CLEANING_SETTINGS
    if max_gap_ms is not None or min_visibility is not None:
        overrides: dict[str, Any] = {k: float(v) for k, v in (
            ("max_gap_ms", max_gap_ms), ("min_visibility", min_visibility)) if v is not None}
        cfg = dataclasses.replace(cfg, **overrides)
    max_gap_ms, min_visibility = cfg.max_gap_ms, cfg.min_visibility
    n, t_s, max_gap_s, fps = tracks.n_frames, tracks.time_s, max_gap_ms / 1e3, tracks.fps or 30.0
    image, world, issues = tracks.image.astype(np.float64), tracks.world.astype(np.float64), []
    pos, scale = image[:, :, :3], np.array([tracks.video.width, tracks.video.height], float)
    swaps: dict[str, list[list[int]]] = {"legs": [], "arms": []}
    far_runs: list[list[Any]] = []  # [start, stop, side]
    jump_runs: list[list[Any]] = []  # [start, stop, side]
    collapse_runs: list[list[int]] = []

    def drop(mask: np.ndarray) -> None:
        pos[mask], world[mask] = np.nan, np.nan

    def warn(code: str, message: str) -> None:  # quality.QualityWarning's JSON form
        # The view-free severity; gaitcheck.analysis settles it once the view is known.
        issues.append({"code": code, "severity": warning_severity(code), "message": message})

    gated = np.isfinite(pos[..., 0]) & (np.nan_to_num(image[..., 3], nan=1.0) < min_visibility)
    drop(gated)
    # Frames without a measurable posture go before anything reads them.
    _, edge_frames = cut_by_edge(image, margin=cfg.edge_margin,
                                 min_visibility=cfg.edge_min_visibility)
    odd = implausible_torso(image[:, :, :2] * scale, fps,
                            half_window_s=cfg.torso_half_window_s,
                            max_turn_deg=cfg.torso_max_turn_deg,
                            max_length_ratio=cfg.torso_max_length_ratio) & ~edge_frames
    posed = np.isfinite(pos[..., 0]).any(axis=1)
    edge_frames &= posed
    # Only whole frames: a limb outside the picture (feet on a tight framing) keeps its
    # guessed position, as before, under the subject_out_of_frame warning.
    drop(np.broadcast_to(edge_frames[:, None], pos.shape[:2]))
    drop(np.broadcast_to(odd[:, None], pos.shape[:2]))
    if edge_frames.any():
        warn("body_cut_by_edge", f"{int(edge_frames.sum())} frames where the head or trunk "
             "was cut by the picture edge are left out.")
    if odd.any():
        warn("implausible_pose", f"{int(odd.sum())} frames whose trunk line jumps away from "
             "the surrounding frames (a lost or misplaced pose) are left out.")
    height = body_height_px(image[:, :, :2] * scale)
    if not np.isfinite(height):
        warn("no_pose", "No frame has a usable pose to clean.")
        height = float(scale[1])
    if n >= 3 and cfg.leg_collapse:
        # Collapsed legs: found on the swap-repaired legs, dropped before the repair
        # proper, so it neither exchanges them nor judges their neighbours by them.
        lg = {s: [LM[f"{s}_{p}"] for p in LEG_PARTS] for s in SIDES}
        px_all = image[:, :, :2] * scale
        trial_state = swap_states(px_all[:, lg["left"]] / height, px_all[:, lg["right"]] / height,
                                  t_s, segments=LEG_SEGMENTS, prior=cfg.swap_prior,
                                  switch=cfg.swap_switch_cost, cap=cfg.swap_cap,
                                  partial=cfg.swap_partial_cost)
        trial = px_all.copy()
        for g, seg_idx in enumerate(LEG_SEGMENTS):
            pair = np.array([lg["left"][j] for j in seg_idx] + [lg["right"][j] for j in seg_idx])
            trial[np.ix_(trial_state[:, g], pair)] = px_all[
                np.ix_(trial_state[:, g], np.roll(pair, len(seg_idx)))]
        collapsed = np.asarray(detect_leg_collapse(trial, fps) & np.isfinite(pos[..., 0]))
        drop(collapsed)
        collapse_runs = [[a, b] for a, b in true_runs(np.asarray(collapsed.any(axis=1)))]
    if n >= 3:
        for group, parts in (("legs", LEG_PARTS), ("arms", ARM_PARTS)):
            left, right = [LM[f"left_{p}"] for p in parts], [LM[f"right_{p}"] for p in parts]
            px = image[:, :, :2] * scale / height
            segs = LEG_SEGMENTS if group == "legs" else None
            state = swap_states(px[:, left], px[:, right], t_s, segments=segs,
                                prior=cfg.swap_prior, switch=cfg.swap_switch_cost,
                                cap=cfg.swap_cap, partial=cfg.swap_partial_cost)
            for g, seg in enumerate(segs or [range(len(parts))]):
                lft, rgt = [left[j] for j in seg], [right[j] for j in seg]
                for arr in (image, world):  # image rows carry visibility and presence along
                    arr[np.ix_(state[:, g], np.array(lft + rgt))] = arr[
                        np.ix_(state[:, g], np.array(rgt + lft))]
            swaps[group] = [[a, b] for a, b in true_runs(np.asarray(state.any(axis=1)))]
        far = np.asarray(detect_far_foot(image[:, :, :2] * scale, image[:, :, 2],
                                         collapse_ratio=cfg.far_foot_collapse_ratio,
                                         max_reach=cfg.far_foot_max_reach,
                                         max_anchor_gap=cfg.max_anchor_gap)
                         & np.isfinite(pos[..., 0]))
        drop(far)
        far_runs = sorted([a, b, s] for s in SIDES for a, b in true_runs(
            np.any(far[:, [LM[f"{s}_{p}"] for p in FOOT_PARTS]], axis=1)))
        # A whole foot, ankle included, drawn elsewhere for a frame or two: missing, so
        # it is gap-filled and its frames count as interpolated (no strike angle there).
        jumped = detect_foot_jumps(pos[:, :, :2] * scale) & np.isfinite(pos[..., 0])
        drop(jumped)
        jump_runs = sorted([a, b, s] for s in SIDES for a, b in true_runs(
            jumped[:, LM[f"{s}_ankle"]]))
    half = max(1, round(cfg.hampel_half_window_ms / 1000.0 * fps))
    outliers = np.asarray(hampel_mask(pos[..., :2] * scale, half, cfg.hampel_n_sigma,
                                      cfg.hampel_min_sigma * height).any(axis=-1))
    drop(outliers)
    missing = ~np.isfinite(image[:, :, 0])
    for arr in (pos, world):
        feet = {(s, p): fill_gaps(arr[:, LM[f"{s}_{p}"]] - arr[:, LM[f"{s}_ankle"]], t_s,
                                  max_gap_s) for s in SIDES for p in FOOT_PARTS}
        arr[:] = fill_gaps(arr, t_s, max_gap_s)
        for (s, p), offset in feet.items():  # the ankle (now filled) + the foot's offset
            k, anchored = LM[f"{s}_{p}"], arr[:, LM[f"{s}_ankle"]] + offset
            arr[:, k] = np.where(missing[:, k, None] & np.isfinite(anchored), anchored,
                                 arr[:, k])
    interpolated = missing & np.isfinite(image[:, :, 0])
    fill = interpolated[..., None] & np.isnan(image[..., 3:])  # their visibility, presence
    image[..., 3:][fill] = fill_gaps(image[..., 3:], t_s, np.inf)[fill]
    base = cfg.cutoff_hz(activity) if cutoff_hz is None else cutoff_hz
    short = n < cfg.min_filter_segment
    cutoff = 0 if short else min(float(base), cfg.max_cutoff_fps_fraction * fps)
    if cutoff > 0:
        order, shortest = cfg.filter_order, cfg.min_filter_segment
        pos[:], world[:] = (lowpass(pos, fps, cutoff, order, shortest),
                            lowpass(world, fps, cutoff, order, shortest))
    elif short:
        warn("too_short_to_filter", f"Only {n} frames: no low-pass filtering.")
    span = np.cumsum(tracks.detected) * np.cumsum(tracks.detected[::-1])[::-1] > 0
    left_missing = span[:, None] & ~np.isfinite(image[:, :, 0])
    unfilled = int(np.count_nonzero(left_missing))
    unfilled_by_part = {part: int(np.count_nonzero(left_missing[:, list(idx)]))
                        for part, idx in BODY_PARTS.items()}
    if unfilled:
        warn("unfilled_gaps", f"{unfilled} landmark positions stay missing (visibility "
             f"below {min_visibility}, gaps over {max_gap_ms:.0f} ms, or at the ends).")
    if len(swaps["legs"]) + len(swaps["arms"]) > max(3.0, n / 60):  # > 1 per 60 frames
        warn("many_swaps", "Left and right were often exchanged; side results less certain.")
    report = {
        "settings": {"activity": activity, "min_visibility": float(min_visibility),
                     "max_gap_ms": float(max_gap_ms), "hampel_half_window_frames": half,
                     "hampel_n_sigma": cfg.hampel_n_sigma, "filter_order": 2 * cfg.filter_order},
        "cutoff_hz": cutoff or None, "gated_points": int(gated.sum()),
        "outliers": int(outliers.sum()), "swaps_repaired": swaps["legs"],
        "arm_swaps_repaired": swaps["arms"], "far_foot_fixed": far_runs,
        "foot_jumps_fixed": jump_runs, "legs_collapsed": collapse_runs,
        "edge_frames_dropped": [[a, b] for a, b in true_runs(edge_frames)],
        "implausible_frames_dropped": [[a, b] for a, b in true_runs(odd)],
        "filled_points": int(interpolated.sum()),
        "filled_frames": int(np.count_nonzero(~tracks.detected & interpolated.any(axis=1))),
        "unfilled_points": unfilled,
        "unfilled_by_part": {k: v for k, v in unfilled_by_part.items() if v},
        "warnings": issues}
    cleaned = dataclasses.replace(tracks, image=image.astype(np.float32), world=world.astype(
        np.float32), source={**tracks.source, "cleaning": report})
    return CleanResult(tracks=cleaned, report=report, interpolated=interpolated)
