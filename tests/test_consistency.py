"""The same runner gives the same numbers: the analysis after pose under the transforms
of benchmarks/consistency.py, applied to landmark tracks (cheap; the benchmark applies
them to the pixels and runs pose). A synthetic runner with realistic pose artefacts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitcheck.landmarks import LANDMARK_NAMES, LM
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.tracks.tracks import LandmarkTracks

#: Largest change per metric (issue 14); contact time in frames.
TARGETS = {"cadence_spm": 1.0, "trunk_lean_deg": 2.0, "head_forward_deg": 2.0,
           "foot_strike": 3.0, "knee_flexion_ic_deg": 3.0, "overstride_pct": 4.0}
SWAP = [LM[n.replace("left", "@").replace("right", "left").replace("@", "right")]
        for n in LANDMARK_NAMES]


@pytest.fixture(scope="module")
def runner() -> LandmarkTracks:
    from gaitcheck.synth.artefacts import Artefacts
    from gaitcheck.synth.camera import camera_for_view
    from gaitcheck.synth.kinematics import generate_motion
    from gaitcheck.synth.params import GaitParams
    from gaitcheck.synth.to_tracks import motion_to_tracks

    p = GaitParams(duration_s=8.0, fps=60.0)
    cam = camera_for_view("side-left", subject_height_m=p.body_height_m, fps=p.fps, fill=0.6)
    tracks = motion_to_tracks(generate_motion(p), cam, Artefacts.realistic(), seed=3)
    # The scene's lines of a level camera, as the pose pass would record them.
    return _with_roll(tracks, 0.0)


def _with_roll(t: LandmarkTracks, roll: float) -> LandmarkTracks:
    lines = {"plumb": {"roll_deg": roll, "confidence": 0.9},
             "ground_lines": {"roll_deg": roll, "confidence": 0.9}}
    return dataclasses.replace(t, source=t.source | {"scene_lines": lines})


def _mirror(t: LandmarkTracks) -> LandmarkTracks:
    """The mirrored video's tracks: x flipped, and the model's left/right labels with it
    (it labels by appearance), scene lines' roll negated."""
    img = t.image.copy()
    img[..., 0] = 1.0 - img[..., 0]
    world = t.world.copy()
    world[..., 0] *= -1
    out = dataclasses.replace(t, image=img[:, SWAP], world=world[:, SWAP])
    return _with_roll(out, -t.source["scene_lines"]["plumb"]["roll_deg"])


def _roll(t: LandmarkTracks, deg: float) -> LandmarkTracks:
    """The camera rolled: pixels rotated about the image centre by ``deg`` (anticlockwise
    as displayed), the scene lines with them."""
    w, h = t.video.width, t.video.height
    xy = t.xy_px() - [w / 2, h / 2]
    a = np.radians(deg)
    x = np.cos(a) * xy[..., 0] + np.sin(a) * xy[..., 1]
    y = -np.sin(a) * xy[..., 0] + np.cos(a) * xy[..., 1]
    img = t.image.copy()
    img[..., 0], img[..., 1] = (x + w / 2) / w, (y + h / 2) / h
    return _with_roll(dataclasses.replace(t, image=img.astype(np.float32)), deg)


def _offcentre(t: LandmarkTracks) -> LandmarkTracks:
    """Padded to 1.5 × the width on the right: the runner sits in the left third."""
    img = t.image.copy()
    img[..., 0] /= 1.5
    video = dataclasses.replace(t.video, width=round(1.5 * t.video.width))
    return dataclasses.replace(t, image=img, video=video)


def _decimate(t: LandmarkTracks) -> LandmarkTracks:
    """60 → 30 fps."""
    video = dataclasses.replace(t.video, fps=t.video.fps / 2,
                                frame_count=(t.video.frame_count + 1) // 2)
    return LandmarkTracks(t.image[::2], t.world[::2], t.time_s[::2],
                          t.frame_index[::2] // 2, video, t.source)


def _summary(t: LandmarkTracks) -> dict:
    report = build_result(t, AnalyzeOptions()).report
    m = report["metrics"]
    out = {k: m[k]["value"] for k in TARGETS}
    out["contact_frames"] = m["ground_contact_ms"]["value"] * t.fps / 1000.0
    out["pattern"] = (m["foot_strike"].get("extra") or m["foot_strike"]).get("pattern")
    out["view"] = (report["view"]["value"], report["setting"]["value"],
                   report["activity"]["value"])
    return out


@pytest.mark.parametrize("transform", ["mirror", "roll+4", "roll-4", "offcentre", "fps30"])
def test_analysis_is_consistent(runner: LandmarkTracks, transform: str) -> None:
    fn = {"mirror": _mirror, "roll+4": lambda t: _roll(t, 4.0),
          "roll-4": lambda t: _roll(t, -4.0), "offcentre": _offcentre,
          "fps30": _decimate}[transform]
    base, other = _summary(runner), _summary(fn(runner))
    for key, target in TARGETS.items():
        assert other[key] == pytest.approx(base[key], abs=target), key
    # Contact time within one frame of the coarser clip.
    fps_ratio = 0.5 if transform == "fps30" else 1.0
    assert other["contact_frames"] == pytest.approx(base["contact_frames"] * fps_ratio,
                                                    abs=1.0)
    assert other["pattern"] == base["pattern"]
    assert other["view"] == base["view"]


def test_halves_agree(runner: LandmarkTracks) -> None:
    """Test-retest: each half of the clip against the whole."""
    from gaitcheck.pipeline import _trim

    whole = _summary(runner)
    end = float(runner.time_s[-1])
    for start_s, end_s in ((None, end / 2), (end / 2, None)):
        half = _summary(_trim(runner, AnalyzeOptions(start_s=start_s, end_s=end_s)))
        for key, target in TARGETS.items():
            assert half[key] == pytest.approx(whole[key], abs=target), key
