"""Rendered runners of issue 14 through the real pose model: a small 480x360 clip whose
stance feet once gave a −21.9° ground line, and a forward-leaning forefoot runner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.synth.clip import ClipSpec, make_clip, truth_path
from gaitcheck.synth.params import GaitParams


def _run(tmp_path: Path, name: str, size: tuple[int, int] | None, **params) -> tuple[dict,
                                                                                     dict]:
    from gaitcheck.pipeline import AnalyzeOptions, run_video

    video = make_clip(tmp_path / f"{name}.mp4", ClipSpec(GaitParams(**params), size=size))["video"]
    report = run_video(video, AnalyzeOptions()).report
    return report, json.loads(truth_path(video).read_text())["metrics"]


@pytest.mark.slow
def test_small_clip_ground_and_trunk(tmp_path: Path) -> None:
    """`gaitcheck synth base.mp4 --duration 3 --size 480x360` (level camera)."""
    report, truth = _run(tmp_path, "base", (480, 360), duration_s=3.0)
    frame = report["analysis"]["frame"]
    assert frame["ground_applied"] and frame["ground_source"] != "feet"
    assert abs(frame["ground_angle_deg"]) <= 1.0
    assert report["metrics"]["trunk_lean_deg"]["value"] == pytest.approx(
        truth["trunk_lean_deg"]["value"], abs=3.0)
    assert report["metrics"]["head_forward_deg"]["value"] == pytest.approx(
        truth["head_forward_deg"]["value"], abs=3.0)


@pytest.fixture(scope="module")
def forward_lean_runner(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """`gaitcheck synth fore.mp4 --trunk-lean 12 --strike forefoot` (shortened)."""
    return _run(tmp_path_factory.mktemp("fore"), "fore", None, duration_s=5.0,
                trunk_lean_deg=12.0, strike="forefoot")


@pytest.mark.slow
def test_forward_lean_runner(forward_lean_runner: tuple[dict, dict]) -> None:
    report, truth = forward_lean_runner
    assert report["metrics"]["trunk_lean_deg"]["value"] == pytest.approx(12.0, abs=2.0)
    assert report["metrics"]["head_forward_deg"]["value"] == pytest.approx(
        truth["head_forward_deg"]["value"], abs=3.0)


@pytest.mark.slow
def test_forefoot_render_model_reads_the_flat_foot_toes_down(
        forward_lean_runner: tuple[dict, dict]) -> None:
    """Why the forefoot strike reads midfoot: the pose model reads the true −10° foot just
    before contact no lower than the true 0° flat foot at mid-stance, and the angle at
    contact is measured against that flat-foot reference."""
    report, truth = forward_lean_runner
    flat = report["metrics"]["foot_strike"]["flat_foot_reference_deg"]
    raw = [c["foot_angle_deg"] + flat[c["side"]] for c in report["events"]["contacts"]
           if c["foot_angle_deg"] is not None]
    true = truth["foot_strike"]["foot_angle_deg"]["value"]
    # Measured (heel → foot_index before the reference): at contact −6.8° on this 5 s
    # render and −6.7° on the 10 s one, against the true −10°; flat foot −8° on both
    # feet (clipped; −8.4/−9.0 unclipped on the 10 s render) against the true 0°.
    assert abs(np.mean(raw) - true) <= 4.5, raw
    assert max(flat.values()) <= -5.0, flat
    assert np.mean(raw) >= np.mean(list(flat.values())) - 1.0, (raw, flat)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 14: the pose model reads the flat foot ~8° "
                   "toes-down (see the test above); no reading of its landmarks tells a "
                   "−10° forefoot strike from a flat landing")
def test_forefoot_render_reads_forefoot(forward_lean_runner: tuple[dict, dict]) -> None:
    report, _ = forward_lean_runner
    assert report["metrics"]["foot_strike"]["pattern"] == "forefoot"
