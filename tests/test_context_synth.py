"""Activity, setting and slow-motion decisions on synthetic landmark tracks (fast).

Situations of real footage that fooled the old rules: a walk across the room and back
(no net travel), a phone panning with the runner or shaking in the hand (the runner
stays still in the image), someone standing in place, and slow-motion files. Each must
give the right activity and setting, and never a running verdict on a walker or a
time-based verdict on a slowed clock.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitcheck.analysis import analyze_tracks
from gaitcheck.landmarks import LM
from gaitcheck.metrics.context import TIME_BASED
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.paths import follow_camera, there_and_back
from gaitcheck.synth.slowmo import stored_slow
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.tracks.tracks import LandmarkTracks

SEEDS = (0, 1, 2)


def _tracks(activity: str, situation: str, seed: int, view: str = "side-left",
            duration_s: float = 8.0, fps: float = 30.0) -> LandmarkTracks:
    setting = "treadmill" if situation == "treadmill" else "overground"
    params = GaitParams(activity=activity, setting=setting, duration_s=duration_s, fps=fps,
                        seed=seed, step_time_cv=0.03)
    motion = generate_motion(params)
    if situation == "there-and-back":
        motion = there_and_back(motion)
    hip_x = 0.5 * (motion.points[:, LM["left_hip"], 0] + motion.points[:, LM["right_hip"], 0])
    artefacts = Artefacts.realistic()
    if situation in ("follow", "handheld"):
        camera = camera_for_view(view, width=1280, height=720, centre_x_m=float(hip_x[0]),
                                 fill=0.5)
        return follow_camera(motion, camera, artefacts, seed=seed,
                             shake_px=8.0 if situation == "handheld" else 0.0)
    centre = None if setting == "treadmill" else float((hip_x.min() + hip_x.max()) / 2)
    camera = camera_for_view(view, width=1280, height=720, centre_x_m=centre,
                             fill=0.65 if setting == "treadmill" else 0.42)
    return motion_to_tracks(motion, camera, artefacts, seed=seed)


def _running_band_findings(findings: list[dict]) -> list[str]:
    """Findings judged against a running band."""
    return [f["metric"] for f in findings if f.get("band") is not None
            and f["band"] in [e.band.to_dict() for e in REGISTRY.values() if e.band is not None]]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("activity", "situation", "setting"), [
    ("walk", "treadmill", "treadmill"), ("run", "treadmill", "treadmill"),
    ("walk", "straight", "overground"),
    ("walk", "there-and-back", "overground"),  # no net travel, never on a treadmill
    ("walk", "follow", "overground"), ("run", "follow", "overground"),  # panning phone
    ("walk", "handheld", "overground"), ("run", "handheld", "overground"),
])
def test_activity_and_setting(activity: str, situation: str, setting: str, seed: int) -> None:
    duration = 4.0 if situation == "straight" else 8.0  # a static camera sees ~5 m
    analysis = analyze_tracks(_tracks(activity, situation, seed, duration_s=duration))
    ev = analysis.scene.evidence["setting"]
    assert analysis.scene.setting == setting, ev
    assert analysis.scene.setting_confidence >= 0.8, ev
    assert analysis.activity == activity, analysis.activity_evidence
    assert analysis.activity_evidence["agree"] is True
    if setting == "overground":
        assert ev["hip_travel_bh_per_s"] > 0.5 and ev["belt_share"] < 0.25
    else:
        assert ev["hip_travel_bh_per_s"] < 0.05 and ev["belt_share"] > 0.8
    if activity == "walk":
        assert _running_band_findings(analysis.findings) == []
        assert analysis.activity_evidence["duty_factor_pct"]["median"] > 55


def test_a_following_camera_without_the_scene_motion_reads_as_a_treadmill() -> None:
    """Why the scene's motion is measured from the video: from the landmarks alone a
    panning phone and a treadmill are the same, and the evidence says so."""
    tracks = _tracks("run", "follow", 0)
    source = {k: v for k, v in tracks.source.items() if k != "scene_motion"}
    scene = analyze_tracks(dataclasses.replace(tracks, source=source)).scene
    assert scene.setting == "treadmill"
    assert "assumed still" in scene.evidence["setting"]["reason"]


def test_standing_in_place_is_neither_treadmill_nor_overground() -> None:
    """A person standing and swaying in place (the distractor clip's man on the box,
    between jumps) has no travel and no belt."""
    tracks = _tracks("walk", "treadmill", 0)
    still = np.repeat(tracks.image[:1], tracks.n_frames, axis=0)
    rng = np.random.default_rng(0)
    still[..., :2] += rng.normal(0, 0.002, still[..., :2].shape).astype(np.float32)
    scene = analyze_tracks(dataclasses.replace(tracks, image=still)).scene
    assert scene.setting == "unknown", scene.evidence["setting"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activity", ["run", "walk"])
@pytest.mark.parametrize("factor", [2, 4])
def test_slow_motion_plain_and_auto(activity: str, factor: int, seed: int) -> None:
    """Stored at ``factor`` × slow motion: no time-based findings and no running
    verdict on the walker; ``--slowmo auto`` applies exactly ``factor`` and restores
    the cadence."""
    params = GaitParams(activity=activity, setting="treadmill", duration_s=8.0,
                        fps=30.0 * factor, seed=seed, step_time_cv=0.03)
    real = motion_to_tracks(generate_motion(params), camera_for_view("side-left"),
                            Artefacts.realistic(), seed=seed)
    tracks = stored_slow(real, factor)
    plain = build_result(tracks, AnalyzeOptions()).report
    assert plain["activity"]["value"] == activity
    assert plain["slowmo"]["suggested_total"] == factor
    assert plain["findings_context"]["slowmo_suspected"] == factor
    assert not [f for f in plain["findings"] if f["metric"] in TIME_BASED]
    assert not set(plain["reference_bands"]) & TIME_BASED  # no "below typical" either
    auto = build_result(tracks, AnalyzeOptions(slowmo_auto=True)).report
    assert auto["slowmo"]["source"] == "auto" and auto["slowmo"]["factor"] == factor
    assert auto["video"]["slowmo"] == factor
    assert auto["slowmo"]["decision"]["evidence"]["factors_that_fit"] == [factor]
    assert auto["metrics"]["cadence_spm"]["value"] == pytest.approx(params.cadence_spm,
                                                                    rel=0.03)
    assert auto["findings_context"]["slowmo_suspected"] is None
    for report in (plain, auto):
        if activity == "walk":
            assert _running_band_findings(report["findings"]) == []


def test_real_time_clips_are_not_sped_up_by_auto() -> None:
    for activity in ("run", "walk"):
        tracks = _tracks(activity, "treadmill", 0)
        report = build_result(tracks, AnalyzeOptions(slowmo_auto=True)).report
        assert report["slowmo"]["source"] == "none"
        assert report["slowmo"]["suggested_total"] is None
        assert report["video"]["slowmo"] == 1.0
