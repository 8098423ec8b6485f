"""The real pose model on rendered synthetic runners: coverage and landmark accuracy.

Acceptance (synthetic-runner issue): coverage ≥ 98 % in side, front and back views;
median hip, knee, ankle and shoulder error ≤ 3 % of body height in side view.
Full table: ``python benchmarks/synth_pose_accuracy.py``.
"""

from __future__ import annotations

import pytest

from gaitcheck.synth.clip import ClipSpec
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.validate import pose_accuracy

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("view", ["side-left", "side-right", "front", "back"])
def test_rendered_runner_is_detected_accurately(view: str) -> None:
    result = pose_accuracy(ClipSpec(GaitParams(duration_s=2.0, seed=7), view=view))
    assert result["frames"] == 60
    assert result["coverage"] >= 0.98
    if view.startswith("side"):
        for group in ("hips", "knees", "ankles", "shoulders"):
            assert result["groups"][group]["median_pct"] <= 3.0, (group, result["groups"])
