"""The formula of every gaitcheck metric, as pure functions over arrays.

The analyzers and the synthetic ground truth both compute metrics with these
functions, so a test compares like with like. Coordinates are *sagittal* pairs
``(forward, up)`` (last axis of size 2; forward = direction of travel) or *frontal*
pairs ``(lateral, up)`` (lateral positive to the subject's right), in any one length
unit. Angles are in degrees. Every function broadcasts over leading axes (time,
strides). :mod:`gaitcheck.metrics.definitions` holds the registry of the reported
metrics (landmarks, sign, unit, valid views, reference, display).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

ArrayLike = np.ndarray | float

#: Foot-strike cut-offs on the foot angle at initial contact, degrees: rearfoot above
#: the first, forefoot below the second, midfoot between (Altman & Davis 2012, Gait
#: Posture 35:298). Mo et al. proposed 7.4° / -0.8° from a different sample; kept here
#: for comparison.
ALTMAN_DAVIS_CUTOFFS_DEG = (8.0, -1.6)
MO_CUTOFFS_DEG = (7.4, -0.8)


def _xy(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    return a[..., 0], a[..., 1]


def angle_from_vertical_deg(base: np.ndarray, tip: np.ndarray) -> np.ndarray:
    """Angle of the ``base → tip`` line from the upward vertical, degrees.

    Positive when ``tip`` is ahead of ``base`` (forward lean for sagittal pairs; towards
    the subject's right for frontal pairs). 0 for a vertical line, ±90 horizontal.
    """
    bf, bu = _xy(base)
    tf, tu = _xy(tip)
    return np.degrees(np.arctan2(tf - bf, tu - bu))


def trunk_lean_deg(hip_mid: np.ndarray, shoulder_mid: np.ndarray) -> np.ndarray:
    """Trunk lean: hip-midpoint → shoulder-midpoint line from vertical, forward positive.

    Sagittal pairs give the forward lean; frontal pairs give the lateral lean
    (positive towards the subject's right).
    """
    return angle_from_vertical_deg(hip_mid, shoulder_mid)


def head_forward_deg(shoulder_mid: np.ndarray, ear_mid: np.ndarray) -> np.ndarray:
    """Head-forward angle: shoulder-midpoint → ear-midpoint line from vertical, degrees.

    Forward positive. With the shoulder joint centre standing in for C7 and the tragus
    for the ear this is the anatomical definition (the synthetic truth); from pose
    landmarks it is measured with :func:`head_posture_deg`.
    """
    return angle_from_vertical_deg(shoulder_mid, ear_mid)


#: Height of the neck base (stand-in for the shoulder joints / C7 level) along the trunk
#: line, as a fraction of the tragus' height above the hip joints along it. Segment
#: proportions (Drillis & Contini 1966, as tabulated by Winter 2009): hip joint 0.530,
#: shoulder 0.800 and tragus 0.926 of standing height give 0.68; the shared treadmill
#: clip's hand-marked joints give 0.70 (15 frames, SD 0.03). 0.70 is used.
NECK_BASE_FRACTION = 0.70
#: How far MediaPipe places its ear landmarks (their midpoint) in front of the tragus
#: midpoint, as a fraction of the hip → ear distance. The model places both ears beside
#: the visible one (the far ear is a guess; perspective would put it lower and further
#: back), and on a face it cannot read well on the jaw or cheek. What the correction must
#: cancel is ear error minus neck-base error, which varies from runner to runner: on the
#: shared clip, whose ear is plainly visible, 1.7 % of torso length (15 hand-marked
#: frames); on six rendered runners 1.5-5.1 %. 0.024 of hip → ear (≈ 3.5 % of torso)
#: zeroes the mean head error over these eight clips (0.023-0.025 as mirrored clips are
#: counted or not; ``benchmarks/posture_accuracy.py``). The issue's seven hand-marked
#: real runners put the ear landmark itself 5-6 % of torso ahead on six of them.
MEDIAPIPE_EAR_BIAS = 0.024
#: How far MediaPipe places its hip landmarks below the hip joint centres (greater
#: trochanter level), fraction of the hip → ear distance: 3.9 % of torso length on the
#: shared clip's hand-marked frames and 2.2-4.4 % on six rendered runners; 0.024 of
#: hip → ear ≈ 3.5 % of torso. (Their fore-aft offset is not corrected: +2-3 % of torso
#: on the renders but −4 % against the shared clip's marks.)
MEDIAPIPE_HIP_DROP = 0.024


@dataclass(frozen=True)
class LandmarkBias:
    """Known offsets of a pose model's landmarks from the anatomical points they stand for.

    Attributes
    ----------
    ear_forward : float
        Ear midpoint ahead of the tragus midpoint, fraction of the hip → ear distance.
    hip_drop : float
        Hip midpoint below the hip joint centres, fraction of the hip → ear distance.
    """

    ear_forward: float = 0.0
    hip_drop: float = 0.0


def landmark_bias_for(source: dict[str, Any]) -> LandmarkBias:
    """Return the landmark offsets to correct for tracks of ``source``.

    :data:`MEDIAPIPE_EAR_BIAS` and :data:`MEDIAPIPE_HIP_DROP` for MediaPipe tracks
    (``tracks.source["backend"]``); none for exact (synthetic) landmarks.
    """
    backend = str(source.get("backend", ""))
    if backend.startswith("mediapipe"):
        return LandmarkBias(MEDIAPIPE_EAR_BIAS, MEDIAPIPE_HIP_DROP)
    return LandmarkBias()


def ear_bias_for(source: dict[str, Any]) -> float:
    """Return the ear-landmark bias to correct for tracks of ``source``.

    The ear part of :func:`landmark_bias_for`.
    """
    return landmark_bias_for(source).ear_forward


def _hip_ear_scale(hip: np.ndarray, ear: np.ndarray) -> float:
    """Median hip → ear distance over the clip (0 when never seen).

    The length unit of the landmark corrections: a hood lifting the shoulders leaves it.
    """
    length = np.linalg.norm(ear - hip, axis=-1)
    return float(np.nanmedian(length)) if np.isfinite(length).any() else 0.0


def hip_joint_centre(hip_mid: np.ndarray, ear_mid: np.ndarray, hip_drop: float = 0.0
                     ) -> np.ndarray:
    """Hip-midpoint landmarks raised to the hip joint centres' level.

    Parameters
    ----------
    hip_mid, ear_mid : numpy.ndarray, (T, 2)
        Sagittal ``(forward, up)`` midpoints of the hip and ear landmarks.
    hip_drop : float
        How far the hip landmarks sit below the joint centres, fraction of the median
        hip → ear distance (see :func:`landmark_bias_for`).
    """
    hip, ear = (np.asarray(a, dtype=np.float64) for a in (hip_mid, ear_mid))
    if hip_drop == 0.0:
        return hip
    return hip + np.array([0.0, hip_drop * _hip_ear_scale(hip, ear)])


def trunk_posture_deg(hip_mid: np.ndarray, shoulder_mid: np.ndarray, ear_mid: np.ndarray,
                      bias: LandmarkBias | None = None) -> np.ndarray:
    """Trunk lean from pose landmarks: hip joint centres → shoulder midpoint, degrees.

    Forward positive: the quantity of :func:`trunk_lean_deg` with the hip landmarks raised
    to the joint centres by ``bias.hip_drop`` (a longer landmark trunk reads a smaller
    lean).

    Parameters
    ----------
    hip_mid, shoulder_mid, ear_mid : numpy.ndarray, (T, 2)
        Sagittal ``(forward, up)`` midpoints of the hip, shoulder and ear landmarks.
    bias : LandmarkBias, optional
        Landmark offsets to correct (:func:`landmark_bias_for`); none by default.
    """
    drop = bias.hip_drop if bias is not None else 0.0
    return trunk_lean_deg(hip_joint_centre(hip_mid, ear_mid, drop), shoulder_mid)


def head_posture_deg(hip_mid: np.ndarray, shoulder_mid: np.ndarray, ear_mid: np.ndarray,
                     ear_bias: float | LandmarkBias = 0.0) -> np.ndarray:
    """Head-forward angle from pose landmarks: neck base → ear line from vertical, degrees.

    Forward positive: the quantity of :func:`head_forward_deg` (shoulder joint centre →
    tragus), measured robustly. Two landmark errors would otherwise enter a shoulder →
    ear angle directly: the ear landmark sits in front of the tragus, and a hood, a cap
    or a raised arm lifts the shoulder landmark (by up to 15 % of torso length). So the
    ear is moved back by the ear bias × the median hip → ear distance (along the
    sagittal forward axis), the hips are raised to the joint centres, and the shoulder
    point is replaced by the neck base: the point of the hip → shoulder line at
    :data:`NECK_BASE_FRACTION` of the corrected ear's height along that line. The hips,
    the trunk's direction and the ear carry the measure; the shoulder landmark's height
    does not.

    Parameters
    ----------
    hip_mid, shoulder_mid, ear_mid : numpy.ndarray, (T, 2)
        Sagittal ``(forward, up)`` midpoints of the hip, shoulder and ear landmarks.
    ear_bias : float or LandmarkBias
        The landmark offsets to correct (:func:`landmark_bias_for`); a float is the ear's
        forward offset alone, fraction of the hip → ear distance.

    Returns
    -------
    numpy.ndarray, (T,)
        Angle per frame, degrees; NaN where a point is missing.
    """
    bias = ear_bias if isinstance(ear_bias, LandmarkBias) else LandmarkBias(float(ear_bias))
    hip, sh, ear = (np.asarray(a, dtype=np.float64) for a in (hip_mid, shoulder_mid, ear_mid))
    scale = _hip_ear_scale(hip, ear)
    hip = hip_joint_centre(hip, ear, bias.hip_drop)
    ear = ear - np.array([bias.ear_forward * scale, 0.0])
    trunk = sh - hip
    with np.errstate(invalid="ignore", divide="ignore"):
        u = trunk / np.linalg.norm(trunk, axis=-1, keepdims=True)
    height = np.sum((ear - hip) * u, axis=-1, keepdims=True)
    neck = hip + NECK_BASE_FRACTION * height * u
    return angle_from_vertical_deg(neck, ear)


def craniovertebral_deg(shoulder_mid: np.ndarray, ear_mid: np.ndarray) -> np.ndarray:
    """Craniovertebral-style angle: the head-forward line from the horizontal, degrees.

    ``90 - head_forward_deg``; smaller means a more forward head (clinical CVA uses
    C7 and the tragus, about 50° or more being typical upright posture).
    """
    return 90.0 - head_forward_deg(shoulder_mid, ear_mid)


def foot_angle_deg(heel: np.ndarray, toe: np.ndarray,
                   ground_angle_deg: ArrayLike = 0.0) -> np.ndarray:
    """Foot angle: the heel → foot_index line relative to the ground line, degrees.

    Toes-up positive.

    Parameters
    ----------
    heel, toe : numpy.ndarray, (..., 2)
        Sagittal ``(forward, up)`` positions of the heel and foot_index landmarks.
    ground_angle_deg : float or numpy.ndarray
        Inclination of the ground line in the same frame, degrees, positive when the
        ground rises forward (a tilted camera); 0 for level ground.

    Returns
    -------
    numpy.ndarray
        Foot angle, degrees, shape ``(...)``: positive toes up (heel lower than the
        foot_index), 0 parallel to the ground.
    """
    hf, hu = _xy(heel)
    tf, tu = _xy(toe)
    return np.degrees(np.arctan2(tu - hu, tf - hf)) - np.asarray(ground_angle_deg)


def strike_class(angle_deg: ArrayLike,
                 cutoffs: tuple[float, float] = ALTMAN_DAVIS_CUTOFFS_DEG) -> np.ndarray | str:
    """Foot-strike class of foot angles at initial contact.

    Returns ``"rearfoot"`` above ``cutoffs[0]``, ``"forefoot"`` below ``cutoffs[1]``,
    ``"midfoot"`` otherwise, and ``""`` for NaN: a ``str`` for a scalar angle, an array
    of ``str`` for an array.
    """
    a = np.asarray(angle_deg, dtype=np.float64)
    out = np.where(a > cutoffs[0], "rearfoot", np.where(a < cutoffs[1], "forefoot", "midfoot"))
    out = np.where(np.isnan(a), "", out)
    return str(out) if out.ndim == 0 else out


def joint_flexion_deg(proximal: np.ndarray, joint: np.ndarray,
                      distal: np.ndarray) -> np.ndarray:
    """Flexion at ``joint``, degrees: 180° minus the joint→proximal / joint→distal angle.

    0 = straight. Knee: hip, knee, ankle; elbow: shoulder, elbow, wrist. Works for 2D or
    3D points (unsigned).
    """
    p, j, d = (np.asarray(v, dtype=np.float64) for v in (proximal, joint, distal))
    a, b = p - j, d - j
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def upper_arm_angle_deg(shoulder: np.ndarray, elbow: np.ndarray) -> np.ndarray:
    """Upper-arm angle: shoulder → elbow line from the downward vertical, degrees.

    Forward (flexion) positive; arm swing is its peak-to-peak range over a stride.
    """
    sf, su = _xy(shoulder)
    ef, eu = _xy(elbow)
    return np.degrees(np.arctan2(ef - sf, su - eu))


def shank_angle_deg(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Shank angle: ankle → knee line from vertical, degrees.

    Positive when the ankle is ahead of the knee (the foot lands in front of the knee, a
    sign of overstriding).
    """
    return -angle_from_vertical_deg(ankle, knee)


def hip_extension_deg(hip_mid: np.ndarray, shoulder_mid: np.ndarray, hip: np.ndarray,
                      knee: np.ndarray) -> np.ndarray:
    """Hip extension: angle of the thigh (hip → knee) behind the trunk line, degrees.

    The trunk line runs from the shoulder midpoint to the hip midpoint, continued
    downward; sagittal pairs. Positive when the knee is behind that line (extension),
    negative in flexion.
    """
    trunk_down = np.asarray(hip_mid, dtype=np.float64) - np.asarray(shoulder_mid)
    thigh = np.asarray(knee, dtype=np.float64) - np.asarray(hip)
    return np.degrees(np.arctan2(trunk_down[..., 0], -trunk_down[..., 1])
                      - np.arctan2(thigh[..., 0], -thigh[..., 1]))


def overstride_pct(heel_forward: ArrayLike, hip_forward: ArrayLike,
                   leg_length: ArrayLike) -> np.ndarray:
    """Overstride: heel-ahead-of-hip distance at initial contact, % of leg length.

    Parameters
    ----------
    heel_forward, hip_forward : float or numpy.ndarray
        Forward coordinates of the contacting heel and of the hip midpoint at initial
        contact, any one length unit.
    leg_length : float or numpy.ndarray
        Hip→knee + knee→ankle (:func:`leg_length`), same unit.

    Returns
    -------
    numpy.ndarray
        Overstride, %; positive when the heel lands ahead of the hip.
    """
    return 100.0 * (np.asarray(heel_forward) - np.asarray(hip_forward)) / np.asarray(leg_length)


def leg_length(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Leg length: thigh (hip→knee) plus shank (knee→ankle) length, same unit as input."""
    hip, knee, ankle = (np.asarray(v, dtype=np.float64) for v in (hip, knee, ankle))
    return np.linalg.norm(knee - hip, axis=-1) + np.linalg.norm(ankle - knee, axis=-1)


def vertical_oscillation(up: np.ndarray) -> float:
    """Peak-to-trough vertical excursion of the hip midpoint over one step (same unit)."""
    up = np.asarray(up, dtype=np.float64)
    return float(np.nanmax(up) - np.nanmin(up))


def cadence_spm(ic_times_s: np.ndarray) -> float:
    """Cadence, steps/min, from the initial contacts of both feet.

    ``60 × (n − 1) / (t_last − t_first)`` over the ``n`` contact times ``ic_times_s``
    (s, sorted here). NaN with fewer than two contacts.
    """
    t = np.sort(np.asarray(ic_times_s, dtype=np.float64))
    if len(t) < 2 or t[-1] <= t[0]:
        return float("nan")
    return float(60.0 * (len(t) - 1) / (t[-1] - t[0]))


def symmetry_index_pct(left: ArrayLike, right: ArrayLike) -> np.ndarray:
    """Symmetry index SI = |L − R| / (0.5 (L + R)) × 100, %.

    Robinson et al. 1987, J Manipulative Physiol Ther 10:172. ``left`` and ``right`` are
    one metric's values for each side, same unit. 0 is perfect symmetry; NaN when
    L + R = 0.
    """
    left, right = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        si = np.abs(left - right) / (0.5 * (left + right)) * 100.0
    return np.where(left + right == 0, np.nan, si)


def crossover_fraction(wrist_lateral: ArrayLike, midline_lateral: ArrayLike,
                       shoulder_width: ArrayLike, side: str) -> np.ndarray:
    """Arm crossover: how far a wrist passes the body midline, fraction of shoulder width.

    Frontal plane; positive means it crossed.

    Parameters
    ----------
    wrist_lateral, midline_lateral : array_like
        Lateral coordinates (positive to the subject's right) of the wrist and of the
        body midline (shoulder/hip midpoint).
    shoulder_width : array_like
        Distance between the shoulders, same unit.
    side : {"left", "right"}
        Which wrist: the left wrist crosses towards the right, and vice versa.

    Returns
    -------
    numpy.ndarray
        Crossing distance over shoulder width (0 on the midline, 1 one shoulder width
        past it); negative while the wrist stays on its own side.
    """
    sign = 1.0 if side == "left" else -1.0
    return sign * (np.asarray(wrist_lateral) - np.asarray(midline_lateral)) / np.asarray(
        shoulder_width)
