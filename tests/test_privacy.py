"""--anonymize: the face of a rendered synthetic runner is blurred beyond recognition in
stills, the annotated video and the key frames, and nothing outside the face changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.landmarks import LM
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.privacy import HEAD, FaceEllipse, blur_face, face_track, head_ellipse
from gaitcheck.report import keyframes as kf
from gaitcheck.report.annotate import annotated_frames, output_fps
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.motion import Motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.render import SceneStyle, render_frame, render_video
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.video._cv import cv2
from gaitcheck.video.reader import VideoReader


@pytest.fixture(scope="module")
def motion() -> Motion:
    return generate_motion(GaitParams(duration_s=1.0, fps=30.0))


def ellipse_mask(shape: tuple[int, ...], face: FaceEllipse) -> np.ndarray:
    """Pixels whose centre lies inside ``face`` (with half a pixel of slack outward)."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (((xx - face.cx) / (face.ax + 1)) ** 2 + ((yy - face.cy) / (face.ay + 1)) ** 2) <= 1


def sharpness(rgb: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian of the grey image in ``box`` (x0, y0, x1, y1): the
    fine detail that recognising a face needs."""
    x0, y0, x1, y1 = box
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey.astype(float), cv2.CV_64F).var())


def face_box(uv: np.ndarray, face: FaceEllipse) -> tuple[int, int, int, int]:
    """The head landmarks' box with a third of a head around it: eyes, nose, mouth."""
    head = uv[list(HEAD)]
    (x0, y0), (x1, y1) = head.min(0) - face.head_px / 3, head.max(0) + face.head_px / 3
    return round(x0), round(y0), round(x1), round(y1)


@pytest.mark.parametrize("view", ["side-left", "side-right", "front", "back", "oblique"])
@pytest.mark.parametrize("size", [(720, 1280), (360, 640)])
def test_rendered_face_is_blurred_and_nothing_else_changes(
        view: str, size: tuple[int, int], motion: Motion) -> None:
    cam = camera_for_view(view, width=size[0], height=size[1])
    pts = motion.points[0]
    img = render_frame(pts, motion.body, cam, SceneStyle(), np.random.default_rng(0))
    uv = cam.project(pts)[:, :2]
    face = head_ellipse(uv)
    assert face is not None
    # The ellipse reaches well past every head landmark (the skull and chin lie beyond).
    inside = ((uv[list(HEAD), 0] - face.cx) / face.ax) ** 2 \
        + ((uv[list(HEAD), 1] - face.cy) / face.ay) ** 2
    assert inside.max() < 0.7
    # ... and stays off the trunk: the hips are far outside.
    for hip in ("left_hip", "right_hip"):
        assert ((uv[LM[hip], 1] - face.cy) / face.ay) ** 2 > 4
    out = img.copy()
    assert blur_face(out, face)
    changed = np.any(out != img, axis=-1)
    assert changed.sum() > 0.5 * np.pi * face.ax * face.ay
    assert not (changed & ~ellipse_mask(img.shape, face)).any()
    box = face_box(uv, face)
    before, after = sharpness(img, box), sharpness(out, box)
    # Measured: 2-9 % of the detail is left (a 20-80x drop), at both frame sizes.
    assert after < 0.12 * before, (before, after)


def test_ellipse_needs_a_head_and_scales_with_the_torso() -> None:
    pts = np.full((33, 2), np.nan)
    assert head_ellipse(pts) is None
    pts[LM["nose"]] = (100.0, 100.0)  # one landmark: the size comes from the torso
    pts[LM["left_shoulder"]], pts[LM["left_hip"]] = (100.0, 150.0), (100.0, 350.0)
    face = head_ellipse(pts)
    assert face is not None and face.head_px == pytest.approx(0.2 * 200)
    vis = np.zeros(33)
    assert head_ellipse(pts, vis) is None  # invisible head points are not used
    img = np.zeros((50, 50, 3), np.uint8)
    assert not blur_face(img, FaceEllipse(500.0, 500.0, 10.0, 10.0))  # off the image


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    """A 2 s rendered runner (side view, 360x640, five contacts) and its analysis from
    the exact tracks."""
    motion = generate_motion(GaitParams(duration_s=2.0, fps=30.0))
    cam = camera_for_view("side-left", width=360, height=640, fps=30.0)
    path = render_video(motion, cam, tmp_path_factory.mktemp("anon") / "run.mp4")
    tracks = motion_to_tracks(motion, cam)
    return path, build_result(tracks, AnalyzeOptions()), cam, motion


def test_annotated_video_frames_blur_the_face_only(rendered) -> None:
    path, result, cam, motion = rendered
    fps = output_fps(result)
    plain = list(annotated_frames(result, VideoReader(path), fps))
    blurred = list(annotated_frames(result, VideoReader(path), fps, anonymize=True))
    raw = [f.rgb for f in VideoReader(path).frames()]
    faces, missing = face_track(result)
    assert len(plain) == len(blurred) == len(faces) == len(raw) == result.tracks.n_frames
    assert missing == 0
    drops = []
    for i in range(0, len(plain), 5):
        face = faces[i]
        assert face is not None
        changed = np.any(plain[i] != blurred[i], axis=-1)
        assert not (changed & ~ellipse_mask(plain[i].shape, face)).any()
        # Detail where the overlay (head line, angle label) did not draw: the overlay is
        # drawn after the blur and stays sharp on purpose.
        x0, y0, x1, y1 = face_box(cam.project(motion.points[i])[:, :2], face)
        video = np.all(plain[i] == raw[i], axis=-1).astype(np.uint8)
        video = cv2.erode(video, np.ones((3, 3), np.uint8))[y0:y1, x0:x1] > 0
        detail = [np.abs(cv2.Laplacian(cv2.cvtColor(np.ascontiguousarray(img[y0:y1, x0:x1]),
                                                     cv2.COLOR_RGB2GRAY).astype(float),
                                        cv2.CV_64F))[video].mean() for img in (plain[i],
                                                                               blurred[i])]
        drops.append(detail[1] / detail[0])
    # Measured: about a fifth of the mean absolute Laplacian is left (the video's H.264
    # already removed the finest detail the still test sees).
    assert max(drops) < 0.35, drops


def test_keyframes_record_blurring_and_crops_reaching_the_face_are_blurred(
        rendered, tmp_path: Path) -> None:
    path, result, _, _ = rendered
    files = kf.extract_keyframes(result, path, tmp_path, anonymize=True)
    index = json.loads((tmp_path / files["keyframes"]).read_text())
    assert index["faces_blurred"] is True and index["keyframes"]
    # A foot crop is far from the face on ordinary footage; one that reaches it (a small
    # runner far away) has the face part blurred and the rest kept.
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 255, (400, 400, 3), np.uint8)
    face = FaceEllipse(200.0, 60.0, 40.0, 50.0)
    box = (100, 0, 300, 200)
    crop = frame[0:200, 100:300].copy()
    out = kf._blurred(crop.copy(), face, box)
    moved = face.moved(100, 0, 1.0)
    changed = np.any(out != crop, axis=-1)
    assert changed.any() and not (changed & ~ellipse_mask(crop.shape, moved)).any()
    core = (170 - 100, 30, 230 - 100, 90)
    assert sharpness(out, core) < 0.05 * sharpness(crop, core)


