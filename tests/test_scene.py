"""Scene understanding (gaitcheck.tracks.scene) on synthetic views and the real clips."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from gaitcheck.landmarks import LM
from gaitcheck.pipeline import AnalyzeOptions, analyze_video
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.scene import body_height_px, understand_scene
from helpers import shared_video, synthetic_tracks


def _overground(view: str, activity: str, duration_s: float, artefacts=None, **camera):
    """An overground clip from a static camera; frames with the hips outside the image are
    blanked, as a pose model finds nobody there."""
    gait = GaitParams(activity=activity, setting="overground", duration_s=duration_s)
    cam = camera_for_view(view, subject_height_m=gait.body_height_m, fps=gait.fps, **camera)
    tracks = motion_to_tracks(generate_motion(gait), cam, artefacts, seed=1)
    hips = tracks.image[:, [LM["left_hip"], LM["right_hip"]], :2].mean(axis=1)
    outside = ((hips < 0) | (hips > 1)).any(axis=1)
    assert (~outside).sum() >= 25  # at least 0.8 s in view
    image, world = tracks.image.copy(), tracks.world.copy()
    image[outside], world[outside] = np.nan, np.nan
    return dataclasses.replace(tracks, image=image, world=world)


@pytest.mark.parametrize("artefacts", [None, Artefacts.realistic()], ids=["exact", "realistic"])
@pytest.mark.parametrize(("view", "activity"), [("side-left", "run"), ("side-right", "run"),
                                                ("front", "run"), ("back", "walk"),
                                                ("side-left", "walk"), ("front", "walk")])
def test_synthetic_views_on_a_treadmill(view: str, activity: str, artefacts) -> None:
    tracks = synthetic_tracks(view, artefacts, seed=3, activity=activity, duration_s=4.0)[1]
    scene = understand_scene(tracks)
    assert scene.label == view and scene.view_confidence >= 0.8, scene.evidence
    assert scene.setting == "treadmill" and scene.setting_confidence >= 0.8, scene.evidence
    if view.startswith("side"):
        # The camera sees the side the subject faces: side-left → their left leg is near.
        assert scene.near_side == view.split("-")[1] and scene.near_side_confidence >= 0.7
    else:
        assert scene.near_side is None and scene.facing is None


def test_oblique_view() -> None:
    scene = understand_scene(synthetic_tracks("oblique", duration_s=4.0)[1])
    assert (scene.view, scene.facing, scene.near_side) == ("oblique", "left", "left")
    assert scene.view_confidence >= 0.7
    # 30° from the side is still a side view, 70° a front view.
    for deg, label in ((20.0, "side-left"), (75.0, "front")):
        gait = GaitParams(duration_s=3.0)
        cam = camera_for_view("oblique", oblique_deg=deg, fps=gait.fps, fill=0.6)
        assert understand_scene(motion_to_tracks(generate_motion(gait), cam)).label == label


@pytest.mark.parametrize(("view", "activity", "duration_s", "camera"), [
    ("side-left", "walk", 3.0, {"fill": 0.3, "centre_x_m": 2.0}),
    ("side-right", "run", 1.5, {"fill": 0.3, "centre_x_m": 2.5}),
    ("back", "walk", 4.0, {}),
    ("front", "walk", 4.0, {"distance_m": 12.0}),
])
def test_overground_is_told_from_treadmill(view, activity, duration_s, camera) -> None:
    tracks = _overground(view, activity, duration_s, Artefacts.realistic(), **camera)
    scene = understand_scene(tracks)
    assert scene.label == view, scene.evidence
    assert scene.setting == "overground" and scene.setting_confidence >= 0.8, scene.evidence
    if view.startswith("side"):
        assert scene.near_side == view.split("-")[1]


def test_mirrored_video_lowers_near_side_confidence() -> None:
    """Mirroring (a selfie video) flips the image but not the model's left/right depth:
    the facing geometry then contradicts depth and visibility."""
    tracks = synthetic_tracks("side-left", duration_s=3.0)[1]
    image = tracks.image.copy()
    image[:, :, 0] = 1.0 - image[:, :, 0]
    scene = understand_scene(dataclasses.replace(tracks, image=image))
    normal = understand_scene(tracks)
    assert scene.facing == "right" and scene.near_side == "left"
    assert scene.near_side_confidence < normal.near_side_confidence - 0.3


def test_overrides_and_json() -> None:
    scene = understand_scene(synthetic_tracks("front", duration_s=3.0)[1])
    side = scene.with_overrides(view="side-right", setting="overground")
    assert (side.view, side.facing, side.near_side, side.setting) == (
        "side", "right", "right", "overground")
    assert side.view_confidence == side.setting_confidence == 1.0
    assert side.overridden == ("view", "setting") and scene.overridden == ()
    assert side.with_overrides(view="back").near_side is None
    assert side.with_overrides(view="side").facing == "right"
    for bad in ({"view": "sideways"}, {"view": "front-left"}, {"setting": "track"}):
        with pytest.raises(ValueError):
            scene.with_overrides(**bad)
    data = json.loads(json.dumps(side.to_dict(), allow_nan=False))
    assert data["label"] == "side-right" and data["overridden"] == ["view", "setting"]


def test_degenerate_tracks_give_unknown() -> None:
    tracks = synthetic_tracks(duration_s=1.0)[1]
    empty = dataclasses.replace(tracks, image=np.full_like(tracks.image, np.nan),
                                world=np.full_like(tracks.world, np.nan))
    scene = understand_scene(empty)
    assert (scene.view, scene.setting, scene.view_confidence) == ("unknown", "unknown", 0.0)
    one = understand_scene(dataclasses.replace(
        tracks, image=tracks.image[:1], world=tracks.world[:1], time_s=tracks.time_s[:1],
        frame_index=tracks.frame_index[:1]))
    assert one.setting == "unknown" and one.label == "side-left"
    json.dumps(scene.to_dict(), allow_nan=False)
    json.dumps(one.to_dict(), allow_nan=False)
    assert np.isnan(body_height_px(empty.xy_px()))


# --- Real clips (pose model: slow) ----------------------------------------------------------

@pytest.fixture(scope="module")
def treadmill(pose_run):
    video = shared_video("treadmill_side_30fps.mp4")
    return pose_run(video, AnalyzeOptions(max_people=1)).tracks  # the session's run


@pytest.fixture(scope="module")
def walking(tmp_path_factory: pytest.TempPathFactory):
    video = shared_video("walking_side_distractors.mp4")
    # Two people tracked (with one, MediaPipe locks onto a bystander); only the window in
    # which the walker crosses the frame.
    return analyze_video(video, tmp_path_factory.mktemp("walking"),
                         AnalyzeOptions(start_s=1.6, end_s=6.4, max_people=2)).tracks


@pytest.mark.slow
@pytest.mark.shared
def test_real_treadmill_scene(treadmill) -> None:
    scene = understand_scene(treadmill)
    assert (scene.view, scene.facing, scene.setting, scene.near_side) == (
        "side", "left", "treadmill", "left"), scene.evidence
    assert min(scene.view_confidence, scene.setting_confidence,
               scene.near_side_confidence) >= 0.8, scene.evidence


@pytest.mark.slow
@pytest.mark.shared
def test_real_treadmill_cleaning_keeps_the_cadence(treadmill) -> None:
    """Cleaning real tracks keeps their physics: the near ankle still bounces at the
    labelled stride frequency (168.9 steps/min) and moves little from the raw track."""
    res = clean_tracks(treadmill, "run")
    y = res.tracks.image[:, LM["left_ankle"], 1].astype(float)
    assert np.isfinite(y).all()
    spectrum = np.abs(np.fft.rfft(y - y.mean(), n=16 * len(y)))
    freqs = np.fft.rfftfreq(16 * len(y), d=1 / treadmill.fps)
    band = (freqs > 0.8) & (freqs < 2.5)
    cadence = 120.0 * freqs[band][np.argmax(spectrum[band])]
    assert cadence == pytest.approx(168.9, abs=2.0)
    height = body_height_px(treadmill.xy_px())
    moved = np.linalg.norm(res.tracks.xy_px() - treadmill.xy_px(), axis=-1)[:, LM["left_ankle"]]
    assert np.nanmedian(moved) / height < 0.005
    assert res.report["cutoff_hz"] == 12.0


@pytest.mark.slow
@pytest.mark.shared
def test_real_walking_scene(walking) -> None:
    scene = understand_scene(walking)
    assert (scene.view, scene.facing, scene.setting, scene.near_side) == (
        "side", "left", "overground", "left"), scene.evidence
    assert min(scene.view_confidence, scene.setting_confidence) >= 0.8, scene.evidence

