"""Body dimensions of the synthetic subject from standing height.

Segment lengths are fixed fractions of standing height ``H`` after Drillis & Contini
(1966) as tabulated by Winter (2009, *Biomechanics and Motor Control of Human Movement*,
4th ed., fig. 4.1): hip-joint (greater trochanter) height 0.530 H, knee 0.285 H, ankle
0.039 H, foot length 0.152 H, upper arm 0.186 H, forearm 0.146 H, hand 0.108 H. A few
values the figure does not give are typical adult values expressed the same way: hip
joint centres ±0.0514 H from the midline (±0.09 m at 1.75 m, Bell et al. 1990 give
≈ 14 % of pelvic width inside the ASIS), shoulder joint centres ±0.095 H and 0.800 H
high (below the acromion at 0.818 H), the ear tragus at 0.926 H (just below eye level,
0.936 H). Face and hand landmarks are offsets of a 1.75 m adult scaled by ``H / 1.75``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from gaitcheck.synth.motion import BodyShape

#: Fractions of standing height; any of them can be overridden through
#: ``GaitParams.proportions``.
DEFAULT_PROPORTIONS: MappingProxyType[str, float] = MappingProxyType({
    "hip_height": 0.530,
    "knee_height": 0.285,
    "ankle_height": 0.039,
    "foot_length": 0.152,
    "heel_to_ankle": 0.038,  # back of the heel to the ankle joint centre, along the sole
    "shoulder_height": 0.800,
    "ear_height": 0.926,
    "hip_half_width": 0.0514,
    "shoulder_half_width": 0.095,
    "upper_arm": 0.186,
    "forearm": 0.146,
    "hand": 0.108,
})

#: Segment half-thicknesses as fractions of height (≈ circumference / 2π of adult
#: segments), for the renderer and the occlusion test.
RADII: MappingProxyType[str, float] = MappingProxyType({
    "thigh": 0.044, "shank": 0.030, "foot": 0.024, "upper_arm": 0.026, "forearm": 0.021,
    "hand": 0.017, "torso": 0.060, "pelvis": 0.052, "neck": 0.027, "head": 0.054,
    "shoulder": 0.031,
})

#: Face landmarks relative to the ear (tragus) midpoint of an upright head looking along
#: +x, metres for a 1.75 m adult: (forward, up, right).
FACE_OFFSETS_M: MappingProxyType[str, tuple[float, float, float]] = MappingProxyType({
    "nose": (0.110, -0.020, 0.0),
    "left_eye_inner": (0.090, 0.015, -0.016),
    "left_eye": (0.085, 0.017, -0.032),
    "left_eye_outer": (0.074, 0.015, -0.047),
    "right_eye_inner": (0.090, 0.015, 0.016),
    "right_eye": (0.085, 0.017, 0.032),
    "right_eye_outer": (0.074, 0.015, 0.047),
    "left_ear": (0.0, 0.0, -0.075),
    "right_ear": (0.0, 0.0, 0.075),
    "mouth_left": (0.090, -0.058, -0.024),
    "mouth_right": (0.090, -0.058, 0.024),
})
#: Centre of the head sphere relative to the ear midpoint (1.75 m adult), metres.
HEAD_CENTRE_M = (0.025, 0.030, 0.0)


@dataclass(frozen=True)
class Anthropometry:
    """Segment lengths of one subject, metres.

    Attributes
    ----------
    height : float
        Standing height (sole to vertex).
    thigh, shank : float
        Hip→knee and knee→ankle joint-centre distances.
    ankle_height : float
        Ankle joint centre above the sole with the foot flat.
    foot_length : float
        Back of the heel to the tip of the toes (``heel`` → ``foot_index``).
    heel_to_ankle : float
        Distance along the sole from the back of the heel to below the ankle centre.
    trunk : float
        Hip-joint midpoint → shoulder-joint midpoint.
    neck_head : float
        Shoulder-joint midpoint → ear midpoint.
    hip_half_width, shoulder_half_width : float
        Lateral distance of each hip / shoulder joint centre from the midline.
    upper_arm, forearm, hand : float
        Shoulder→elbow, elbow→wrist, wrist→fingertip.
    """

    height: float
    thigh: float
    shank: float
    ankle_height: float
    foot_length: float
    heel_to_ankle: float
    trunk: float
    neck_head: float
    hip_half_width: float
    shoulder_half_width: float
    upper_arm: float
    forearm: float
    hand: float

    @property
    def leg_length(self) -> float:
        """Thigh + shank, metres (the leg length of the overstride definition)."""
        return self.thigh + self.shank

    @property
    def scale(self) -> float:
        """Height relative to the 1.75 m reference adult."""
        return self.height / 1.75

    def ankle_in_foot(self) -> np.ndarray:
        """Ankle centre in the foot frame (origin at the heel, x along the sole towards
        the toes, y up from the sole), metres, shape (2,)."""
        return np.array([self.heel_to_ankle, self.ankle_height])


def anthropometry(height_m: float, overrides: dict[str, float] | None = None) -> Anthropometry:
    """Segment lengths for a subject of standing height ``height_m`` (metres).

    Parameters
    ----------
    height_m : float
        Standing height, metres.
    overrides : dict, optional
        Fractions of height replacing entries of :data:`DEFAULT_PROPORTIONS`.

    Raises
    ------
    ValueError
        Unknown names, or landmarks heights out of anatomical order.
    """
    p = dict(DEFAULT_PROPORTIONS)
    unknown = set(overrides or {}) - set(p)
    if unknown:
        raise ValueError(f"unknown proportions {sorted(unknown)}; known: {sorted(p)}")
    p.update(overrides or {})
    if not 0 < p["ankle_height"] < p["knee_height"] < p["hip_height"] < p["shoulder_height"] \
            < p["ear_height"] < 1:
        raise ValueError("proportions must satisfy 0 < ankle_height < knee_height < "
                         "hip_height < shoulder_height < ear_height < 1")
    if not p["heel_to_ankle"] < p["foot_length"]:
        raise ValueError("proportions: heel_to_ankle must be shorter than foot_length")
    h = float(height_m)
    return Anthropometry(
        height=h,
        thigh=(p["hip_height"] - p["knee_height"]) * h,
        shank=(p["knee_height"] - p["ankle_height"]) * h,
        ankle_height=p["ankle_height"] * h,
        foot_length=p["foot_length"] * h,
        heel_to_ankle=p["heel_to_ankle"] * h,
        trunk=(p["shoulder_height"] - p["hip_height"]) * h,
        neck_head=(p["ear_height"] - p["shoulder_height"]) * h,
        hip_half_width=p["hip_half_width"] * h,
        shoulder_half_width=p["shoulder_half_width"] * h,
        upper_arm=p["upper_arm"] * h,
        forearm=p["forearm"] * h,
        hand=p["hand"] * h,
    )


def body_shape(body: Anthropometry) -> BodyShape:
    """Renderer dimensions: height and segment half-thicknesses (:data:`RADII`)."""
    return BodyShape(height_m=body.height,
                     radii_m={k: round(v * body.height, 4) for k, v in RADII.items()})
