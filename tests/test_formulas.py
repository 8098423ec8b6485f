"""Metric formulas on geometry whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.metrics import formulas as d


def _unit(deg: float) -> np.ndarray:
    """A sagittal (forward, up) unit vector tilted ``deg`` forward of vertical."""
    return np.array([np.sin(np.radians(deg)), np.cos(np.radians(deg))])


@pytest.mark.parametrize("lean", [-10.0, 0.0, 7.5, 25.0])
def test_trunk_and_head_angles(lean: float) -> None:
    hip = np.array([0.3, 0.9])
    assert d.trunk_lean_deg(hip, hip + 0.5 * _unit(lean)) == pytest.approx(lean)
    assert d.head_forward_deg(hip, hip + 0.2 * _unit(lean)) == pytest.approx(lean)
    assert d.craniovertebral_deg(hip, hip + _unit(lean)) == pytest.approx(90 - lean)


def test_angles_broadcast_over_time() -> None:
    leans = np.linspace(-5, 20, 50)
    tips = np.stack([_unit(a) for a in leans])
    np.testing.assert_allclose(d.trunk_lean_deg(np.zeros((50, 2)), tips), leans)


def _joints(trunk: float, head: float, n: int = 40) -> tuple[np.ndarray, ...]:
    """Hip, shoulder-joint and tragus midpoints (T, 2) of a 1.75 m runner (segment
    proportions of :mod:`gaitcheck.synth.anthropometry`) bobbing up and down."""
    bob = np.stack([np.zeros(n), 0.04 * np.sin(np.linspace(0, 6, n))], axis=1)
    hip = np.array([0.0, 0.530 * 1.75]) + bob
    sh = hip + 0.270 * 1.75 * _unit(trunk)
    return hip, sh, sh + 0.126 * 1.75 * _unit(head)


@pytest.mark.parametrize(("trunk", "head"), [(0.0, 0.0), (8.0, 15.0), (12.0, 15.0),
                                             (8.0, 28.0), (3.0, 31.0), (15.0, 40.0)])
def test_head_posture_matches_the_joint_definition(trunk: float, head: float) -> None:
    """On joint centres the neck base lands next to the shoulder joint: the neck-base →
    tragus angle is the shoulder → tragus angle within 0.8° (measured −0.65…+0.38°; the
    neck base rises with the ear's height along the trunk, which a head flexed forward of
    the trunk lowers)."""
    hip, sh, ear = _joints(trunk, head)
    assert d.head_forward_deg(sh, ear) == pytest.approx(head)
    got = d.head_posture_deg(hip, sh, ear)
    np.testing.assert_allclose(got, head, atol=0.8)
    # Relative to the trunk the neck base moves the same way: the difference holds.
    np.testing.assert_allclose(got - d.trunk_posture_deg(hip, sh, ear), head - trunk,
                               atol=0.8)


@pytest.mark.parametrize(("trunk", "head"), [(8.0, 15.0), (12.0, 15.0), (8.0, 28.0)])
def test_landmark_corrections_cancel_the_mediapipe_offsets(trunk: float, head: float) -> None:
    """Landmarks carrying MediaPipe's measured offsets (ear ahead of the tragus, hips below
    the joint centres) and a hood lifting the shoulders by 15 % of torso length: the
    corrected head and trunk angles are those of the joints; uncorrected they are not."""
    hip, sh, ear = _joints(trunk, head)
    scale = float(np.median(np.linalg.norm(ear - hip, axis=1)))
    bias = d.LandmarkBias(d.MEDIAPIPE_EAR_BIAS, d.MEDIAPIPE_HIP_DROP)
    lm_ear = ear + np.array([d.MEDIAPIPE_EAR_BIAS * scale, 0.0])
    lm_hip = hip - np.array([0.0, d.MEDIAPIPE_HIP_DROP * scale])
    # The hood lifts the shoulder landmark along the trunk, off the joint.
    lm_sh = sh + 0.15 * 0.270 * 1.75 * _unit(trunk)
    np.testing.assert_allclose(d.head_posture_deg(lm_hip, lm_sh, lm_ear, bias), head, atol=0.5)
    np.testing.assert_allclose(d.trunk_posture_deg(lm_hip, lm_sh, lm_ear, bias), trunk,
                               atol=0.05)
    assert abs(np.mean(d.head_forward_deg(lm_sh, lm_ear)) - head) > 3.0
    assert np.mean(d.head_posture_deg(lm_hip, lm_sh, lm_ear)) > head + 3.0  # cheek: high
    assert np.mean(d.trunk_lean_deg(lm_hip, lm_sh)) < trunk - 0.15


def test_landmark_bias_only_for_mediapipe_tracks() -> None:
    mp = d.landmark_bias_for({"backend": "mediapipe-tasks"})
    assert (mp.ear_forward, mp.hip_drop) == (d.MEDIAPIPE_EAR_BIAS, d.MEDIAPIPE_HIP_DROP)
    assert d.landmark_bias_for({"backend": "synthetic"}) == d.LandmarkBias()
    assert d.landmark_bias_for({}) == d.LandmarkBias()
    assert d.ear_bias_for({"backend": "mediapipe"}) == d.MEDIAPIPE_EAR_BIAS


@pytest.mark.parametrize(("angle", "cls"), [(15, "rearfoot"), (8.01, "rearfoot"),
                                            (8.0, "midfoot"), (0, "midfoot"),
                                            (-1.6, "midfoot"), (-1.61, "forefoot"),
                                            (-12, "forefoot")])
def test_foot_angle_and_strike_class(angle: float, cls: str) -> None:
    heel = np.array([1.0, 0.02])
    toe = heel + 0.25 * np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    assert d.foot_angle_deg(heel, toe) == pytest.approx(angle)
    assert d.strike_class(d.foot_angle_deg(heel, toe)) == cls
    # A camera rolled by 5° tilts both the foot and the ground line: same foot angle.
    assert d.foot_angle_deg(heel, heel + 0.25 * np.array(
        [np.cos(np.radians(angle + 5)), np.sin(np.radians(angle + 5))]), 5.0) == pytest.approx(
        angle)


def test_mo_cutoffs_differ_near_the_boundary() -> None:
    assert d.strike_class(7.6) == "midfoot"
    assert d.strike_class(7.6, d.MO_CUTOFFS_DEG) == "rearfoot"


def test_knee_flexion_shank_and_overstride() -> None:
    hip, knee = np.array([0.0, 0.9]), np.array([0.1, 0.5])
    ankle = knee + 0.4 * np.array([np.sin(np.radians(30)), -np.cos(np.radians(30))])
    thigh_deg = np.degrees(np.arctan2(0.1, 0.4))  # thigh forward of vertical
    assert d.joint_flexion_deg(hip, knee, ankle) == pytest.approx(30 - thigh_deg)
    assert d.shank_angle_deg(knee, ankle) == pytest.approx(30.0)
    length = d.leg_length(hip, knee, ankle)
    assert length == pytest.approx(np.hypot(0.1, 0.4) + 0.4)
    assert d.overstride_pct(ankle[0], hip[0], length) == pytest.approx(
        100 * ankle[0] / length)


def test_cadence_symmetry_crossover_oscillation() -> None:
    ics = np.arange(0, 10, 60 / 170)  # 170 steps/min
    assert d.cadence_spm(ics) == pytest.approx(170.0)
    assert np.isnan(d.cadence_spm(ics[:1]))
    assert d.symmetry_index_pct(110.0, 90.0) == pytest.approx(20.0)
    assert d.symmetry_index_pct(100.0, 100.0) == 0.0
    assert d.crossover_fraction(0.05, 0.0, 0.4, "left") == pytest.approx(0.125)
    assert d.crossover_fraction(0.05, 0.0, 0.4, "right") == pytest.approx(-0.125)
    t = np.linspace(0, 1, 200)
    assert d.vertical_oscillation(0.9 + 0.04 * np.sin(2 * np.pi * t)) == pytest.approx(
        0.08, abs=1e-4)
