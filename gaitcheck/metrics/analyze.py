"""All metrics from cleaned tracks, the scene and gait events.

Each metric follows its definition in :mod:`gaitcheck.metrics.definitions`. Values at
initial contact (IC) or toe-off (TO) are interpolated at the event's sub-frame time,
except the foot angle (see :func:`sagittal_metrics`).
Confidence starts from the events' and landmarks' quality and is lowered for far-side
limbs (×0.6) and for few strides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics import definitions as d
from gaitcheck.metrics.frames import (
    at_frame,
    estimate_ground,
    image_frontal,
    image_sagittal,
    rotate,
)
from gaitcheck.metrics.result import SIDES, Metric, from_sides, not_measurable
from gaitcheck.tracks.tracks import LandmarkTracks

SIDE, FRONTAL, ALL = ("side",), ("front", "back"), ("side", "front", "back")
FAR_SIDE_FACTOR = 0.6
#: Thigh + shank length as a fraction of standing height (Winter 2009, segment table).
LEG_FRACTION_OF_HEIGHT = 0.491
SI_FLAG_PCT = 10.0


class Event(Protocol):
    side: str
    time_s: float
    frame: float
    confidence: float


@dataclass(frozen=True)
class Stance:
    """One stance phase: side, IC and TO as fractional frames (TO may be NaN), times in
    seconds, and the continuous segment it lies in (no step, stride or flight is
    measured between stances of different segments: a gap in the video lies between)."""

    side: str
    ic: float
    to: float
    ic_s: float
    to_s: float
    confidence: float
    segment: int = 0


def pair_stances(contacts: list[Event], toe_offs: list[Event],
                 segment_of: Callable[[Any], int] | None = None) -> list[Stance]:
    """Attach to every IC the first TO of the same foot, in the same segment
    (``segment_of(event)``, default one segment), before that foot's next IC."""
    seg = segment_of or (lambda e: 0)
    out = []
    for side in SIDES:
        ics = sorted((c for c in contacts if c.side == side), key=lambda e: e.frame)
        tos = sorted((t for t in toe_offs if t.side == side), key=lambda e: e.frame)
        for k, ic in enumerate(ics):
            limit = ics[k + 1].frame if k + 1 < len(ics) else np.inf
            to = next((t for t in tos if ic.frame < t.frame < limit and seg(t) == seg(ic)),
                      None)
            out.append(Stance(side, ic.frame, to.frame if to else np.nan, ic.time_s,
                              to.time_s if to else np.nan, ic.confidence, seg(ic)))
    return sorted(out, key=lambda s: s.ic)


def _pooled_cadence(stances: list[Stance]) -> float:
    """Steps per minute over all segments: (contacts − 1) per segment over its span
    (:func:`definitions.cadence_spm` within one segment), pooled; NaN without a step."""
    steps, span = 0, 0.0
    for k in sorted({s.segment for s in stances}):
        t = np.asarray([s.ic_s for s in stances if s.segment == k])
        if len(t) >= 2 and np.isfinite(d.cadence_spm(t)):
            steps += len(t) - 1
            span += float(t[-1] - t[0])
    return 60.0 * steps / span if span > 0 else float("nan")


def _finite(x: float, digits: int | None = None) -> float | None:
    """``x`` (rounded) if finite, else None: reports hold no NaN."""
    x = float(x)
    return (round(x, digits) if digits is not None else x) if np.isfinite(x) else None


def _next_same(stances: list[Stance], k: int) -> Stance | None:
    """The next stance of the same foot in the same segment, or None."""
    st = stances[k]
    same = next((n for n in stances[k + 1:] if n.side == st.side), None)
    return same if same is not None and same.segment == st.segment else None


def _conf(base: float, n: int, side: str | None, near: str | None) -> float:
    c = base * min(1.0, n / 6.0)
    return c * (FAR_SIDE_FACTOR if near and side and side != near else 1.0)


def _side_conf(values: dict[str, list[float]], base: float, near: str | None) -> float:
    parts = [_conf(base, len(v), s, near) for s, v in values.items() if v]
    return float(np.mean(parts)) if parts else 0.0


