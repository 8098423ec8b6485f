"""Legs: a prescribed foot on the ground in stance, joint-angle curves in swing, and
two-link inverse kinematics for the knee.

Sagittal quantities use world ``(x, y)`` = (forward, up) in the *overground* frame (the
caller shifts everything by ``−speed × t`` for a treadmill). Angles, all radians inside
this module:

* foot angle ``θ``: heel → foot_index line relative to the ground, toes up positive;
* thigh angle ``α``: hip → knee line from the downward vertical, knee forward positive;
* knee flexion ``κ``: 0 = straight; the shank angle (knee → ankle from the downward
  vertical, ankle forward positive) is ``ψ = α − κ``;
* ankle dorsiflexion ``β = θ − ψ``: 0 with the shank vertical and the foot flat.

Stance (IC → toe-off) follows the three rockers of Perry (1992): the foot rotates
about the heel (or, for a forefoot strike, about the toe) down to flat, stays flat,
then rotates about the toe to the toe-off angle. The contact point never slides, so
overground it is fixed and on a treadmill it moves back at exactly the belt speed. The
knee comes from inverse kinematics of the hip and ankle positions, so segment lengths
are exact and knee flexion at IC is set exactly by the hip-to-ankle distance.

Swing (toe-off → next IC) is driven by ``α``, ``κ`` and ``β`` curves shaped like
Novacheck (1998, running) and Perry (1992, walking) — knee flexion peaking in early to
mid swing, thigh flexion peaking late then retracting before contact — as cubic Hermite
splines that start with the stance values and rates at toe-off and end exactly on the
IC pose the next contact requires.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicHermiteSpline
from scipy.optimize import brentq

from gaitcheck.synth.anthropometry import Anthropometry
from gaitcheck.synth.chain import (
    chain_distance,
    foot_from_heel,
    heel_from_ankle,
    knee_ik,
    leg_angles,
    leg_fk,
)
from gaitcheck.synth.schedule import Steps

HipFn = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class LegStyle:
    """Activity-dependent shape of the leg curves (fractions of stance or swing; deg).

    Stance: foot flat at ``foot_flat`` of stance (end of the first rocker), heel-off at
    ``heel_off`` (earlier if the stance knee would otherwise extend beyond
    ``knee_min_deg``: the heel rises because the leg cannot lengthen); toe-off knee
    flexion ``knee_to_deg`` (the toe-off foot angle is solved for it, within
    ``toe_off_range_deg``).

    Swing (fractions ``s`` of swing time): knee flexion peak ``knee_peak_deg`` at
    ``knee_peak_s``, when the thigh has covered ``thigh_mid_frac`` of its way from
    toe-off to its peak, ``thigh_over_ic_deg`` above the IC value, at ``thigh_peak_s``;
    ankle dorsiflexion ``ankle_mid_deg`` at ``ankle_mid_s``; thigh retraction
    ``retraction_dps`` (deg/s) at IC; the foot at least ``clearance_m`` (at 1.75 m)
    × sin(π s) above the ground.
    """

    foot_flat: float
    heel_off: float
    knee_to_deg: float
    toe_off_range_deg: tuple[float, float]
    knee_peak_deg: float
    knee_peak_s: float
    thigh_mid_frac: float
    thigh_over_ic_deg: float
    thigh_peak_s: float
    ankle_mid_deg: float
    ankle_mid_s: float
    retraction_dps: float
    knee_min_deg: float
    clearance_m: float


def leg_style(activity: str, speed_mps: float) -> LegStyle:
    """Style for ``activity``; running swing knee flexion grows with speed (≈ 95° at
    3.3 m/s, Novacheck 1998)."""
    if activity == "run":
        return LegStyle(
            foot_flat=0.15, heel_off=0.45, knee_to_deg=22.0, toe_off_range_deg=(-70.0, -10.0),
            knee_peak_deg=float(np.clip(55.0 + 12.0 * speed_mps, 70.0, 130.0)),
            knee_peak_s=0.48, thigh_mid_frac=0.5, thigh_over_ic_deg=6.0, thigh_peak_s=0.78,
            ankle_mid_deg=6.0, ankle_mid_s=0.60, retraction_dps=60.0, knee_min_deg=10.0,
            clearance_m=0.04)
    return LegStyle(
        foot_flat=0.15, heel_off=0.55, knee_to_deg=38.0, toe_off_range_deg=(-70.0, -5.0),
        knee_peak_deg=62.0, knee_peak_s=0.30, thigh_mid_frac=0.6, thigh_over_ic_deg=3.0,
        thigh_peak_s=0.85, ankle_mid_deg=3.0, ankle_mid_s=0.50, retraction_dps=40.0,
        knee_min_deg=3.0, clearance_m=0.015)


@dataclass(frozen=True, eq=False)
class LegPlan:
    """Per-step foot placement (overground frame) and swing curves.

    Attributes
    ----------
    heel_x_ic, toe_x : numpy.ndarray, shape (K,)
        Heel x at IC and the x of the toe pivot of the stance, m.
    theta_ic, theta_to : numpy.ndarray, shape (K,)
        Foot angle at IC and at toe-off, rad.
    lane_z : numpy.ndarray, shape (K,)
        Lateral position of the foot line, m.
    heel_off : numpy.ndarray, shape (K,)
        Heel-off as a fraction of stance.
    swings : tuple
        For step ``k``: ``(α, κ, β)`` splines over the swing after its toe-off, in
        normalised swing time, or ``None`` for the last two steps.
    """

    heel_x_ic: np.ndarray
    toe_x: np.ndarray
    theta_ic: np.ndarray
    theta_to: np.ndarray
    lane_z: np.ndarray
    heel_off: np.ndarray
    swings: tuple
    style: LegStyle


def ic_placement(steps: Steps, body: Anthropometry, hip_x: np.ndarray, hip_z: np.ndarray,
                 lane_z: np.ndarray, overstride_m: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Foot placement at each IC and the hip height that placement requires.

    The heel is ``overstride_m`` ahead of the hip midpoint (``hip_x``), the foot at the
    strike angle with its lowest point (heel, or toe for a forefoot strike) on the
    ground, and the hip-ankle distance that of the requested knee flexion.

    Returns
    -------
    heel_x_ic, toe_x, hip_y : numpy.ndarray, shape (K,)
        Heel x at IC, x of the toe pivot (toe position once the foot is flat), and the
        hip-joint-centre height at IC, m.

    Raises
    ------
    ValueError
        The overstride is too long for the knee flexion (the hip would have to be below
        the ankle's reach).
    """
    theta = np.radians(steps.strike_deg)
    heel_x = hip_x + overstride_m
    heel_y = np.where(theta < 0, -body.foot_length * np.sin(theta), 0.0)
    heel = np.stack([heel_x, heel_y], axis=-1)
    ankle, toe = foot_from_heel(heel, theta, body)
    d = chain_distance(np.radians(steps.knee_ic_deg), body)
    rest = d**2 - (ankle[:, 0] - hip_x) ** 2 - (hip_z - lane_z) ** 2
    if np.any(rest <= 0):
        raise ValueError("overstride too long for the knee flexion at IC: the foot is out "
                         "of the leg's reach; lower overstride_pct or raise the knee flexion")
    # The toe pivot: where the toe touched (forefoot strike) or will touch once the foot
    # has turned flat about the heel.
    toe_x = np.where(theta < 0, toe[:, 0], heel_x + body.foot_length)
    return heel_x, toe_x, ankle[:, 1] + np.sqrt(rest)


