"""Trunk, head and arms of the synthetic subject.

The trunk is a rigid line from the hip midpoint at a constant sagittal lean; the
shoulder girdle rotates about it in phase with the arms (thorax rotation), which leaves
the shoulder midpoint, and so the measured lean, unchanged. The head sits on the
shoulder midpoint at a constant forward angle, upright and looking ahead. Each arm is a
shoulder → elbow → wrist chain: flexion–extension of the upper arm relative to the trunk
in phase with the opposite leg, fixed abduction, elbow flexion, and a medial rotation of
the forearm about the upper arm that sweeps the wrist towards the midline at the peak
of the forward swing (this sets the crossover). World frame as in
:mod:`gaitcheck.synth.motion`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from gaitcheck.synth.anthropometry import FACE_OFFSETS_M, Anthropometry

UP = np.array([0.0, 1.0, 0.0])
#: Shoulder horizontal adduction per unit of medial forearm rotation.
ADDUCTION_SHARE = 0.4
RIGHT = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class ArmStyle:
    """Arm carriage (deg unless stated).

    ``peak_phase``: fraction of the ipsilateral stride (from its IC) at which the arm
    reaches its forward peak, i.e. about the contralateral IC. ``mean_flexion_deg``:
    centre of the shoulder flexion–extension range. ``elbow_swing_deg``: extra elbow
    flexion at the forward peak (minus at the back). ``abduction_deg``: elbow out from
    the trunk. ``medial_back_deg`` / ``natural_medial_deg``: medial forearm rotation at
    the back / forward peak when no crossover is requested. ``thorax_deg``: shoulder
    girdle rotation amplitude (right shoulder forward positive).
    """

    peak_phase: float
    mean_flexion_deg: float
    elbow_swing_deg: float
    abduction_deg: float
    medial_back_deg: float
    natural_medial_deg: float
    thorax_deg: float


ARM_STYLES = {
    "run": ArmStyle(0.55, -12.0, 5.0, 10.0, 5.0, 20.0, 8.0),
    "walk": ArmStyle(0.50, -4.0, 5.0, 6.0, 0.0, 5.0, 4.0),
}


def trunk(pelvis: np.ndarray, lean_deg: float, thorax_rad: np.ndarray, body: Anthropometry
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shoulder midpoint (N, 3) and the rotated trunk frame.

    Returns
    -------
    shoulder_mid : numpy.ndarray, (N, 3)
    up : numpy.ndarray, (3,)
        Trunk axis (hip midpoint → shoulder midpoint), unit.
    right, forward : numpy.ndarray, (N, 3)
        Shoulder-girdle axes after rotating by ``thorax_rad`` about ``up``.
    """
    lean = np.radians(lean_deg)
    up = np.array([np.sin(lean), np.cos(lean), 0.0])
    fwd0 = np.cross(up, RIGHT)  # forward, perpendicular to the trunk
    c, s = np.cos(thorax_rad)[:, None], np.sin(thorax_rad)[:, None]
    right = RIGHT * c + fwd0 * s
    forward = fwd0 * c - RIGHT * s
    return pelvis + body.trunk * up, up, right, forward


def head_points(shoulder_mid: np.ndarray, head_forward_deg: float,
                body: Anthropometry) -> dict[str, np.ndarray]:
    """Face landmarks (N, 3) of an upright head whose ear midpoint is ``neck_head`` from
    the shoulder midpoint at ``head_forward_deg`` from vertical (forward positive)."""
    a = np.radians(head_forward_deg)
    ear_mid = shoulder_mid + body.neck_head * np.array([np.sin(a), np.cos(a), 0.0])
    return {name: ear_mid + body.scale * np.asarray(off) for name, off in FACE_OFFSETS_M.items()}


