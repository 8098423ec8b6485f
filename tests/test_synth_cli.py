"""``gaitcheck synth``: video or tracks plus truth, errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.tracks import load_tracks
from gaitcheck.video import VideoReader

runner = CliRunner()


def test_landmarks_only_with_artefacts_then_reanalyse(tmp_path: Path) -> None:
    out = tmp_path / "clips" / "fore.mp4"
    result = runner.invoke(app, ["synth", str(out), "--landmarks-only", "--strike", "forefoot",
                                 "--view", "side-right", "--duration", "3",
                                 "--artefacts", "realistic", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert not out.exists()
    truth = json.loads((tmp_path / "clips" / "fore.truth.json").read_text())
    assert truth["params"]["strike"] == "forefoot" and truth["view"] == "side-right"
    assert truth["artefacts"]["jitter_rel"] > 0
    assert {c["strike"] for c in truth["contacts"]} == {"forefoot"}
    tracks = load_tracks(tmp_path / "clips" / "fore.landmarks.npz")
    assert tracks.n_frames == 90 and tracks.source["backend"] == "synthetic"
    again = runner.invoke(app, ["analyze", "--landmarks",
                                str(tmp_path / "clips" / "fore.landmarks.npz")])
    assert again.exit_code == 0, again.output


def test_video_with_truth(tmp_path: Path) -> None:
    out = tmp_path / "heel.mp4"
    result = runner.invoke(app, ["synth", str(out), "--trunk-lean", "12", "--duration", "1",
                                 "--size", "360x640", "--set", "step_time_cv=0.02"])
    assert result.exit_code == 0, result.output
    info = VideoReader(out).info
    assert (info.width, info.height, info.frame_count, info.codec) == (360, 640, 30, "h264")
    truth = json.loads((tmp_path / "heel.truth.json").read_text())
    assert truth["metrics"]["trunk_lean_deg"]["value"] == pytest.approx(12.0)
    assert truth["params"]["step_time_cv"] == 0.02


@pytest.mark.parametrize(("args", "message"), [
    (["--view", "top"], "unknown view"),
    (["--set", "wings=2"], "unknown runner parameter"),
    (["--overstride", "500"], "invalid runner parameters"),
    (["--size", "big"], "WIDTHxHEIGHT"),
])
def test_bad_arguments(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["synth", str(tmp_path / "x.mp4"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not list(tmp_path.iterdir())