def stance_foot(u: np.ndarray, k: int, plan: LegPlan,
                body: Anthropometry) -> tuple[np.ndarray, np.ndarray]:
    """Heel (N, 2) and foot angle (N,) of step ``k`` at stance fractions ``u`` in [0, 1].

    First rocker ``θ = θ_IC (1 − s)²`` (fast, like the foot slap, flat with zero rate);
    third rocker ``θ = θ_TO s²`` (accelerating plantarflexion up to toe-off).
    """
    st = plan.style
    th_ic, th_to = plan.theta_ic[k], plan.theta_to[k]
    ho = plan.heel_off[k]
    theta = np.zeros_like(u)
    first, third = u < st.foot_flat, u > ho
    theta[first] = th_ic * (1.0 - u[first] / st.foot_flat) ** 2
    theta[third] = th_to * ((u[third] - ho) / (1.0 - ho)) ** 2
    heel = np.stack([plan.toe_x[k] - body.foot_length * np.cos(theta),
                     -body.foot_length * np.sin(theta)], axis=-1)
    if th_ic >= 0:  # heel strike: the first rocker turns about the heel
        heel[first] = (plan.heel_x_ic[k], 0.0)
    return heel, theta


def solve_toe_off(steps: Steps, plan: LegPlan, body: Anthropometry,
                  hip_fn: HipFn) -> np.ndarray:
    """Toe-off foot angle per step (rad) giving the style's toe-off knee flexion, or the
    nearest end of the style's range when that flexion is out of reach."""
    st = plan.style
    lo, hi = np.radians(st.toe_off_range_deg)
    target = chain_distance(np.radians(st.knee_to_deg), body)
    out = np.empty(len(steps))
    for k in range(len(steps)):
        hip = hip_fn(np.array([steps.to[k]]), int(steps.side[k]))[0]
        toe = np.array([plan.toe_x[k], 0.0])

        def excess(th: float, hip: np.ndarray = hip, toe: np.ndarray = toe, k: int = k) -> float:
            heel = toe - body.foot_length * np.array([np.cos(th), np.sin(th)])
            ankle, _ = foot_from_heel(heel, np.asarray(th), body)
            return float(np.hypot(np.hypot(*(hip[:2] - ankle)), hip[2] - plan.lane_z[k])
                         - target)
        f_lo, f_hi = excess(lo), excess(hi)
        out[k] = lo if f_lo > 0 else hi if f_hi < 0 else brentq(excess, lo, hi, xtol=1e-12)
    return out


