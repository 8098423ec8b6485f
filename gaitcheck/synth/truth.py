"""Ground truth of a synthetic clip, computed with the shared metric definitions.

Everything here is measured on the true 3D landmarks and the generated contacts, with
the same functions the analyzers use (:mod:`gaitcheck.metrics.formulas`), so an
analyzer's error is its own and not a difference of definition. Values at initial
contact use the model's exact pose at the contact instant (contacts fall between
frames and the foot turns flat within ~40 ms of a heel strike); per-step excursions
use the model sampled at 1 kHz, so frame sampling does not bias the truth. Sagittal pairs are
world ``(x, y)`` = (forward, up); frontal pairs are world ``(z, y)`` = (right, up).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics import formulas as d
from gaitcheck.metrics.definitions import SYMMETRY_INDICES
from gaitcheck.sides import SIDES
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.kinematics import build_model
from gaitcheck.synth.motion import Contact, Motion
from gaitcheck.synth.params import GaitParams

TRUTH_FORMAT = "gaitcheck-synth-truth/1"
DENSE_DT_S = 1e-3


class _Exact:
    """The generating model, evaluated at any instant."""

    def __init__(self, motion: Motion) -> None:
        self._model = build_model(GaitParams.from_dict(motion.params))

    def at(self, t: float) -> np.ndarray:
        """Landmarks (33, 3) at time ``t``."""
        return self._model.points(np.array([t]))[0]

    def span(self, t0: float, t1: float) -> np.ndarray:
        """Landmarks (N, 33, 3) every millisecond in [t0, t1)."""
        return self._model.points(np.arange(t0, t1, DENSE_DT_S))


def _mid(points: np.ndarray, a: str, b: str) -> np.ndarray:
    return (points[..., LM[a], :] + points[..., LM[b], :]) / 2.0


def _sag(p: np.ndarray) -> np.ndarray:
    return p[..., [0, 1]]


def _summary(values: dict[str, list[float]], ndigits: int = 3) -> dict[str, Any]:
    """Mean over all values and per side; NaN-free lists only."""
    both = [v for side in SIDES for v in values.get(side, [])]
    return {
        "value": round(float(np.mean(both)), ndigits) if both else None,
        "per_side": {s: round(float(np.mean(values[s])), ndigits) if values.get(s) else None
                     for s in SIDES},
    }


def _per_contact(motion: Motion, exact: _Exact) -> list[dict[str, Any]]:
    """Event-based values for every contact, from the true landmarks."""
    pts = motion.points
    lengths = {s: float(np.median(d.leg_length(pts[:, LM[f"{s}_hip"]], pts[:, LM[f"{s}_knee"]],
                                               pts[:, LM[f"{s}_ankle"]]))) for s in SIDES}
    contacts = sorted(motion.contacts, key=lambda c: c.ic_s)
    rows = []
    for i, c in enumerate(contacts):
        p, q = exact.at(c.ic_s), exact.at(c.to_s)
        stance = exact.span(c.ic_s, c.to_s)
        s = c.side
        hip_mid = _mid(p, "left_hip", "right_hip")
        nxt = contacts[i + 1] if i + 1 < len(contacts) else None
        prev = contacts[i - 1] if i > 0 else None
        same_next = next((k for k in contacts[i + 1:] if k.side == s), None)
        rows.append({
            "side": s,
            "ic_s": c.ic_s,
            "to_s": c.to_s,
            "foot_angle_deg": float(d.foot_angle_deg(_sag(p[LM[f"{s}_heel"]]),
                                                     _sag(p[LM[f"{s}_foot_index"]]))),
            "knee_flexion_ic_deg": float(d.joint_flexion_deg(
                p[LM[f"{s}_hip"]], p[LM[f"{s}_knee"]], p[LM[f"{s}_ankle"]])),
            "shank_angle_deg": float(d.shank_angle_deg(_sag(p[LM[f"{s}_knee"]]),
                                                       _sag(p[LM[f"{s}_ankle"]]))),
            "overstride_pct": float(d.overstride_pct(p[LM[f"{s}_heel"], 0], hip_mid[0],
                                                     lengths[s])),
            "knee_flexion_peak_stance_deg": float(np.max(d.joint_flexion_deg(
                *(stance[:, LM[f"{s}_{j}"]] for j in ("hip", "knee", "ankle"))))),
            "hip_extension_to_deg": float(d.hip_extension_deg(
                _sag(_mid(q, "left_hip", "right_hip")),
                _sag(_mid(q, "left_shoulder", "right_shoulder")),
                _sag(q[LM[f"{s}_hip"]]), _sag(q[LM[f"{s}_knee"]]))),
            "contact_ms": 1000.0 * (c.to_s - c.ic_s),
            "flight_ms": 1000.0 * (nxt.ic_s - c.to_s) if nxt else None,
            "step_ms": 1000.0 * (c.ic_s - prev.ic_s) if prev else None,
            "stride_ms": 1000.0 * (same_next.ic_s - c.ic_s) if same_next else None,
            "next_ic_s": nxt.ic_s if nxt else None,
        })
    return rows


def _step_oscillation(exact: _Exact, rows: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Hip-midpoint vertical excursion (m) over each step, keyed by the stance side."""
    out: dict[str, list[float]] = {s: [] for s in SIDES}
    for r in rows:
        if r["next_ic_s"] is not None:
            hip_up = _mid(exact.span(r["ic_s"], r["next_ic_s"]), "left_hip", "right_hip")[:, 1]
            out[r["side"]].append(d.vertical_oscillation(hip_up))
    return out


