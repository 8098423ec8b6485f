"""Side-view metrics: one small function per metric over a shared :class:`SagittalFrame`.

The frame (:mod:`gaitcheck.metrics.sagittal_frame`) is built once per clip. Each metric
function reads one stance of it (``k``, an index into :attr:`SagittalFrame.stances`)
and returns that stance's value, NaN when the stance was seen but the value cannot be
measured (it still counts as the stance's entry), or None when the metric has no value
for this stance at all (no toe-off, no next step). Values at initial contact (IC) or
toe-off (TO) are interpolated at the event's sub-frame time; the foot angle is read just
before IC (:func:`foot_angle_at_ic`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics import foot
from gaitcheck.metrics import formulas as f
from gaitcheck.metrics.analyze import PairedStance, finite, measured_metric, side_confidence
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.event_timing import EXTRA_KEY, timing_half_widths
from gaitcheck.metrics.frames import at_frame
from gaitcheck.metrics.result import Metric, from_sides, not_measurable
from gaitcheck.metrics.sagittal_frame import SagittalFrame, sagittal_frame
from gaitcheck.metrics.systematic import event_time_floor
from gaitcheck.sides import SIDES
from gaitcheck.tracks.tracks import LandmarkTracks

#: Thigh + shank length as a fraction of standing height (Winter 2009, segment table).
LEG_FRACTION_OF_HEIGHT = 0.491


# One function per metric and stance ------------------------------------------------------

def foot_angle_at_ic(fr: SagittalFrame, k: int) -> float:
    """Foot angle at IC relative to the flat foot, deg, toes-up positive.

    Read on the airborne foot :data:`~gaitcheck.metrics.foot.PRE_CONTACT_S` before the
    detected IC, interpolated between frames, so the reading is continuous in the IC time
    (:mod:`gaitcheck.metrics.foot`). NaN when the foot was filled in by the cleaning
    around that time (occluded or misplaced: not classified).
    """
    st = fr.stances[k]
    s = st.side
    row = foot.reading_row(fr.time_s, st.ic)
    feet = [LM[f"{s}_heel"], LM[f"{s}_foot_index"]]
    if fr.filled is not None and bool(fr.filled[foot.rows_read(row, fr.n_frames)][:, feet].any()):
        return float("nan")
    return foot.foot_angle_at_row(fr.points, s, row) - fr.flat_foot_deg[s]


def knee_flexion_at_ic(fr: SagittalFrame, k: int) -> float:
    """Knee flexion at IC, deg: the least of the bracketing frames and the interpolated pose.

    The knee is at its most extended around contact and flexes fast after it.
    """
    st = fr.stances[k]
    s = st.side
    poses = (at_frame(fr.points, st.ic), fr.points[int(np.floor(st.ic))],
             fr.points[min(int(np.ceil(st.ic)), fr.n_frames - 1)])
    knees = [f.joint_flexion_deg(v[LM[f"{s}_hip"]], v[LM[f"{s}_knee"]], v[LM[f"{s}_ankle"]])
             for v in poses]
    return float(np.nanmin(knees)) if np.isfinite(knees).any() else np.nan


def poses_between(points: np.ndarray, a: float, b: float) -> np.ndarray:
    """Poses at fractional rows ``a`` and ``b`` (interpolated) and every whole row between.

    With poses linear between frames, these are where a reading that is monotone
    between frames takes its extremes: an extreme over them is continuous in ``a`` and
    ``b``, unlike one over the whole frames ``⌈a⌉ … ⌊b⌋``, which jumps when an event
    time crosses a frame boundary.

    Parameters
    ----------
    points : numpy.ndarray, (T, ...)
        Per-frame values (landmarks).
    a, b : float
        Fractional rows, ``a ≤ b``; clipped to the tracks.

    Returns
    -------
    numpy.ndarray, (m, ...)
        ``points`` at ``a``, ``⌊a⌋ + 1 … ⌈b⌉ − 1`` and ``b``.
    """
    lo, hi = max(a, 0.0), min(b, len(points) - 1.0)
    inner = np.arange(int(np.floor(lo)) + 1, int(np.ceil(hi)))
    return np.concatenate([at_frame(points, lo)[None], points[inner],
                           at_frame(points, hi)[None]])


def overstride_at_ic(fr: SagittalFrame, k: int) -> float:
    """Heel ahead of the hip midpoint at IC, % of leg length."""
    st = fr.stances[k]
    heel = at_frame(fr.points, st.ic)[LM[f"{st.side}_heel"], 0]
    return float(f.overstride_pct(heel, at_frame(fr.hip_mid, st.ic)[0], fr.leg_px))


def shank_angle_at_ic(fr: SagittalFrame, k: int) -> float:
    """Shank angle at IC, deg, ankle ahead of the knee positive."""
    st = fr.stances[k]
    p = at_frame(fr.points, st.ic)
    return float(f.shank_angle_deg(p[LM[f"{st.side}_knee"]], p[LM[f"{st.side}_ankle"]]))


def trunk_lean_at_ic(fr: SagittalFrame, k: int) -> float:
    """Trunk lean at IC, deg."""
    return float(at_frame(fr.trunk_deg, fr.stances[k].ic))


def knee_flexion_peak_stance(fr: SagittalFrame, k: int) -> float | None:
    """Most knee flexion between IC and TO, deg; None without a TO."""
    st = fr.stances[k]
    if not np.isfinite(st.to):
        return None
    w = slice(int(np.floor(st.ic)), int(np.ceil(st.to)) + 1)
    knee = f.joint_flexion_deg(fr.series(w, st.side, "hip"), fr.series(w, st.side, "knee"),
                               fr.series(w, st.side, "ankle"))
    return float(np.nanmax(knee)) if np.isfinite(knee).any() else np.nan


def hip_extension_at_to(fr: SagittalFrame, k: int) -> float | None:
    """Thigh behind the trunk line at TO, deg; None without a TO."""
    st = fr.stances[k]
    if not np.isfinite(st.to):
        return None
    q = at_frame(fr.points, st.to)
    return float(f.hip_extension_deg(at_frame(fr.hip_mid, st.to),
                                     at_frame(fr.shoulder_mid, st.to),
                                     q[LM[f"{st.side}_hip"]], q[LM[f"{st.side}_knee"]]))


def vertical_oscillation_of_step(fr: SagittalFrame, k: int) -> float | None:
    """Peak-to-trough of the hip midpoint over the step, pixels.

    None without a next step or with fewer than 3 measured frames.
    """
    w = fr.step_window(k)
    if w is None or np.isfinite(fr.hip_mid[w, 1]).sum() < 3:
        return None
    return f.vertical_oscillation(fr.hip_mid[w, 1])


def trunk_lean_of_step(fr: SagittalFrame, k: int) -> float | None:
    """Mean trunk lean over the step, deg; None without a next step or a value."""
    w = fr.step_window(k)
    return None if w is None or not np.isfinite(fr.trunk_deg[w]).any() else \
        float(np.nanmean(fr.trunk_deg[w]))


def head_forward_of_step(fr: SagittalFrame, k: int) -> float | None:
    """Mean head-forward angle over the step, deg; None without a next step or a value."""
    w = fr.step_window(k)
    return None if w is None or not np.isfinite(fr.head_deg[w]).any() else \
        float(np.nanmean(fr.head_deg[w]))


def arm_swing_of_stride(fr: SagittalFrame, k: int) -> float | None:
    """Peak-to-peak upper-arm angle over the stride, deg, from IC to the next IC.

    Over the poses at the two sub-frame IC times and every frame between
    (:func:`poses_between`): the arm is near an extreme of its swing at contact, so over
    the whole frames inside the stride the range jumped by a frame of swing (up to 5° on
    the real clip) whenever an IC crossed a frame boundary. None without a next stride
    or with fewer than 3 measured poses.
    """
    same = fr.next_stride(k)
    if same is None:
        return None
    s = fr.stances[k].side
    poses = poses_between(fr.points, fr.stances[k].ic, same.ic)
    arm = f.upper_arm_angle_deg(poses[:, LM[f"{s}_shoulder"]], poses[:, LM[f"{s}_elbow"]])
    return float(np.nanmax(arm) - np.nanmin(arm)) if np.isfinite(arm).sum() >= 3 else None


def elbow_angle_of_stride(fr: SagittalFrame, k: int) -> float | None:
    """Mean elbow flexion over the stride, deg; None without a next stride."""
    w = fr.stride_window(k)
    if w is None:
        return None
    s = fr.stances[k].side
    elbow = f.joint_flexion_deg(fr.series(w, s, "shoulder"), fr.series(w, s, "elbow"),
                                fr.series(w, s, "wrist"))
    return float(np.nanmean(elbow)) if np.isfinite(elbow).any() else np.nan


#: Per-stance values collected for each foot: report key (or a helper series) → function.
PER_STANCE: dict[str, Callable[[SagittalFrame, int], float | None]] = {
    "foot_strike": foot_angle_at_ic,
    "knee_flexion_ic_deg": knee_flexion_at_ic,
    "knee_flexion_peak_stance_deg": knee_flexion_peak_stance,
    "hip_extension_to_deg": hip_extension_at_to,
    "overstride_pct": overstride_at_ic,
    "shank_angle_deg": shank_angle_at_ic,
    "vertical_oscillation": vertical_oscillation_of_step,
    "arm_swing_deg": arm_swing_of_stride,
    "elbow_angle_deg": elbow_angle_of_stride,
    "trunk_lean_at_ic": trunk_lean_at_ic,
    "trunk_lean_of_step": trunk_lean_of_step,
    "head_forward_of_step": head_forward_of_step,
}


def per_stance_values(fr: SagittalFrame) -> dict[str, dict[str, list[float]]]:
    """Every :data:`PER_STANCE` value by name and side, in stance order."""
    per: dict[str, dict[str, list[float]]] = {k: {s: [] for s in SIDES} for k in PER_STANCE}
    for k, st in enumerate(fr.stances):
        for name, measure in PER_STANCE.items():
            value = measure(fr, k)
            if value is not None:
                per[name][st.side].append(value)
    return per


def sagittal_metrics(tracks: LandmarkTracks, facing: str, near: str | None,
                     stances: list[PairedStance], height_cm: float | None, base: float,
                     filled: np.ndarray | None = None) -> tuple[dict[str, Metric],
                                                                dict[str, Any]]:
    """Posture, foot strike, knee, hip, overstride, oscillation and arms (side view).

    Parameters
    ----------
    tracks : LandmarkTracks
        Cleaned tracks.
    facing, near : str
        See :func:`sagittal_frame`.
    stances : list of PairedStance
        Paired gait events.
    height_cm : float, optional
        Runner's height, cm: vertical oscillation in cm instead of % leg length.
    base : float
        Confidence 0..1 before the per-metric stride count and far-side factors.
    filled : numpy.ndarray, optional
        (T, 33) points the cleaning interpolated; a foot filled in around a contact has
        no measured foot angle there (NaN: not classified, not counted).

    Returns
    -------
    metrics : dict of Metric
        By report key.
    info : dict
        ``per_side`` (the :func:`per_stance_values`) and ``frame`` (ground line, leg
        length and scale for ``report.json`` ``analysis.frame``).
    """
    fr = sagittal_frame(tracks, facing, near, stances, filled)
    per = per_stance_values(fr)
    leg_px = fr.leg_px
    # No leg ever seen (NaN) or a degenerate one: no cm scale rather than a NaN one.
    scale_cm = (LEG_FRACTION_OF_HEIGHT * height_cm / leg_px) if (
        height_cm and np.isfinite(leg_px) and leg_px > 0) else None
    per_metric = {k: v for k, v in per.items() if k in REGISTRY}
    per_metric["vertical_oscillation"] = {
        s: [v * scale_cm if scale_cm else 100 * v / leg_px for v in values]
        for s, values in per["vertical_oscillation"].items()}
    metrics = {key: measured_metric(key, values, side_confidence(per[key], base, near))
               for key, values in per_metric.items()}
    metrics["vertical_oscillation"] = measured_metric(
        "vertical_oscillation", per_metric["vertical_oscillation"],
        side_confidence(per["vertical_oscillation"], base, near),
        unit="cm" if scale_cm else "% leg length")
    metrics["foot_strike"] = _foot_strike(metrics["foot_strike"], per["foot_strike"],
                                          fr.flat_foot_deg)
    metrics["trunk_lean_deg"] = _trunk_lean(fr, per, base)
    metrics["head_forward_deg"] = _head_forward(fr, per, base)
    crossover = REGISTRY["arm_crossover"]
    metrics["arm_crossover"] = not_measurable(
        "arm_crossover", crossover.unit, crossover.valid_views,
        "crossover is a frontal-plane measure: film from the front or back")
    # Values read at an event carry the event's systematic timing (metrics/event_timing).
    for key, half in timing_half_widths(fr, PER_STANCE, event_time_floor()).items():
        metrics[key] = dataclasses.replace(metrics[key],
                                           extra=metrics[key].extra | {EXTRA_KEY: half})
    order = ("trunk_lean_deg", "head_forward_deg", *PER_STANCE)
    frame_info = fr.ground_info | {"leg_length_px": finite(leg_px, 1),
                                   "cm_per_px": round(scale_cm, 4) if scale_cm else None}
    return ({k: metrics[k] for k in (*order, "arm_crossover") if k in metrics},
            {"per_side": per, "frame": frame_info})


def _foot_strike(angles: Metric, per: dict[str, list[float]],
                 flat: dict[str, float]) -> Metric:
    """Add the strike classes (Altman & Davis cut-offs) to the foot-angle metric."""
    classes = {s: [str(f.strike_class(a)) for a in per[s] if np.isfinite(a)] for s in SIDES}
    every = classes["left"] + classes["right"]
    counts = {c: every.count(c) for c in ("rearfoot", "midfoot", "forefoot")}
    return Metric(angles.key, angles.value, angles.unit, angles.confidence,
                  angles.valid_for_view, angles.measurable, angles.per_side, {
                      "pattern": max(counts, key=lambda c: counts[c]) if every else None,
                      "counts": counts,
                      "per_side_counts": {s: {c: classes[s].count(c) for c in counts}
                                          for s in SIDES},
                      "cutoffs_deg": {"altman_davis_2012": list(f.ALTMAN_DAVIS_CUTOFFS_DEG),
                                      "mo_et_al": list(f.MO_CUTOFFS_DEG)},
                      "flat_foot_reference_deg": flat})


def _trunk_lean(fr: SagittalFrame, per: dict[str, dict[str, list[float]]],
                base: float) -> Metric:
    """Mean trunk lean over the clip, per side by step, and at IC."""
    trunk, views = fr.trunk_deg, REGISTRY["trunk_lean_deg"].valid_views
    seen = bool(np.isfinite(trunk).any())
    return Metric("trunk_lean_deg", float(np.nanmean(trunk)) if seen else None, "deg", base,
                  views, seen, from_sides("", "", per["trunk_lean_of_step"], views,
                                          base).per_side,
                  {"at_ic": from_sides("", "", per["trunk_lean_at_ic"], views, base).value,
                   "sd": finite(np.nanstd(trunk)) if seen else None})


def _head_forward(fr: SagittalFrame, per: dict[str, dict[str, list[float]]],
                  base: float) -> Metric:
    """Mean head-forward angle over the clip, per side by step, with the CVA-style complement.

    ``extra["craniovertebral_deg"]`` is ``90 −`` the mean (:func:`formulas.craniovertebral_deg`).
    """
    head, views = fr.head_deg, REGISTRY["head_forward_deg"].valid_views
    seen = bool(np.isfinite(head).any())
    return Metric("head_forward_deg", float(np.nanmean(head)) if seen else None, "deg",
                  base, views, seen, from_sides("", "", per["head_forward_of_step"], views,
                                                base).per_side,
                  {"craniovertebral_deg": 90 - float(np.nanmean(head)) if seen else None,
                   "relative_to_trunk_deg": finite(np.nanmean(head - fr.trunk_deg))
                   if np.isfinite(head - fr.trunk_deg).any() else None})