def _stance_reach(k: int, steps: Steps, plan: LegPlan, body: Anthropometry,
                  hip_fn: HipFn, u: np.ndarray) -> np.ndarray:
    """Hip-to-ankle distance (m) of the stance of step ``k`` at stance fractions ``u``."""
    heel, theta = stance_foot(u, k, plan, body)
    ankle, _ = foot_from_heel(heel, theta, body)
    hip = hip_fn(steps.ic[k] + u * (steps.to[k] - steps.ic[k]), int(steps.side[k]))
    return np.sqrt(np.sum((hip[:, :2] - ankle) ** 2, axis=-1) + (hip[:, 2] - plan.lane_z[k]) ** 2)


def fit_heel_off(steps: Steps, plan: LegPlan, body: Anthropometry,
                 hip_fn: HipFn) -> np.ndarray:
    """Heel-off per step (fraction of stance): the style's value, or earlier when the
    stance knee would otherwise have to straighten beyond ``knee_min_deg`` — the heel
    rises because the leg cannot lengthen any more, as in walking.

    Raises
    ------
    ValueError
        Even an immediate heel rise cannot keep the foot in reach: the body travels too
        far during contact for this overstride.
    """
    st = plan.style
    # A knee landing straighter than knee_min may stay that straight.
    limit = chain_distance(np.radians(np.minimum(st.knee_min_deg, steps.knee_ic_deg)), body)
    u = np.linspace(0.0, 1.0, 401)
    out = np.full(len(steps), st.heel_off)
    lo_bound = st.foot_flat + 0.02
    # The first two steps are margin more than a stride before the clip, where the
    # pelvis height is extrapolated: they keep the style's heel-off.
    for k in range(2, len(steps)):
        def fits(h: float, k: int = k) -> bool:
            trial = dataclasses.replace(plan, heel_off=np.where(np.arange(len(steps)) == k, h,
                                                                plan.heel_off))
            return bool(np.all(_stance_reach(k, steps, trial, body, hip_fn, u)
                               <= limit[k] * (1 + 1e-12)))
        if fits(st.heel_off):
            continue
        if not fits(lo_bound):
            d = _stance_reach(k, steps, dataclasses.replace(
                plan, heel_off=np.full(len(steps), lo_bound)), body, hip_fn, u)
            raise ValueError(
                f"the stance leg cannot reach the ground at {100 * u[np.argmax(d)]:.0f} % of "
                f"stance (needs {d.max():.3f} m, leg {body.thigh + body.shank:.3f} m): the "
                "body travels too far during contact; raise overstride_pct, or lower the "
                "contact time or speed")
        lo, hi = lo_bound, st.heel_off
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
        out[k] = lo
    return out