def _arms(exact: _Exact, rows: list[dict[str, Any]]) -> tuple[dict, dict, dict, dict]:
    """Per-stride arm swing (deg), crossover fraction, whether it crossed, and mean elbow
    flexion (deg), per side."""
    swing: dict[str, list[float]] = {s: [] for s in SIDES}
    elbow: dict[str, list[float]] = {s: [] for s in SIDES}
    cross: dict[str, list[float]] = {s: [] for s in SIDES}
    for r in rows:
        if r["stride_ms"] is None:
            continue
        s = r["side"]
        pts = exact.span(r["ic_s"], r["ic_s"] + r["stride_ms"] / 1000.0)
        mid = (_mid(pts, "left_shoulder", "right_shoulder") + _mid(pts, "left_hip",
                                                                   "right_hip")) / 2
        width = np.linalg.norm(pts[:, LM["left_shoulder"]] - pts[:, LM["right_shoulder"]],
                               axis=-1)
        angle = d.upper_arm_angle_deg(_sag(pts[:, LM[f"{s}_shoulder"]]),
                                      _sag(pts[:, LM[f"{s}_elbow"]]))
        swing[s].append(float(np.ptp(angle)))
        elbow[s].append(float(np.mean(d.joint_flexion_deg(
            *(pts[:, LM[f"{s}_{j}"]] for j in ("shoulder", "elbow", "wrist"))))))
        frac = d.crossover_fraction(pts[:, LM[f"{s}_wrist"], 2], mid[:, 2], width, s)
        cross[s].append(float(np.max(frac)))
    crossed = {s: [float(v > 0) for v in cross[s]] for s in SIDES}
    return swing, cross, crossed, elbow


