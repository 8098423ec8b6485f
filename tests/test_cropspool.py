"""Foot crops kept during the pose pass (gaitcheck.report.cropspool) and the key frames
made from them without decoding the video again."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.landmarks import LM, N_LANDMARKS
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.report import keyframes as kf
from gaitcheck.report.cropspool import CropSpool
from gaitcheck.result import GaitResult
from gaitcheck.video._cv import cv2
from gaitcheck.video.reader import Frame, VideoReader
from helpers import clip_for, spool_of, synthetic_tracks


def _scene(width: int, height: int) -> np.ndarray:
    """A smooth but position-dependent image (JPEG keeps it to a few grey levels)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([x / width * 255, y / height * 255,
                    127 + 100 * np.sin(x / 37.0) * np.cos(y / 53.0)], axis=-1)
    return rgb.clip(0, 255).astype(np.uint8)


def _candidate(width: int, height: int, feet_px: dict[str, tuple[float, float]]) -> PoseCandidate:
    """A person whose ``<side>_<part>`` landmarks sit at the given pixels; the rest NaN."""
    image = np.full((N_LANDMARKS, 5), np.nan, np.float32)
    for name, (x, y) in feet_px.items():
        image[LM[name]] = (x / width, y / height, 0.0, 1.0, 1.0)
    return PoseCandidate(image=image, world=np.zeros((N_LANDMARKS, 3), np.float32))


def _feet(x: float, y: float) -> dict[str, tuple[float, float]]:
    """Left foot at (x, y), right foot 200 px in front: heel, toe and ankle each."""
    out = {}
    for side, dx in (("left", 0.0), ("right", 200.0)):
        out |= {f"{side}_heel": (x + dx, y), f"{side}_foot_index": (x + dx + 60, y + 5),
                f"{side}_ankle": (x + dx + 10, y - 40)}
    return out


def test_region_returns_the_frame_pixels_of_a_box_it_covers() -> None:
    w, h = 1280, 720
    rgb = _scene(w, h)
    feet = _feet(400.0, 600.0)
    with CropSpool(kf.CROP_SIZE) as spool:
        spool.add(Frame(index=7, time_s=0.2, rgb=rgb), [_candidate(w, h, feet)])
        pts = np.array([feet[f"left_{p}"] for p in ("heel", "foot_index", "ankle")])
        box = kf.foot_box(pts, w, h)
        assert box is not None
        found = spool.region(7, box)
        assert found is not None
        patch, scale = found
        x0, y0, x1, y1 = box
        assert scale == 1.0 and patch.shape == (y1 - y0, x1 - x0, 3)
        expected = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2BGR).astype(float)
        assert np.abs(patch.astype(float) - expected).mean() < 2.0
        # A box the crop does not cover, and a frame never added, are not served.
        assert spool.region(7, (900, 0, 1200, 300)) is None
        assert spool.region(8, box) is None
        assert spool.frame_size == (w, h) and spool.nbytes > 0


def test_large_frames_are_stored_only_as_small_as_the_key_frame() -> None:
    w, h = 3840, 2160
    feet = {k: (x * 3, y * 3) for k, (x, y) in _feet(400.0, 600.0).items()}
    with CropSpool(kf.CROP_SIZE) as spool:
        spool.add(Frame(index=0, time_s=0.0, rgb=_scene(w, h)), [_candidate(w, h, feet)])
        pts = np.array([feet[f"right_{p}"] for p in ("heel", "foot_index", "ankle")])
        box = kf.foot_box(pts, w, h)
        found = spool.region(0, box)
        assert found is not None
        patch, scale = found
        side = box[2] - box[0]
        assert scale == pytest.approx(kf.CROP_SIZE / side, rel=1e-6) and scale < 1.0
        assert abs(patch.shape[0] - kf.CROP_SIZE) <= 1


def test_frames_without_feet_store_nothing() -> None:
    w, h = 640, 360
    with CropSpool(kf.CROP_SIZE) as spool:
        spool.add(Frame(index=0, time_s=0.0, rgb=_scene(w, h)), [_candidate(w, h, {})])
        spool.finish()
        assert spool.nbytes == 0 and spool.region(0, (0, 0, 10, 10)) is None


# -- key frames from the spool ---------------------------------------------------------
@pytest.fixture(scope="module")
def side() -> GaitResult:
    _, tracks = synthetic_tracks("side-left", duration_s=4.0)
    return build_result(tracks, AnalyzeOptions())


@pytest.fixture(scope="module")
def clip(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory, side: GaitResult) -> Path:
    return clip_for(ffmpeg, tmp_path_factory.mktemp("clip") / "run.mp4", side.tracks)


def _index(folder: Path) -> dict:
    return json.loads((folder / kf.KEYFRAMES_DIR / kf.INDEX_NAME).read_text())


def test_key_frames_from_the_spool_equal_the_decoded_ones(side: GaitResult, clip: Path,
                                                          tmp_path: Path) -> None:
    decoded, spooled = tmp_path / "decoded", tmp_path / "spooled"
    kf.extract_keyframes(side, clip, decoded)
    with spool_of(side, clip) as spool:
        kf.extract_keyframes(side, None, spooled, spool)  # no video: the spool alone
    a, b = _index(decoded)["keyframes"], _index(spooled)["keyframes"]
    assert len(a) == min(len(side.events["contacts"]), kf.MAX_CROPS) > 0
    assert [e["file"] for e in b] == [e["file"] for e in a]
    for e in a:
        x, y = (cv2.imread(str(d / kf.KEYFRAMES_DIR / e["file"])).astype(float)
                for d in (decoded, spooled))
        assert x.shape == y.shape and np.abs(x - y).mean() < 4.0, e["file"]


def test_a_failed_spool_falls_back_to_decoding(side: GaitResult, clip: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    spool = CropSpool(kf.CROP_SIZE)

    class FullDisk:
        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            pass

    monkeypatch.setattr(spool, "_file", FullDisk())
    rows = {int(f): r for r, f in enumerate(side.tracks.frame_index)}
    with spool:
        for frame in VideoReader(clip).frames():
            r = rows[frame.index]
            spool.add(frame, [PoseCandidate(side.tracks.image[r], side.tracks.world[r])])
        spool.finish()
        assert spool.failed is not None and "No space left" in spool.failed
        assert spool.nbytes == 0
        kf.extract_keyframes(side, clip, tmp_path, spool)
    entries = _index(tmp_path)["keyframes"]
    assert len(entries) == min(len(side.events["contacts"]), kf.MAX_CROPS)
