"""Forward kinematics of the synthetic runner: parameters → 33 true 3D landmarks.

The skeleton is driven in this order, each stage meeting its parameters exactly:

1. **Timing** (:mod:`~gaitcheck.synth.schedule`): initial contacts and toe-offs from
   cadence, contact time, asymmetries and the seeded variability.
2. **Foot placement** (:mod:`~gaitcheck.synth.legs`): at each IC the heel is
   ``overstride`` ahead of the hip midpoint, the foot at the strike angle with its lowest
   point on the ground, and the hip at the height that makes the knee flexion exact.
3. **Pelvis**: forward progression at ``speed`` (overground) or none (treadmill); the
   height passes through the IC heights with the requested vertical oscillation
   (:func:`~gaitcheck.synth.schedule.vertical_knots`); a small lateral sway towards the
   stance foot (1 cm running, 2 cm walking, at 1.75 m). The pelvis does not rotate, so
   each hip joint has the hip midpoint's x and y.
4. **Legs**: stance foot on the ground (three rockers), swing by joint-angle curves,
   knee by inverse kinematics.
5. **Trunk, head, arms** (:mod:`~gaitcheck.synth.upper_body`): constant trunk lean and
   head-forward angle (exact in every frame), arms opposite the legs with the requested
   crossover at each forward peak.

Everything is computed in the overground frame; a treadmill clip is the same motion
shifted back by ``speed × t``, so the stance foot moves back at exactly the belt speed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from gaitcheck.landmarks import LM, N_LANDMARKS
from gaitcheck.metrics.formulas import strike_class
from gaitcheck.sides import SIDES
from gaitcheck.synth import legs as lg
from gaitcheck.synth import upper_body as ub
from gaitcheck.synth.anthropometry import Anthropometry, anthropometry, body_shape
from gaitcheck.synth.motion import Contact, Motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.schedule import (
    LEFT,
    RIGHT,
    Steps,
    build_steps,
    halfcos_interp,
    signed_split,
    stride_phase,
    sway_knots,
    vertical_knots,
)

#: Lateral sway of the hip midpoint towards the stance foot, m at 1.75 m.
SWAY_M = {"run": 0.01, "walk": 0.02}


@dataclass(frozen=True, eq=False)
class GaitModel:
    """A planned gait that can be evaluated at any time inside the clip (and up to two
    strides beyond it).

    Attributes
    ----------
    params : GaitParams
    body : Anthropometry
    steps : Steps
        Every step of the plan, including the margin outside the clip.
    legs : LegPlan
    arms : ArmPlan
    height_knots, sway_knots : tuple of numpy.ndarray
        Knots (times, values) of the hip-midpoint height and lateral sway, m.
    """

    params: GaitParams
    body: Anthropometry
    steps: Steps
    legs: lg.LegPlan
    arms: ub.ArmPlan
    height_knots: tuple[np.ndarray, np.ndarray]
    sway_knots: tuple[np.ndarray, np.ndarray]

    def pelvis(self, t: np.ndarray) -> np.ndarray:
        """Hip midpoint (N, 3) in the overground frame, m."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        return np.column_stack([self.params.speed_mps * t, halfcos_interp(t, *self.height_knots),
                                halfcos_interp(t, *self.sway_knots)])

    def hip(self, t: np.ndarray, side: int) -> np.ndarray:
        """Hip joint centre of ``side`` (0 left, 1 right), (N, 3), overground frame."""
        offset = (1.0 if side == RIGHT else -1.0) * self.body.hip_half_width
        return self.pelvis(t) + np.array([0.0, 0.0, offset])

    def points(self, t: np.ndarray) -> np.ndarray:
        """The 33 landmarks (N, 33, 3) at times ``t`` (s) in the world frame (treadmill
        shift applied)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        p, out = self.params, np.empty((len(t), N_LANDMARKS, 3))
        for side, name in enumerate(SIDES):
            for part, xyz in lg.leg_points(t, side, self.steps, self.legs, self.body,
                                           self.hip).items():
                out[:, LM[f"{name}_{part}"]] = xyz
        phases = [stride_phase(t, self.steps, s) for s in (LEFT, RIGHT)]
        rot = ub.thorax_rotation(*phases, self.arms.style)
        pelvis = self.pelvis(t)
        mid, up, right, forward = ub.trunk(pelvis, p.trunk_lean_deg, rot, self.body)
        for name, xyz in ub.head_points(mid, p.head_forward_deg, self.body).items():
            out[:, LM[name]] = xyz
        for side, name in enumerate(SIDES):
            sign = 1 if side == RIGHT else -1
            shoulder = mid + sign * self.body.shoulder_half_width * right
            out[:, LM[f"{name}_shoulder"]] = shoulder
            arm = ub.arm_points(shoulder, up, forward, right, sign,
                                *ub.arm_angles(phases[side], side, self.arms), self.body)
            for part, xyz in arm.items():
                out[:, LM[f"{name}_{part}"]] = xyz
        if p.setting == "treadmill":
            out[:, :, 0] -= p.speed_mps * t[:, None]
        return out

    def contacts(self, t0: float, t1: float) -> tuple[Contact, ...]:
        """Stances whose IC lies in ``[t0, t1]``, in time order."""
        s = self.steps
        return tuple(
            Contact(side=SIDES[s.side[k]], ic_s=float(s.ic[k]), to_s=float(s.to[k]),
                    foot_angle_deg=float(s.strike_deg[k]),
                    strike=strike_class(float(s.strike_deg[k])))
            for k in range(len(s)) if t0 <= s.ic[k] <= t1)


def build_model(params: GaitParams) -> GaitModel:
    """Plan the gait described by ``params``.

    Raises
    ------
    ValueError
        Parameters that no leg of this size can perform (see the messages: overstride
        too long or too short for the contact, crossover out of reach, ...).
    """
    body = anthropometry(params.body_height_m, params.proportions)
    steps = build_steps(params, np.random.default_rng(params.seed))
    sway = sway_knots(steps, SWAY_M[params.activity] * body.scale)
    side_sign = np.where(steps.side == RIGHT, 1.0, -1.0)
    lane = side_sign * params.step_width_m / 2.0
    hip_z = halfcos_interp(steps.ic, *sway) + side_sign * body.hip_half_width
    heel_x, toe_x, hip_y = lg.ic_placement(steps, body, params.speed_mps * steps.ic, hip_z,
                                           lane, params.overstride_pct / 100 * body.leg_length)
    height = vertical_knots(steps, hip_y, params.vertical_oscillation_cm / 100.0,
                            params.activity)
    style = lg.leg_style(params.activity, params.speed_mps)
    plan = lg.LegPlan(heel_x_ic=heel_x, toe_x=toe_x, theta_ic=np.radians(steps.strike_deg),
                      theta_to=np.zeros(len(steps)), lane_z=lane, swings=(), style=style,
                      heel_off=np.full(len(steps), style.heel_off))
    model = GaitModel(params=params, body=body, steps=steps, legs=plan,
                      arms=_arm_plan(params, body), height_knots=height, sway_knots=sway)
    plan = dataclasses.replace(plan, theta_to=lg.solve_toe_off(steps, plan, body, model.hip))
    plan = dataclasses.replace(plan, heel_off=lg.fit_heel_off(steps, plan, body, model.hip))
    plan = dataclasses.replace(plan, swings=lg.plan_swings(steps, plan, body, model.hip))
    return dataclasses.replace(model, legs=plan)


def _arm_plan(params: GaitParams, body: Anthropometry) -> ub.ArmPlan:
    style = ub.ARM_STYLES[params.activity]
    swing = tuple(np.radians(signed_split(params.arm_swing_deg, params.asym_arm_swing_pct)))
    elbow = float(np.radians(params.elbow_flexion_deg))
    if params.arm_crossover is None:
        medial = (np.radians(style.natural_medial_deg),) * 2
    else:
        medial = tuple(ub.solve_medial_peak(params.arm_crossover, side, swing[side], elbow,
                                            params.trunk_lean_deg, style, body)
                       for side in (LEFT, RIGHT))
    return ub.ArmPlan(swing=(float(swing[0]), float(swing[1])),
                      medial_peak=(float(medial[0]), float(medial[1])), elbow=elbow, style=style)


def generate_motion(params: GaitParams) -> Motion:
    """True 3D motion of the subject over the clip.

    Parameters
    ----------
    params : GaitParams

    Returns
    -------
    Motion
        ``time_s = arange(n_frames) / fps``; ``points`` (T, 33, 3) in metres, world frame
        (x forward, y up, z right); ``contacts`` every stance whose IC is inside the clip
        (``0 ≤ ic ≤`` last frame time) with its exact IC/TO times and foot angle at IC;
        ``body`` the renderer's dimensions; ``params`` = ``params.to_dict()``.
    """
    model = build_model(params)
    t = np.arange(params.n_frames) / params.fps
    return Motion(time_s=t, points=model.points(t), contacts=model.contacts(0.0, float(t[-1])),
                  body=body_shape(model.body), params=params.to_dict())


def landmarks_at(params: GaitParams | dict, t: np.ndarray) -> np.ndarray:
    """True landmarks (N, 33, 3) at arbitrary times ``t`` (s), e.g. the exact IC times
    of :attr:`Motion.contacts`, which fall between frames.

    Interpolating ``Motion.points`` at an IC is not exact: the foot turns flat within
    ≈ 40 ms of a heel strike, so at 30 fps a linear interpolation misses the foot angle
    by up to ≈ 5°. ``params`` may be ``Motion.params``.
    """
    if isinstance(params, dict):
        params = GaitParams.from_dict(params)
    return build_model(params).points(np.asarray(t, dtype=np.float64))