def _stance_angles(t: np.ndarray, k: int, steps: Steps, plan: LegPlan,
                   body: Anthropometry, hip_fn: HipFn) -> np.ndarray:
    """(α, κ, β) rows (N, 3) of the stance of step ``k`` at times ``t``."""
    u = (t - steps.ic[k]) / (steps.to[k] - steps.ic[k])
    heel, theta = stance_foot(u, k, plan, body)
    ankle, _ = foot_from_heel(heel, theta, body)
    alpha, knee = leg_angles(ankle - hip_fn(t, int(steps.side[k]))[:, :2], body)
    return np.stack([alpha, knee, theta - (alpha - knee)], axis=-1)


def _swing_ankle(s: np.ndarray, k: int, steps: Steps, curves: tuple, body: Anthropometry,
                 hip_fn: HipFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ankle (N, 2), foot angle (N,) and lowest foot point height (N,) of the swing after
    step ``k`` at normalised swing times ``s``, before any lift."""
    t = steps.to[k] + s * (steps.ic[k + 2] - steps.to[k])
    alpha, knee, beta = (f(s) for f in curves)
    ankle = hip_fn(t, int(steps.side[k]))[:, :2] + leg_fk(alpha, knee, body)
    theta = alpha - knee + beta
    heel = heel_from_ankle(ankle, theta, body)
    low = np.minimum(heel[:, 1], heel[:, 1] + body.foot_length * np.sin(theta))
    return ankle, theta, low


def plan_swings(steps: Steps, plan: LegPlan, body: Anthropometry, hip_fn: HipFn) -> tuple:
    """Swing curves for every step that has a following same-side IC.

    Returns, per step, ``(α, κ, β, lift)``: three splines of normalised swing time and
    the amplitude (m) of a ``lift × sin²(π s)`` raise of the ankle that keeps the foot at
    least ``clearance_m × sin(π s)`` above the ground (0 when the curves already do).
    """
    st = plan.style
    swings = []
    grid = np.linspace(0.0, 1.0, 201)
    for k in range(len(steps)):
        if k + 2 >= len(steps):
            swings.append(None)
            continue
        side, to, ic = int(steps.side[k]), steps.to[k], steps.ic[k + 2]
        dur = ic - to
        eps = 1e-6 * (to - steps.ic[k])
        a0, a1 = _stance_angles(np.array([to - eps, to]), k, steps, plan, body, hip_fn)
        rate0 = (a1 - a0) / eps * dur  # per unit of normalised swing time
        heel = np.array([plan.heel_x_ic[k + 2],
                         max(0.0, -body.foot_length * np.sin(plan.theta_ic[k + 2]))])
        ankle, _ = foot_from_heel(heel, np.asarray(plan.theta_ic[k + 2]), body)
        alpha_e, knee_e = leg_angles(ankle - hip_fn(np.array([ic]), side)[0, :2], body)
        beta_e = plan.theta_ic[k + 2] - (alpha_e - knee_e)
        retract = -np.radians(st.retraction_dps) * dur
        peak = alpha_e + np.radians(st.thigh_over_ic_deg)
        curves = (
            CubicHermiteSpline([0.0, st.knee_peak_s, st.thigh_peak_s, 1.0],
                               [a1[0], a1[0] + st.thigh_mid_frac * (peak - a1[0]), peak, alpha_e],
                               [rate0[0], (peak - a1[0]) / st.thigh_peak_s, 0.0, retract]),
            CubicHermiteSpline([0.0, st.knee_peak_s, 1.0],
                               [a1[1], np.radians(st.knee_peak_deg), knee_e],
                               [rate0[1], 0.0, 0.0]),
            CubicHermiteSpline([0.0, st.ankle_mid_s, 1.0],
                               [a1[2], np.radians(st.ankle_mid_deg), beta_e],
                               [rate0[2], 0.0, 0.0]))
        _, _, low = _swing_ankle(grid, k, steps, curves, body, hip_fn)
        bump = np.sin(np.pi * grid) ** 2
        need = st.clearance_m * body.scale * np.sin(np.pi * grid) - low
        inner = (grid > 0.1) & (grid < 0.9)
        lift = max(0.0, float(np.max(need[inner] / bump[inner])))
        swings.append((*curves, lift))
    return tuple(swings)


def leg_points(t: np.ndarray, side: int, steps: Steps, plan: LegPlan, body: Anthropometry,
               hip_fn: HipFn) -> dict[str, np.ndarray]:
    """Hip, knee, ankle, heel and foot_index (N, 3) of one leg, overground frame.

    In swing the ankle is raised by the smooth lift of :func:`plan_swings`, and never less
    than needed to keep the whole foot above the ground (a pointwise safety net that only
    acts by fractions of a millimetre right after toe-off and before IC); an ankle the
    curves would put out of the leg's reach is pulled in (:func:`knee_ik`).
    """
    t = np.asarray(t, dtype=np.float64)
    hip = hip_fn(t, side)
    ankle2 = np.full((len(t), 2), np.nan)
    theta = np.full(len(t), np.nan)
    lane = np.full(len(t), np.nan)
    for k in np.flatnonzero(steps.side == side):
        stance = (t >= steps.ic[k]) & (t < steps.to[k])
        if stance.any():
            u = (t[stance] - steps.ic[k]) / (steps.to[k] - steps.ic[k])
            heel, theta[stance] = stance_foot(u, k, plan, body)
            ankle2[stance], _ = foot_from_heel(heel, theta[stance], body)
            lane[stance] = plan.lane_z[k]
        if k + 2 >= len(steps):
            continue
        swing = (t >= steps.to[k]) & (t < steps.ic[k + 2])
        if swing.any():
            s = (t[swing] - steps.to[k]) / (steps.ic[k + 2] - steps.to[k])
            *curves, lift = plan.swings[k]
            ankle, theta[swing], low = _swing_ankle(s, k, steps, curves, body, hip_fn)
            raised = lift * np.sin(np.pi * s) ** 2
            ankle[:, 1] += np.maximum(raised, -low)
            ankle2[swing] = ankle
            lane[swing] = plan.lane_z[k] + s * (plan.lane_z[k + 2] - plan.lane_z[k])
    if np.isnan(lane).any():
        raise ValueError("time outside the planned steps")
    knee3, ankle3 = knee_ik(hip, np.column_stack([ankle2, lane]), body)
    heel = heel_from_ankle(ankle3[:, :2], theta, body)
    toe = heel + body.foot_length * np.stack([np.cos(theta), np.sin(theta)], axis=-1)
    return {"hip": hip, "knee": knee3, "ankle": ankle3,
            "heel": np.column_stack([heel, ankle3[:, 2]]),
            "foot_index": np.column_stack([toe, ankle3[:, 2]])}
