"""The bundled sample videos: present, small, analysable, and reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.synth.clip import make_clip, truth_path
from gaitcheck.video import VideoReader
from helpers import REPO, load_script

SAMPLES_DIR = REPO / "sample_videos"


def _make_samples():
    return load_script(SAMPLES_DIR / "make_samples.py")


def test_every_sample_is_there_with_its_truth() -> None:
    module = _make_samples()
    assert set(module.SAMPLES) == {"treadmill_heel_striker_side", "overground_forefoot_side",
                                   "back_crossover_asymmetry", "front_runner"}
    for name, spec in module.SAMPLES.items():
        video = SAMPLES_DIR / f"{name}.mp4"
        assert 0 < video.stat().st_size <= module.MAX_BYTES
        info = VideoReader(video).info
        assert info.duration_s <= 10.0 and info.codec == "h264"
        truth = json.loads(truth_path(video).read_text())
        assert truth["view"] == spec.view
        assert len(truth["landmarks_px"]) == info.frame_count
    heel = json.loads(truth_path(SAMPLES_DIR / "treadmill_heel_striker_side.mp4").read_text())
    assert heel["metrics"]["foot_strike"]["pattern"] == "rearfoot"
    assert heel["metrics"]["head_forward_deg"]["value"] == pytest.approx(28.0)
    back = json.loads(truth_path(SAMPLES_DIR / "back_crossover_asymmetry.mp4").read_text())
    assert back["metrics"]["arm_crossover"]["pct_strides_crossing"]["value"] == 100.0
    assert back["metrics"]["asymmetry"]["contact_time"]["si_pct"] == pytest.approx(10.0, abs=0.1)


@pytest.mark.slow
def test_a_sample_regenerates_within_tolerance(tmp_path: Path) -> None:
    module = _make_samples()
    name = "overground_forefoot_side"  # the shortest clip
    fresh = make_clip(tmp_path / f"{name}.mp4", module.SAMPLES[name])["video"]
    ours = SAMPLES_DIR / f"{name}.mp4"
    assert truth_path(fresh).read_bytes() == truth_path(ours).read_bytes()
    a = np.stack([f.rgb for f in VideoReader(fresh).frames()]).astype(np.int16)
    b = np.stack([f.rgb for f in VideoReader(ours).frames()]).astype(np.int16)
    assert a.shape == b.shape
    assert np.abs(a - b).mean() <= module.VIDEO_TOLERANCE