def true_metrics(motion: Motion) -> dict[str, Any]:
    """The true value of every metric for ``motion``.

    Returns
    -------
    dict
        Keyed like ``report.json`` ``metrics``; each entry has ``value`` and, where it
        applies, ``per_side``. Angles in degrees, times in ms, cadence in steps/min.
    """
    exact = _Exact(motion)
    rows = _per_contact(motion, exact)
    by_side = {key: {s: [r[key] for r in rows if r["side"] == s and r[key] is not None]
                     for s in SIDES}
               for key in ("foot_angle_deg", "knee_flexion_ic_deg", "shank_angle_deg",
                           "overstride_pct", "contact_ms", "flight_ms", "step_ms",
                           "knee_flexion_peak_stance_deg", "hip_extension_to_deg")}
    pts = motion.points
    hip_mid, shoulder_mid = _mid(pts, "left_hip", "right_hip"), _mid(
        pts, "left_shoulder", "right_shoulder")
    ear_mid = _mid(pts, "left_ear", "right_ear")
    trunk = d.trunk_lean_deg(_sag(hip_mid), _sag(shoulder_mid))
    head = d.head_forward_deg(_sag(shoulder_mid), _sag(ear_mid))
    lateral = d.trunk_lean_deg(hip_mid[:, [2, 1]], shoulder_mid[:, [2, 1]])
    osc = _step_oscillation(exact, rows)
    swing, cross, crossed, elbow = _arms(exact, rows)
    strides = [r["stride_ms"] for r in rows if r["stride_ms"]]
    contact_all = [r["contact_ms"] for r in rows]
    leg = float(np.median(d.leg_length(pts[:, LM["left_hip"]], pts[:, LM["left_knee"]],
                                       pts[:, LM["left_ankle"]])))
    osc_cm = {s: [100 * v for v in osc[s]] for s in SIDES}
    classes = [d.strike_class(r["foot_angle_deg"]) for r in rows]
    metrics: dict[str, Any] = {
        "cadence_spm": {"value": round(d.cadence_spm([r["ic_s"] for r in rows]), 3)},
        "step_time_ms": _summary(by_side["step_ms"]),
        "ground_contact_ms": _summary(by_side["contact_ms"]),
        "flight_ms": _summary(by_side["flight_ms"]),
        "duty_factor_pct": {"value": round(100 * float(np.mean(contact_all))
                                           / float(np.mean(strides)), 3) if strides else None},
        "trunk_lean_deg": {"value": round(float(np.mean(trunk)), 3),
                           "at_ic": round(float(np.mean(np.interp(
                               [r["ic_s"] for r in rows], motion.time_s, trunk))), 3)
                           if rows else None},
        "lateral_trunk_lean_deg": {"value": round(float(np.mean(lateral)), 3)},
        "head_forward_deg": {"value": round(float(np.mean(head)), 3),
                             "craniovertebral_deg": round(90 - float(np.mean(head)), 3)},
        "foot_strike": {"pattern": max(set(classes), key=classes.count) if classes else None,
                        "counts": {c: classes.count(c) for c in sorted(set(classes))},
                        "foot_angle_deg": _summary(by_side["foot_angle_deg"])},
        "knee_flexion_ic_deg": _summary(by_side["knee_flexion_ic_deg"]),
        "knee_flexion_peak_stance_deg": _summary(by_side["knee_flexion_peak_stance_deg"]),
        "hip_extension_to_deg": _summary(by_side["hip_extension_to_deg"]),
        "shank_angle_deg": _summary(by_side["shank_angle_deg"]),
        "overstride_pct": _summary(by_side["overstride_pct"]),
        "vertical_oscillation_cm": _summary(osc_cm),
        "vertical_oscillation_pct_leg": {"value": round(100 * float(np.mean(
            [v for s in SIDES for v in osc[s]])) / leg, 3) if any(osc.values()) else None},
        "arm_swing_deg": _summary(swing),
        "elbow_angle_deg": _summary(elbow),
        "arm_crossover": {"fraction": _summary(cross),
                          "pct_strides_crossing": _summary(
                              {s: [100 * v for v in crossed[s]] for s in SIDES})},
    }
    # Per-side values of the metrics the symmetry indices compare (registry table).
    sided = {"step_time_ms": by_side["step_ms"], "ground_contact_ms": by_side["contact_ms"],
             "flight_ms": by_side["flight_ms"],
             "knee_flexion_ic_deg": by_side["knee_flexion_ic_deg"],
             "foot_strike": by_side["foot_angle_deg"], "arm_swing_deg": swing,
             "vertical_oscillation": osc, "arm_crossover": cross}
    metrics["asymmetry"] = {
        si.name: {"si_pct": round(float(d.symmetry_index_pct(
            np.mean(v["left"]), np.mean(v["right"]))), 3) if v["left"] and v["right"] else None}
        for si in SYMMETRY_INDICES if (v := sided.get(si.metric)) is not None}
    return metrics


def _contact_dict(c: Contact, fps: float) -> dict[str, Any]:
    return {"side": c.side, "time_s": round(c.ic_s, 5), "frame": round(c.ic_s * fps, 3),
            "toe_off_s": round(c.to_s, 5), "foot_angle_deg": round(c.foot_angle_deg, 3),
            "strike": c.strike}


def truth_document(motion: Motion, camera: Camera, name: str) -> dict[str, Any]:
    """The ``*.truth.json`` content for a clip of ``motion`` seen by ``camera``.

    Holds the generating parameters, the camera, every contact, the per-frame true
    landmark positions in pixels (``[u, v]`` per landmark, image x right, y down), and
    the true value of every metric (:func:`true_metrics`).
    """
    px = camera.project(motion.points)[..., :2]
    return {
        "format": TRUTH_FORMAT,
        "name": name,
        "params": motion.params,
        "camera": {"view": camera.view, "width": camera.width, "height": camera.height,
                   "fps": camera.fps, "focal_px": round(camera.focal_px, 4),
                   "centre_m": [round(float(v), 4) for v in camera.centre_m]},
        "body_height_m": motion.body.height_m,
        "contacts": [_contact_dict(c, camera.fps) for c in sorted(motion.contacts,
                                                                  key=lambda c: c.ic_s)],
        "metrics": true_metrics(motion),
        "landmarks_px": np.round(px, 2).tolist(),
    }