def temporal(stances: list[Stance], base: float) -> dict[str, Metric]:
    """Cadence, step time, contact time, flight time and duty factor."""
    times = [s.ic_s for s in stances]
    step: dict[str, list[float]] = {s: [] for s in SIDES}
    contact: dict[str, list[float]] = {s: [] for s in SIDES}
    flight: dict[str, list[float]] = {s: [] for s in SIDES}
    duty: dict[str, list[float]] = {s: [] for s in SIDES}
    for k, st in enumerate(stances):
        prev = stances[k - 1] if k > 0 else None
        if prev is not None and prev.side != st.side and prev.segment == st.segment:
            step[st.side].append(1000 * (st.ic_s - prev.ic_s))
        if np.isfinite(st.to_s):
            contact[st.side].append(1000 * (st.to_s - st.ic_s))
            nxt = stances[k + 1] if k + 1 < len(stances) else None
            if nxt is not None and nxt.side != st.side and nxt.segment == st.segment:
                flight[st.side].append(1000 * (nxt.ic_s - st.to_s))
            same = _next_same(stances, k)
            if same is not None and same.ic_s > st.ic_s:
                duty[st.side].append(100 * (st.to_s - st.ic_s) / (same.ic_s - st.ic_s))
    cadence = _pooled_cadence(stances) if len(times) >= 2 else float("nan")
    n = len(times)
    return {
        "cadence_spm": Metric("cadence_spm", _finite(cadence), "steps/min",
                              _conf(base, n / 2, None, None) if np.isfinite(cadence) else 0.0,
                              ALL, bool(np.isfinite(cadence)), None, {"contacts": n}),
        "step_time_ms": from_sides("step_time_ms", "ms", step, ALL, _conf(base, n / 2, None,
                                                                              None)),
        "ground_contact_ms": from_sides("ground_contact_ms", "ms", contact, SIDE,
                                        _conf(base, n / 2, None, None)),
        "flight_ms": from_sides("flight_ms", "ms", flight, SIDE, _conf(base, n / 2, None, None)),
        "duty_factor_pct": from_sides("duty_factor_pct", "%", duty, SIDE,
                                      _conf(base, n / 2, None, None)),
    }


