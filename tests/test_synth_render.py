"""The synthetic runner's renderer (figure, scene, depth order) and the video writer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.landmarks import LM
from gaitcheck.synth.camera import VIEWS, Camera, camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.motion import BodyShape, Motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.render import SceneStyle, render_frame, render_video
from gaitcheck.synth.scene import build_scene
from gaitcheck.video._cv import cv2
from gaitcheck.video.writer import write_video

#: Half-size frames keep the fast tests fast; the figure is the same, only smaller.
SMALL = {"width": 360, "height": 640}
#: No blur, noise or ground shadow: pixels are exactly the figure or the background.
CLEAN = SceneStyle(blur_sigma_px=0.0, noise_sd=0.0, shadows=False)
LEG = ("hip", "knee", "ankle", "heel", "foot_index")


@pytest.fixture(scope="module")
def motion() -> Motion:
    return generate_motion(GaitParams(duration_s=1.0, fps=30.0))


def _read_all(path: Path) -> tuple[list[np.ndarray], float, str]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode().lower()
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame[..., ::-1])
    cap.release()
    return frames, fps, fourcc


def _pixel_differs(frame: np.ndarray, background: np.ndarray, uv: np.ndarray,
                   reach: int = 0) -> bool:
    """Whether any pixel within ``reach`` of ``uv`` differs from the background."""
    u, v = int(np.rint(uv[0])), int(np.rint(uv[1]))
    win = np.s_[max(v - reach, 0):v + reach + 1, max(u - reach, 0):u + reach + 1]
    return bool(np.abs(frame[win].astype(int) - background[win]).sum(-1).max() > 30)


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_deterministically(view: str, motion: Motion) -> None:
    cam = camera_for_view(view, **SMALL)
    style = SceneStyle()
    pts = motion.points[7]
    a = render_frame(pts, motion.body, cam, style, np.random.default_rng(3))
    b = render_frame(pts, motion.body, cam, style, np.random.default_rng(3))
    c = render_frame(pts, motion.body, cam, style, np.random.default_rng(4))
    assert a.shape == (640, 360, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    diff = np.abs(a.astype(int) - c)
    assert diff.any() and diff.mean() < 5  # only the sensor noise depends on the seed


def test_missing_radii_fall_back_to_proportions(motion: Motion) -> None:
    cam = camera_for_view("side-left", **SMALL)
    bare = BodyShape(height_m=motion.body.height_m)
    a = render_frame(motion.points[0], bare, cam, CLEAN, np.random.default_rng(0))
    b = render_frame(motion.points[0], motion.body, cam, CLEAN, np.random.default_rng(0))
    assert np.abs(a.astype(int) - b).mean() < 1.0


def _near_far(points: np.ndarray, cam: Camera) -> tuple[str, str]:
    depth = cam.project(points[[LM["left_hip"], LM["right_hip"]]])[:, 2]
    return ("left", "right") if depth[0] < depth[1] else ("right", "left")


def test_near_leg_covers_far_leg_in_side_view(motion: Motion) -> None:
    cam = camera_for_view("side-left", **SMALL)
    pts = motion.points[0].copy()
    near, far = _near_far(pts, cam)
    # Give the far leg the near leg's sagittal pose so the two overlap in the image.
    for part in LEG:
        pts[LM[f"{far}_{part}"], :2] = pts[LM[f"{near}_{part}"], :2]
    shank_mid = (pts[LM[f"{near}_knee"]] + pts[LM[f"{near}_ankle"]]) / 2
    uv = cam.project(shank_mid)[:2].round().astype(int)

    def render(points: np.ndarray) -> np.ndarray:
        frame = render_frame(points, motion.body, cam, CLEAN, np.random.default_rng(0))
        return frame[uv[1], uv[0]].astype(int)

    def swung_back(points: np.ndarray, side: str) -> np.ndarray:
        out = points.copy()
        for part in LEG[1:]:  # knee and below 0.6 m behind: clear of the shank pixel
            out[LM[f"{side}_{part}"], 0] -= 0.6
        return out

    both, near_only, far_only = render(pts), render(swung_back(pts, far)), render(
        swung_back(pts, near))
    background = build_scene(cam, CLEAN).image[uv[1], uv[0]].astype(int)
    assert np.abs(far_only - background).sum() > 30  # the far leg is really there...
    assert np.abs(far_only - near_only).sum() > 10  # ...and looks different (far side dimmer)
    np.testing.assert_array_equal(both, near_only)  # ...but the near leg hides it


def test_treadmill_console_hides_the_body_behind_it(motion: Motion) -> None:
    cam = camera_for_view("front", **SMALL)
    scene = build_scene(cam, CLEAN)
    frame = render_frame(motion.points[0], motion.body, cam, CLEAN, np.random.default_rng(0))
    uv = cam.project(motion.points[0, LM["left_shoulder"]])
    u, v = int(np.rint(uv[0])), int(np.rint(uv[1]))
    assert scene.depth[v, u] < uv[2]  # seen from the front, the console is in the way
    np.testing.assert_array_equal(frame[v, u], scene.image[v, u])
    free = dataclasses.replace(CLEAN, console=False)
    unhidden = render_frame(motion.points[0], motion.body, cam, free, np.random.default_rng(0))
    assert _pixel_differs(unhidden, build_scene(cam, free).image, uv[:2])


@pytest.mark.parametrize("view", ["side-left", "side-right", "back", "oblique"])
def test_true_joints_lie_on_the_drawn_figure(view: str, motion: Motion) -> None:
    cam = camera_for_view(view, **SMALL)
    background = build_scene(cam, CLEAN).image
    for i in (0, 9, 18):
        frame = render_frame(motion.points[i], motion.body, cam, CLEAN, np.random.default_rng(0))
        uv = cam.project(motion.points[i])
        for side in ("left", "right"):
            for part in ("knee", "ankle", "hip", "shoulder"):
                assert _pixel_differs(frame, background, uv[LM[f"{side}_{part}"]]), \
                    (view, i, side, part)
            for part in ("heel", "foot_index"):  # on the shoe's outline: within 2 px
                assert _pixel_differs(frame, background, uv[LM[f"{side}_{part}"]], 2), \
                    (view, i, side, part)


def test_write_video_round_trip(tmp_path: Path) -> None:
    frames = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(12)]
    frames[5][10:20, 10:30] = (250, 20, 20)
    path = write_video(tmp_path / "clip.mp4", iter(frames), fps=25.0, crf=20)
    decoded, fps, fourcc = _read_all(path)
    assert len(decoded) == 12 and fps == pytest.approx(25.0)
    assert fourcc in ("h264", "avc1")
    assert decoded[5][15, 20, 0] > 200 and decoded[5][15, 20, 1] < 60  # RGB order kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]  # no temp file left
    again = write_video(tmp_path / "again.mp4", frames, fps=25.0, crf=20)
    assert again.read_bytes() == path.read_bytes()  # reproducible


def test_write_video_rejects_bad_frames_and_cleans_up(tmp_path: Path) -> None:
    good = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="even"):
        write_video(tmp_path / "odd.mp4", [np.zeros((47, 64, 3), np.uint8)], fps=30)
    with pytest.raises(ValueError, match="changed"):
        write_video(tmp_path / "mixed.mp4", [good, good, np.zeros((32, 64, 3), np.uint8)], 30)
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "float.mp4", [good.astype(np.float32)], fps=30)
    with pytest.raises(ValueError, match="at least one"):
        write_video(tmp_path / "empty.mp4", [], fps=30)
    assert list(tmp_path.iterdir()) == []


def test_render_video_writes_every_frame(tmp_path: Path, motion: Motion) -> None:
    short = dataclasses.replace(motion, time_s=motion.time_s[:6], points=motion.points[:6])
    cam = camera_for_view("side-left", **SMALL)
    path = render_video(short, cam, tmp_path / "synth.mp4", seed=1)
    decoded, fps, _ = _read_all(path)
    assert len(decoded) == 6 and fps == pytest.approx(30.0)
    assert decoded[0].shape == (640, 360, 3)
    again = render_video(short, cam, tmp_path / "again.mp4", seed=1)
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.slow
def test_mediapipe_finds_the_synthetic_runner(tmp_path: Path) -> None:
    """The bundled pose model tracks the rendered runner and its hips, knees, ankles and
    shoulders land within 3 % of body height of the true joints (median)."""
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend

    motion = generate_motion(GaitParams(duration_s=2.0, fps=30.0))
    cam = camera_for_view("side-left", subject_height_m=motion.body.height_m)
    frames, _, _ = _read_all(render_video(motion, cam, tmp_path / "side.mp4"))
    truth = cam.project(motion.points)
    mid_hip_depth = truth[:, [LM["left_hip"], LM["right_hip"]], 2].mean(1)
    body_px = motion.body.height_m * cam.focal_px / mid_hip_depth
    key = [LM[f"{s}_{p}"] for s in ("left", "right")
           for p in ("hip", "knee", "ankle", "shoulder")]
    errors, found = [], 0
    with MediaPipeBackend(max_people=1) as backend:
        for i, frame in enumerate(frames):
            people = backend.detect(frame, round(i * 1000 / cam.fps))
            if not people:
                continue
            found += 1
            px = people[0].image[key, :2] * (cam.width, cam.height)
            errors.append(np.linalg.norm(px - truth[i, key, :2], axis=1) / body_px[i])
    assert len(frames) == 60
    assert found / len(frames) >= 0.98
    assert float(np.median(errors)) <= 0.03