def _rodrigues(v: np.ndarray, axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return v * c + np.cross(axis, v) * s + axis * np.sum(axis * v, -1, keepdims=True) * (1 - c)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def arm_points(shoulder: np.ndarray, up: np.ndarray, forward: np.ndarray, right: np.ndarray,
               sign: int, flexion: np.ndarray, elbow: np.ndarray, medial: np.ndarray,
               abduction: np.ndarray, body: Anthropometry) -> dict[str, np.ndarray]:
    """Elbow, wrist and hand landmarks (N, 3) of one arm.

    Parameters
    ----------
    shoulder : numpy.ndarray, (N, 3)
        Shoulder joint centre.
    up, forward, right : numpy.ndarray
        Trunk axis (3,) and shoulder-girdle axes (N, 3).
    sign : {-1, 1}
        −1 for the left arm, +1 for the right.
    flexion, elbow, medial : numpy.ndarray, (N,)
        Shoulder flexion relative to the trunk (forward positive), elbow flexion, and
        medial rotation of the forearm about the upper arm, rad.
    abduction : numpy.ndarray, (N,)
        Elbow away from the trunk (negative: across the front of it), rad.
    """
    outward = sign * right
    u = (-up * np.cos(flexion)[:, None] + forward * np.sin(flexion)[:, None])
    u = _unit(u * np.cos(abduction)[:, None] + outward * np.sin(abduction)[:, None])
    el = shoulder + body.upper_arm * u
    w = _unit(forward - np.sum(forward * u, -1, keepdims=True) * u)
    f0 = u * np.cos(elbow)[:, None] + w * np.sin(elbow)[:, None]
    # A positive rotation about u turns a forward-pointing forearm towards +z: medial for
    # the left arm, lateral for the right, hence the sign.
    f = _rodrigues(f0, u, -sign * medial)
    wr = el + body.forearm * f
    thumb_up = _unit((shoulder - el) - np.sum((shoulder - el) * f, -1, keepdims=True) * f)
    palm = np.cross(f, thumb_up)
    palm *= np.where(np.sum(palm * outward, -1, keepdims=True) > 0, -1.0, 1.0)  # palm inward
    h = body.hand
    return {"elbow": el, "wrist": wr,
            "index": wr + h * (0.45 * f + 0.12 * thumb_up),
            "pinky": wr + h * (0.40 * f - 0.18 * thumb_up),
            "thumb": wr + h * (0.30 * f + 0.25 * thumb_up + 0.08 * palm)}


@dataclass(frozen=True)
class ArmPlan:
    """Per-side arm amplitudes: swing (peak-to-peak shoulder flexion, rad) and medial
    forearm rotation at the forward peak (rad), index 0 = left, 1 = right."""

    swing: tuple[float, float]
    medial_peak: tuple[float, float]
    elbow: float
    style: ArmStyle


def arm_angles(phase: np.ndarray, side: int, plan: ArmPlan
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shoulder flexion, elbow flexion, medial rotation and abduction (rad) at stride
    ``phase``. The medial sweep is shared by the forearm (rotation about the upper arm)
    and the shoulder (horizontal adduction, :data:`ADDUCTION_SHARE` of it), as a runner
    crossing the arms brings the elbow in as well."""
    st = plan.style
    c = np.cos(2 * np.pi * (phase - st.peak_phase))
    flexion = np.radians(st.mean_flexion_deg) + 0.5 * plan.swing[side] * c
    elbow = plan.elbow + np.radians(st.elbow_swing_deg) * c
    back = np.radians(st.medial_back_deg)
    medial = back + (plan.medial_peak[side] - back) * 0.5 * (1 + c)
    return flexion, elbow, medial, _abduction(medial, st)


def _abduction(medial: np.ndarray, style: ArmStyle) -> np.ndarray:
    return np.radians(style.abduction_deg) - ADDUCTION_SHARE * (
        medial - np.radians(style.medial_back_deg))


def thorax_rotation(phase_left: np.ndarray, phase_right: np.ndarray,
                    style: ArmStyle) -> np.ndarray:
    """Shoulder-girdle rotation (rad, right shoulder forward positive), peaking with
    each arm's forward swing and stationary there."""
    p = style.peak_phase
    return np.radians(style.thorax_deg) * 0.5 * (np.cos(2 * np.pi * (phase_right - p))
                                                 - np.cos(2 * np.pi * (phase_left - p)))


def peak_crossover(medial: float, side: int, swing: float, elbow: float, lean_deg: float,
                   style: ArmStyle, body: Anthropometry) -> float:
    """Crossover fraction (past the midline / shoulder width, positive = crossed) of the
    wrist at the forward peak for a given medial rotation (rad)."""
    sign = 1 if side else -1
    pelvis = np.zeros((1, 3))
    rot = np.array([sign * np.radians(style.thorax_deg)])
    mid, up, right, forward = trunk(pelvis, lean_deg, rot, body)
    shoulder = mid + sign * body.shoulder_half_width * right
    one = np.ones(1)
    pts = arm_points(shoulder, up, forward, right, sign,
                     one * (np.radians(style.mean_flexion_deg) + 0.5 * swing),
                     one * (elbow + np.radians(style.elbow_swing_deg)), one * medial,
                     _abduction(one * medial, style), body)
    return float(-sign * pts["wrist"][0, 2] / (2 * body.shoulder_half_width))


def solve_medial_peak(target: float, side: int, swing: float, elbow: float, lean_deg: float,
                      style: ArmStyle, body: Anthropometry) -> float:
    """Medial sweep (forearm rotation, rad) that puts the wrist ``target`` × shoulder
    width past the midline at the forward peak.

    Raises
    ------
    ValueError
        The crossover cannot be reached by rotating the forearm (−40° to 150°).
    """
    # Aim a nanometre short so that 0 ("reaches the midline") never crosses it through
    # rounding.
    target = target - 1e-9
    grid = np.radians(np.arange(-40.0, 151.0, 2.0))
    vals = np.array([peak_crossover(m, side, swing, elbow, lean_deg, style, body) - target
                     for m in grid])
    idx = np.flatnonzero(np.diff(np.sign(vals)) != 0)
    if vals[0] == 0:
        return float(grid[0])
    if len(idx) == 0:
        reach = vals.max() + target
        raise ValueError(f"arm_crossover={target + 1e-9:g} is out of reach with this elbow "
                         f"flexion (the wrist can reach {reach:.2f} of shoulder width past "
                         "the midline); lower it or flex the elbow more")
    i = idx[0]
    return float(brentq(lambda m: peak_crossover(m, side, swing, elbow, lean_deg, style, body)
                        - target, grid[i], grid[i + 1], xtol=1e-12))
