"""Rendered runners of issue 14 through the real pose model: a small 480x360 clip whose
stance feet once gave a −21.9° ground line, and a forward-leaning forefoot runner."""

from __future__ import annotations

import json
from pathlib import Path

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


@pytest.mark.slow
def test_forward_lean_runner(tmp_path: Path) -> None:
    """`gaitcheck synth fore.mp4 --trunk-lean 12 --strike forefoot` (shortened)."""
    report, truth = _run(tmp_path, "fore", None, duration_s=5.0, trunk_lean_deg=12.0,
                         strike="forefoot")
    assert report["metrics"]["trunk_lean_deg"]["value"] == pytest.approx(12.0, abs=2.0)
    assert report["metrics"]["head_forward_deg"]["value"] == pytest.approx(
        truth["head_forward_deg"]["value"], abs=3.0)
