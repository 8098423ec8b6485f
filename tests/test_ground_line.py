"""Camera roll from scene lines (gaitcheck.video.lines) and the ground decision
(gaitcheck.metrics.frames.estimate_ground): rendered scenes with a known roll, the
mirror, padding, and the real treadmill clip."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.metrics.frames import estimate_ground
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.render import SceneStyle, render_frames
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.video.lines import estimate_roll, scene_lines
from gaitcheck.video.sampling import FrameSampler, to_grey

N_FRAMES = 4


def _rendered(roll_deg: float, setting: str = "treadmill", view: str = "side-left",
              size: tuple[int, int] = (360, 640)):
    """A few rendered frames (grey, with their indices) and the true landmark tracks."""
    p = GaitParams(duration_s=1.0, setting=setting)
    motion = generate_motion(p)
    cam = camera_for_view(view, subject_height_m=p.body_height_m, width=size[0],
                          height=size[1], fps=p.fps, roll_deg=roll_deg, fill=0.6,
                          centre_x_m=p.speed_mps * p.duration_s / 2
                          if setting == "overground" else None)
    tracks = motion_to_tracks(motion, cam)
    keep = set(np.linspace(2, len(motion.points) - 3, N_FRAMES).round().astype(int))
    frames = [(k, *to_grey(rgb)) for k, rgb in
              enumerate(render_frames(motion, cam, SceneStyle(setting=setting))) if k in keep]
    return frames, tracks


@pytest.mark.parametrize("roll", [-6.0, -3.0, 0.0, 2.0, 6.0])
def test_rendered_roll_within_one_degree(roll: float) -> None:
    frames, tracks = _rendered(roll)
    est = scene_lines(frames, tracks)
    # The synthetic camera rolled clockwise by r turns the scene anticlockwise by r.
    assert est["image_roll_deg"] == pytest.approx(roll, abs=1.0)
    assert est["confidence"] >= 0.5


def test_overground_roll() -> None:
    frames, tracks = _rendered(-4.0, setting="overground", size=(640, 360))
    est = scene_lines(frames, tracks)
    assert est["image_roll_deg"] == pytest.approx(-4.0, abs=1.0)


def test_mirror_negates_roll_and_padding_is_no_line() -> None:
    frames, tracks = _rendered(3.0)
    xy = tracks.xy_px()
    w = frames[0][1].shape[1] / frames[0][2]
    rows = {int(f): r for r, f in enumerate(tracks.frame_index)}
    base = estimate_roll(frames, xy, rows)
    mirrored = [(i, np.ascontiguousarray(g[:, ::-1]), s) for i, g, s in frames]
    flipped = np.stack([w - xy[..., 0], xy[..., 1]], axis=-1)
    mirror = estimate_roll(mirrored, flipped, rows)
    assert mirror["image_roll_deg"] == pytest.approx(-base["image_roll_deg"], abs=0.2)
    # Black padding on the right (an off-centre runner): its edge is no scene line.
    padded = [(i, np.pad(g, ((0, 0), (0, g.shape[1] // 2))), s) for i, g, s in frames]
    pad = estimate_roll(padded, xy, rows)
    assert pad["image_roll_deg"] == pytest.approx(base["image_roll_deg"], abs=0.3)


def test_sampler_keeps_evenly_spaced_frames() -> None:
    sampler = FrameSampler(expected=240)
    rgb = np.zeros((64, 48, 3), np.uint8)
    for k in range(240):
        sampler.add(type("F", (), {"index": k, "rgb": rgb})())
    kept = [i for i, _, _ in sampler.frames]
    assert kept == [15 + 30 * j for j in range(8)]
    assert set(sampler.segments()) == set(kept)


def test_decision_rules() -> None:
    sag = np.zeros((10, 33, 2))
    strong = {"plumb": {"roll_deg": 2.0, "confidence": 0.9}}
    g = estimate_ground(sag, [], "left", strong)
    assert g.applied and g.angle_deg == pytest.approx(-2.0) and g.source == "plumb lines"
    # The same scene mirrored: image roll negated, runner facing the other way.
    m = estimate_ground(sag, [], "right", {"plumb": {"roll_deg": -2.0, "confidence": 0.9}})
    assert m.angle_deg == pytest.approx(g.angle_deg)
    assert m.image_roll_deg == pytest.approx(-g.image_roll_deg)
    weak = {"plumb": {"roll_deg": 5.0, "confidence": 0.3}}
    g = estimate_ground(sag, [], "left", weak)
    assert not g.applied and g.angle_deg == 0.0 and g.source == "none"
    both = {"plumb": {"roll_deg": 1.0, "confidence": 0.9},
            "ground_lines": {"roll_deg": 5.0, "confidence": 0.9}}
    g = estimate_ground(sag, [], "left", both)
    assert not g.applied and "disagree" in g.note
    both["ground_lines"]["roll_deg"] = 2.0
    g = estimate_ground(sag, [], "left", both)
    assert g.applied and g.source == "plumb and ground lines"
    assert g.angle_deg == pytest.approx(-1.5)


def test_stick_figure_ground_line() -> None:
    from types import SimpleNamespace

    from gaitcheck.report.plots_body import ground_line

    frame = {"camera_roll_image_deg": 2.5, "ground_applied": True}
    assert ground_line(SimpleNamespace(report={"analysis": {"frame": frame}})) == (2.5, True)
    frame = {"camera_roll_image_deg": None, "ground_applied": False}
    assert ground_line(SimpleNamespace(report={"analysis": {"frame": frame}})) == (0.0, False)
