"""The real pose model on the real clips in ../shared/videos (slow: about a minute)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.pipeline import AnalysisOutput, AnalyzeOptions, analyze_video
from helpers import shared_video

pytestmark = [pytest.mark.slow, pytest.mark.shared]


@pytest.fixture(scope="module")
def treadmill(pose_run) -> AnalysisOutput:
    """The session's run, with a user's default options."""
    return pose_run(shared_video("treadmill_side_30fps.mp4"))


@pytest.fixture(scope="module")
def distractors(tmp_path_factory: pytest.TempPathFactory) -> AnalysisOutput:
    """Default options: one person per frame, as a user runs it (the two-person mode is
    covered by test_segments' walking-clip test)."""
    video = shared_video("walking_side_distractors.mp4")
    return analyze_video(video, tmp_path_factory.mktemp("distractors"))


def test_treadmill_runner_is_tracked(treadmill: AnalysisOutput) -> None:
    tracks = treadmill.tracks
    quality = treadmill.report["quality"]
    assert tracks.n_frames == 360
    assert quality["pose_coverage"] >= 0.95
    xy = tracks.image[tracks.detected][:, :, :2]
    # Landmarks inside the image (small overshoot allowed for feet at the edge).
    assert np.nanmin(xy) > -0.02 and np.nanmax(xy) < 1.02
    hips = tracks.image[:, [23, 24], 1].mean(axis=1)
    ankles = tracks.image[:, [27, 28], 1].mean(axis=1)
    assert np.all(hips[tracks.detected] < ankles[tracks.detected])  # y grows downwards
    # The legs are the near (left) leg and the far (right) leg: the near one is seen better.
    vis = quality["mean_visibility"]
    assert vis["left_leg"] > 0.9 and vis["torso"] > 0.9


def test_treadmill_report_contract(treadmill: AnalysisOutput) -> None:
    report = json.loads(treadmill.report_path.read_text())
    assert report["video"]["fps"] == 30.0 and report["video"]["frame_count"] == 360
    assert (report["video"]["width"], report["video"]["height"]) == (720, 1280)
    assert report["pose"]["model"]["sha256"] == report["pose"]["model"]["sha256"].lower()
    assert report["quality"]["frames_with_pose"] >= 342
    for name in report["files"].values():
        assert (treadmill.out_dir / name).is_file()


def test_treadmill_ankles_bounce_at_the_true_cadence(treadmill: AnalysisOutput) -> None:
    """A model-free check that the tracks are physically right: the dominant
    frequency of the near ankle's vertical motion is the stride frequency, and twice
    it is the labelled cadence (168.9 steps/min)."""
    tracks = treadmill.tracks
    y = tracks.image[:, 27, 1].astype(float)
    y = np.interp(np.arange(len(y)), np.flatnonzero(np.isfinite(y)), y[np.isfinite(y)])
    freqs = np.linspace(0.9, 2.0, 2000)  # stride frequency band, Hz
    t = tracks.time_s
    power = np.abs(np.exp(-2j * np.pi * freqs[:, None] * t[None, :]) @ (y - y.mean()))
    cadence = 2 * 60 * freqs[np.argmax(power)]
    assert cadence == pytest.approx(168.9, abs=2.0)


def test_distractor_clip_follows_the_walking_woman(distractors: AnalysisOutput) -> None:
    tracks = distractors.tracks
    height = tracks.video.height
    detected = tracks.detected
    hip = (tracks.xy_px("left_hip") + tracks.xy_px("right_hip")) / 2
    frames = np.flatnonzero(detected)
    # She walks on the grass across the lower half; the man jumping on the box (upper
    # half, frames 0-170) must never be chosen.
    assert len(frames) >= 100
    assert np.all(hip[detected, 1] > 0.55 * height)
    # She crosses most of the frame, steadily in one direction.
    assert np.ptp(hip[detected, 0]) > 0.6 * tracks.video.width
    assert abs(np.corrcoef(frames, hip[detected, 0])[0, 1]) > 0.95
    report = distractors.report
    selection = report["pose"]["subject_selection"]
    assert selection["max_people_in_frame"] >= 2
    codes = {w["code"] for w in report["quality"]["warnings"]}
    assert "other_people" in codes
    # The one-person model locks onto the man on the box (frames 3-166, his jumping
    # jacks are not stepping), so the pass is redone tracking two people.
    look = selection["second_look"]
    assert look["kept"] == "second" and report["pose"]["options"]["max_people"] == 2
    assert look["first_pass"]["subject"]["centre"][1] < 0.3  # the man, high on the box
    assert selection["subject"]["stepping"] == 1.0 and selection["subject"]["travel"] == 1.0
    # She is followed until she leaves the picture (frame 201), through the frames where
    # the tracker folded her legs up while the detector found her again (184-185).
    assert frames[0] <= 60 and frames[-1] >= 199 and len(frames) >= 140
    assert report["activity"]["value"] == "walk"
    assert len(report["events"]["contacts"]) >= 7


def test_multi_person_mode_on_a_window(tmp_path: Path) -> None:
    video = shared_video("treadmill_side_30fps.mp4")
    out = analyze_video(video, tmp_path, AnalyzeOptions(max_people=2, start_s=2.0, end_s=4.0))
    assert out.report["quality"]["frames"] == 61
    assert out.report["quality"]["pose_coverage"] == 1.0
    assert out.report["pose"]["options"]["max_people"] == 2
    assert out.report["pose"]["subject_selection"]["max_people_in_frame"] == 1