def test_saved_keyframes_are_blurred_in_place_once(rendered, tmp_path: Path) -> None:
    path, result, _, _ = rendered
    kf.extract_keyframes(result, path, tmp_path)
    index_path = tmp_path / "keyframes" / "keyframes.json"
    assert json.loads(index_path.read_text())["faces_blurred"] is False
    # Foot crops of a runner filling 60 % of the frame height hold no part of the face:
    # none is rewritten, but the folder is marked as checked.
    assert kf.anonymize_saved_keyframes(result, tmp_path) == 0
    assert json.loads(index_path.read_text())["faces_blurred"] is True
    assert kf.anonymize_saved_keyframes(result, tmp_path) == 0  # already done


def test_cli_anonymize_reaches_saved_key_frames_and_sticks(rendered, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from typer.testing import CliRunner

    from gaitcheck.cli.app import app
    from gaitcheck.report.writers import save_result

    path, result, _, _ = rendered
    out = save_result(result, tmp_path / "run", ("html", "csv"))
    # Key frames cut earlier without blurring; the video is not where report.json says.
    kf.extract_keyframes(result, path, out)
    index_path = out / "keyframes" / "keyframes.json"
    first = json.loads(index_path.read_text())["keyframes"][0]["file"]
    before = (out / "keyframes" / first).read_bytes()
    runner = CliRunner()
    monkeypatch.setenv("GAITCHECK_ANONYMIZE", "1")
    res = runner.invoke(app, ["report", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "report.json").read_text())["privacy"] == {
        "faces_blurred": True, "frames_without_face": 0,
        "anonymize_source": "$GAITCHECK_ANONYMIZE"}
    assert json.loads(index_path.read_text())["faces_blurred"] is True
    after = (out / "keyframes" / first).read_bytes()
    # This crop is of the feet only (no face in it): blurring left it as it was.
    assert after == before
    # Once anonymized, a plain re-render (no flag, no environment) stays anonymized.
    monkeypatch.delenv("GAITCHECK_ANONYMIZE")
    res = runner.invoke(app, ["report", str(out), "-q", "--no-anonymize"])
    assert res.exit_code == 0, res.output
    privacy = json.loads((out / "report.json").read_text())["privacy"]
    assert privacy["faces_blurred"] is True
    assert privacy["anonymize_source"] == "$GAITCHECK_ANONYMIZE"  # the reason it was blurred
