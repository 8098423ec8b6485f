"""Ground truth of synthetic clips: self-consistent with the generating parameters."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.truth import truth_document


@pytest.fixture(scope="module")
def doc() -> dict:
    params = GaitParams(duration_s=8.0, cadence_spm=176, trunk_lean_deg=11.0,
                        head_forward_deg=24.0, strike="forefoot", knee_flexion_ic_deg=18.0,
                        overstride_pct=20.0, vertical_oscillation_cm=7.0,
                        asym_contact_time_pct=8.0, arm_crossover=0.12)
    motion = generate_motion(params)
    return truth_document(motion, camera_for_view("back"), "test")


def test_truth_metrics_equal_the_parameters(doc: dict) -> None:
    m = doc["metrics"]
    assert m["cadence_spm"]["value"] == pytest.approx(176.0, abs=0.01)
    assert m["trunk_lean_deg"]["value"] == pytest.approx(11.0, abs=1e-3)
    assert m["head_forward_deg"]["value"] == pytest.approx(24.0, abs=1e-3)
    assert m["head_forward_deg"]["craniovertebral_deg"] == pytest.approx(66.0, abs=1e-3)
    assert m["foot_strike"]["pattern"] == "forefoot"
    assert m["foot_strike"]["foot_angle_deg"]["value"] == pytest.approx(-10.0, abs=1e-3)
    assert m["knee_flexion_ic_deg"]["value"] == pytest.approx(18.0, abs=1e-3)
    assert m["overstride_pct"]["value"] == pytest.approx(20.0, abs=1e-3)
    assert m["vertical_oscillation_cm"]["value"] == pytest.approx(7.0, abs=0.02)
    assert m["asymmetry"]["contact_time"]["si_pct"] == pytest.approx(8.0, abs=0.01)
    assert m["asymmetry"]["step_time"]["si_pct"] == pytest.approx(0.0, abs=1e-6)
    assert m["arm_crossover"]["fraction"]["value"] == pytest.approx(0.12, abs=2e-3)
    assert m["arm_crossover"]["pct_strides_crossing"]["value"] == 100.0
    assert 40 < m["arm_swing_deg"]["value"] < 80


def test_truth_contacts_and_pixels(doc: dict) -> None:
    contacts = doc["contacts"]
    sides = [c["side"] for c in contacts]
    assert all(a != b for a, b in itertools.pairwise(sides))  # alternation
    assert all(c["strike"] == "forefoot" for c in contacts)
    for c in contacts:
        assert c["frame"] == pytest.approx(c["time_s"] * 30.0, abs=1e-3)
    px = np.array(doc["landmarks_px"])
    assert px.shape == (240, 33, 2)
    assert px[..., 0].min() > 0 and px[..., 0].max() < doc["camera"]["width"]
    assert px[..., 1].min() > 0 and px[..., 1].max() < doc["camera"]["height"]