def sagittal_metrics(tracks: LandmarkTracks, facing: str, near: str | None,
                     stances: list[Stance], height_cm: float | None, base: float,
                     filled: np.ndarray | None = None) -> tuple[dict[str, Metric],
                                                                dict[str, Any]]:
    """Posture, foot strike, knee, hip, overstride, oscillation and arms (side view).

    ``filled`` (T, 33) marks points the cleaning interpolated; a foot filled in around
    a contact has no measured foot angle there (NaN: not classified, not counted).
    """
    n = tracks.n_frames
    stances = [st if np.isnan(st.to) or st.to <= n - 1 else
               Stance(st.side, st.ic, np.nan, st.ic_s, np.nan, st.confidence, st.segment)
               for st in stances if 0 <= st.ic <= n - 1]
    raw = image_sagittal(tracks, facing)
    ground = estimate_ground(raw, [(s.side, s.ic, s.to) for s in stances if np.isfinite(s.to)],
                             facing, tracks.source.get("scene_lines"))
    sag = rotate(raw, ground.angle_deg)
    mid = lambda a, b: (sag[:, LM[a]] + sag[:, LM[b]]) / 2  # noqa: E731
    hip_mid, sh_mid = mid("left_hip", "right_hip"), mid("left_shoulder", "right_shoulder")
    ear_mid = mid("left_ear", "right_ear")
    legs = {s: d.leg_length(sag[:, LM[f"{s}_hip"]], sag[:, LM[f"{s}_knee"]],
                            sag[:, LM[f"{s}_ankle"]]) for s in SIDES}
    leg_all = legs[near] if near else np.concatenate(list(legs.values()))
    leg_px = float(np.nanmedian(leg_all)) if np.isfinite(leg_all).any() else float("nan")
    trunk = d.trunk_lean_deg(hip_mid, sh_mid)
    head = d.head_posture_deg(hip_mid, sh_mid, ear_mid, d.ear_bias_for(tracks.source))
    per: dict[str, dict[str, list[float]]] = {k: {s: [] for s in SIDES} for k in (
        "foot", "knee_ic", "knee_peak", "hip_ext_to", "over", "shank", "trunk_ic", "osc",
        "swing", "elbow", "trunk_step", "head_step")}
    # Foot angle of a flat foot as MediaPipe places heel and toe (the toe point sits on
    # top of the shoe); measured at mid-stance, when every strike type has the foot flat.
    flat = {}
    for side in SIDES:
        f = [d.foot_angle_deg(sag[t, LM[f"{side}_heel"]], sag[t, LM[f"{side}_foot_index"]])
             for st in stances if st.side == side and np.isfinite(st.to)
             for t in range(max(0, int(np.ceil(st.ic + 0.35 * (st.to - st.ic)))),
                            min(len(sag) - 1, int(np.floor(st.ic + 0.55 * (st.to - st.ic)))) + 1)]
        flat[side] = float(np.clip(np.nanmedian(f), -8, 8)) if np.isfinite(f).any() else 0.0
    for k, st in enumerate(stances):
        s = st.side
        p = at_frame(sag, st.ic)
        hm = at_frame(hip_mid, st.ic)
        # The foot slaps flat within ~40 ms of a heel strike, faster than a 30 fps frame
        # interval: read the foot angle in the last frame at or before IC, while the
        # foot is still airborne, rather than interpolating into the flattening.
        f0 = int(np.floor(st.ic))
        q = sag[f0]
        feet = [LM[f"{s}_heel"], LM[f"{s}_foot_index"]]
        guessed = filled is not None and bool(filled[max(f0 - 1, 0):f0 + 2][:, feet].any())
        per["foot"][s].append(np.nan if guessed else float(d.foot_angle_deg(
            q[LM[f"{s}_heel"]], q[LM[f"{s}_foot_index"]])) - flat[s])
        # The knee is at its most extended around contact and flexes fast after it: take
        # the least flexion among the frames bracketing IC and the interpolated pose.
        knees = [d.joint_flexion_deg(v[LM[f"{s}_hip"]], v[LM[f"{s}_knee"]], v[LM[f"{s}_ankle"]])
                 for v in (p, sag[int(np.floor(st.ic))], sag[min(int(np.ceil(st.ic)), n - 1)])]
        per["knee_ic"][s].append(float(np.nanmin(knees)) if np.isfinite(knees).any()
                                 else np.nan)
        per["over"][s].append(float(d.overstride_pct(p[LM[f"{s}_heel"], 0], hm[0], leg_px)))
        per["shank"][s].append(float(d.shank_angle_deg(p[LM[f"{s}_knee"]], p[LM[f"{s}_ankle"]])))
        per["trunk_ic"][s].append(float(at_frame(trunk, st.ic)))
        if np.isfinite(st.to):
            w = slice(int(np.floor(st.ic)), int(np.ceil(st.to)) + 1)
            knee = d.joint_flexion_deg(sag[w, LM[f"{s}_hip"]], sag[w, LM[f"{s}_knee"]],
                                       sag[w, LM[f"{s}_ankle"]])
            per["knee_peak"][s].append(float(np.nanmax(knee)) if np.isfinite(knee).any()
                                       else np.nan)
            q = at_frame(sag, st.to)
            trunk_down = at_frame(hip_mid, st.to) - at_frame(sh_mid, st.to)
            thigh = q[LM[f"{s}_knee"]] - q[LM[f"{s}_hip"]]
            ext = np.degrees(np.arctan2(trunk_down[0], -trunk_down[1])
                             - np.arctan2(thigh[0], -thigh[1]))
            per["hip_ext_to"][s].append(float(ext))
        nxt = stances[k + 1] if k + 1 < len(stances) else None
        if nxt is not None and nxt.segment == st.segment:
            w = slice(int(np.ceil(st.ic)), int(np.floor(nxt.ic)) + 1)
            up = hip_mid[w, 1]
            if np.isfinite(up).sum() >= 3:
                per["osc"][s].append(d.vertical_oscillation(up))
            for key, series in (("trunk_step", trunk), ("head_step", head)):
                if np.isfinite(series[w]).any():
                    per[key][s].append(float(np.nanmean(series[w])))
        same = _next_same(stances, k)
        if same is not None:
            w = slice(int(np.ceil(st.ic)), int(np.floor(same.ic)) + 1)
            arm = d.upper_arm_angle_deg(sag[w, LM[f"{s}_shoulder"]], sag[w, LM[f"{s}_elbow"]])
            if np.isfinite(arm).sum() >= 3:
                per["swing"][s].append(float(np.nanmax(arm) - np.nanmin(arm)))
            elbow = d.joint_flexion_deg(sag[w, LM[f"{s}_shoulder"]], sag[w, LM[f"{s}_elbow"]],
                                        sag[w, LM[f"{s}_wrist"]])
            per["elbow"][s].append(float(np.nanmean(elbow)) if np.isfinite(elbow).any()
                                   else np.nan)
    # No leg ever seen (NaN) or a degenerate one: no cm scale rather than a NaN one.
    scale_cm = (LEG_FRACTION_OF_HEIGHT * height_cm / leg_px) if (
        height_cm and np.isfinite(leg_px) and leg_px > 0) else None
    osc_unit = "cm" if scale_cm else "% leg length"
    osc_vals = {s: [v * scale_cm if scale_cm else 100 * v / leg_px for v in per["osc"][s]]
                for s in SIDES}
    conf = lambda key: _side_conf(per[key], base, near)  # noqa: E731
    classes = {s: [d.strike_class(a) for a in per["foot"][s] if np.isfinite(a)]
               for s in SIDES}
    every = classes["left"] + classes["right"]
    counts = {c: every.count(c) for c in ("rearfoot", "midfoot", "forefoot")}
    metrics = {
        "trunk_lean_deg": Metric("trunk_lean_deg", float(np.nanmean(trunk))
                                 if np.isfinite(trunk).any() else None, "deg",
                                 base, SIDE, bool(np.isfinite(trunk).any()),
                                 from_sides("", "", per["trunk_step"], SIDE, base).per_side,
                                 {"at_ic": from_sides("", "", per["trunk_ic"], SIDE,
                                                      base).value,
                                  "sd": _finite(np.nanstd(trunk))
                                  if np.isfinite(trunk).any() else None}),
        "head_forward_deg": Metric("head_forward_deg", float(np.nanmean(head))
                                   if np.isfinite(head).any() else None, "deg", base, SIDE,
                                   bool(np.isfinite(head).any()),
                                   from_sides("", "", per["head_step"], SIDE, base).per_side,
                                   {"craniovertebral_deg": 90 - float(np.nanmean(head))
                                    if np.isfinite(head).any() else None,
                                    "relative_to_trunk_deg": _finite(np.nanmean(head - trunk))
                                    if np.isfinite(head - trunk).any() else None}),
        "foot_strike": from_sides(
            "foot_strike", "deg", per["foot"], SIDE, conf("foot"),
            pattern=max(counts, key=counts.get) if every else None, counts=counts,
            per_side_counts={s: {c: classes[s].count(c) for c in counts} for s in SIDES},
            cutoffs_deg={"altman_davis_2012": list(d.ALTMAN_DAVIS_CUTOFFS_DEG),
                         "mo_et_al": list(d.MO_CUTOFFS_DEG)},
            flat_foot_reference_deg=flat),
        "knee_flexion_ic_deg": from_sides("knee_flexion_ic_deg", "deg", per["knee_ic"], SIDE,
                                          conf("knee_ic")),
        "knee_flexion_peak_stance_deg": from_sides("knee_flexion_peak_stance_deg", "deg",
                                                   per["knee_peak"], SIDE, conf("knee_peak")),
        "hip_extension_to_deg": from_sides("hip_extension_to_deg", "deg", per["hip_ext_to"],
                                           SIDE, conf("hip_ext_to")),
        "overstride_pct": from_sides("overstride_pct", "% leg length", per["over"], SIDE,
                                     conf("over")),
        "shank_angle_deg": from_sides("shank_angle_deg", "deg", per["shank"], SIDE,
                                      conf("shank")),
        "vertical_oscillation": from_sides("vertical_oscillation", osc_unit, osc_vals, SIDE,
                                           conf("osc")),
        "arm_swing_deg": from_sides("arm_swing_deg", "deg", per["swing"], SIDE, conf("swing")),
        "elbow_angle_deg": from_sides("elbow_angle_deg", "deg", per["elbow"], SIDE,
                                      conf("elbow")),
        "arm_crossover": not_measurable("arm_crossover", "fraction of shoulder width", FRONTAL,
                                        "crossover is a frontal-plane measure: film from the "
                                        "front or back"),
    }
    frame_info = ground.to_dict() | {
                  "leg_length_px": _finite(leg_px, 1),
                  "cm_per_px": round(scale_cm, 4) if scale_cm else None}
    return metrics, {"per_side": per, "frame": frame_info}


def frontal_metrics(tracks: LandmarkTracks, view: str, stances: list[Stance],
                    base: float) -> dict[str, Metric]:
    """Arm crossover and lateral trunk lean (front and back views)."""
    fr = image_frontal(tracks, view)
    mid = lambda a, b: (fr[:, LM[a]] + fr[:, LM[b]]) / 2  # noqa: E731
    sh_mid, hip_mid = mid("left_shoulder", "right_shoulder"), mid("left_hip", "right_hip")
    midline = (sh_mid + hip_mid) / 2
    width = np.linalg.norm(fr[:, LM["left_shoulder"]] - fr[:, LM["right_shoulder"]], axis=-1)
    cross: dict[str, list[float]] = {s: [] for s in SIDES}
    for k, st in enumerate(stances):
        same = _next_same(stances, k)
        if same is None:
            continue
        w = slice(int(np.ceil(st.ic)), int(np.floor(same.ic)) + 1)
        for s in SIDES:
            f = d.crossover_fraction(fr[w, LM[f"{s}_wrist"], 0], midline[w, 0], width[w], s)
            if np.isfinite(f).any() and s == st.side:
                cross[s].append(float(np.nanmax(f)))
    pct = {s: [100.0 * float(v > 0) for v in cross[s]] for s in SIDES}
    lateral = d.trunk_lean_deg(hip_mid, sh_mid)
    crossing = from_sides("arm_crossover", "fraction of shoulder width", cross, FRONTAL,
                          _side_conf(cross, base, None))
    pct_metric = from_sides("", "%", pct, FRONTAL, 1.0)
    extra = dict(crossing.extra, pct_strides_crossing=pct_metric.value,
                 pct_strides_crossing_per_side={s: _finite(pct_metric.per_side[s].mean)
                                                for s in SIDES})
    crossing = Metric(crossing.key, crossing.value, crossing.unit, crossing.confidence,
                      crossing.valid_for_view, crossing.measurable, crossing.per_side, extra)
    return {
        "arm_crossover": crossing,
        "lateral_trunk_lean_deg": Metric("lateral_trunk_lean_deg",
                                         float(np.nanmean(lateral)) if np.isfinite(
                                             lateral).any() else None, "deg", base, FRONTAL,
                                         bool(np.isfinite(lateral).any())),
    }


def asymmetry(metrics: dict[str, Metric]) -> dict[str, dict[str, Any]]:
    """Symmetry index (Robinson 1987) of every bilateral metric; flagged above 10 %."""
    out = {}
    for name, key in d.SYMMETRY_SOURCES.items():
        m = metrics.get(key)
        if m is None or m.per_side is None or not m.measurable:
            continue
        left, right = m.per_side["left"].mean, m.per_side["right"].mean
        si = float(d.symmetry_index_pct(left, right)) if np.isfinite(left + right) else None
        out[name] = {"si_pct": None if si is None or not np.isfinite(si) else round(si, 2),
                     "left": None if not np.isfinite(left) else round(left, 3),
                     "right": None if not np.isfinite(right) else round(right, 3),
                     "flagged": bool(si is not None and np.isfinite(si) and si > SI_FLAG_PCT),
                     "confidence": round(m.confidence, 2)}
    return out
