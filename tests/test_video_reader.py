"""Video reading: rotation, real timestamps, trimming, slow motion and bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.errors import InputError
from gaitcheck.video import VideoReader
from helpers import make_video, shared_video


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    base = make_video(ffmpeg, d / "base.mp4")
    rotated = d / "rotated.mp4"
    import subprocess

    # A phone held upright stores landscape pixels plus a display rotation.
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-display_rotation",
                    "90", "-i", str(base), "-c", "copy", str(rotated)], check=True)
    # Variable frame rate: 30 fps for 15 frames, then 15 fps.
    vfr = make_video(ffmpeg, d / "vfr.mp4", "-vf",
                     "setpts='if(lt(N,15),N/30/TB,(15/30+(N-15)/15)/TB)'", "-fps_mode", "vfr")
    return {"base": base, "rotated": rotated, "vfr": vfr}


def test_probe_reports_metadata(clips: dict[str, Path]) -> None:
    info = VideoReader(clips["base"]).info
    assert (info.width, info.height, info.rotation) == (160, 96, 0)
    assert info.fps == pytest.approx(30.0)
    assert info.frame_count == 30
    assert info.duration_s == pytest.approx(1.0)


def test_rotation_metadata_gives_upright_frames(clips: dict[str, Path]) -> None:
    reader = VideoReader(clips["rotated"])
    assert reader.info.rotation in (90, 270)
    assert (reader.info.width, reader.info.height) == (96, 160)
    frame = next(iter(reader.frames()))
    assert frame.rgb.shape == (160, 96, 3)
    assert frame.rgb.dtype == np.uint8


def _container_pts(ffmpeg: str, path: Path) -> np.ndarray:
    """Presentation times as FFmpeg itself reports them (showinfo filter)."""
    import re
    import subprocess

    log = subprocess.run([ffmpeg, "-hide_banner", "-i", str(path), "-vf", "showinfo", "-f",
                          "null", "-"], capture_output=True, text=True, check=True).stderr
    return np.array([float(v) for v in re.findall(r"pts_time:([0-9.]+)", log)])


def test_variable_frame_rate_uses_real_timestamps(clips: dict[str, Path], ffmpeg: str) -> None:
    times = np.array([f.time_s for f in VideoReader(clips["vfr"]).frames()])
    expected = _container_pts(ffmpeg, clips["vfr"])
    assert len(times) == len(expected) == 30
    np.testing.assert_allclose(times, expected, atol=1e-3)
    # 15 frames at 30 fps then 15 at 15 fps: the nominal rate would say 0.97 s.
    assert times[-1] == pytest.approx(0.5 + 14 / 15, abs=0.04)
    assert np.mean(np.diff(times[15:])) == pytest.approx(1 / 15, abs=0.004)


def test_window_trims_frames(clips: dict[str, Path]) -> None:
    reader = VideoReader(clips["base"], start_s=0.2, end_s=0.5)
    frames = list(reader.frames())
    assert [f.index for f in frames] == list(range(6, 16))
    assert frames[0].time_s == pytest.approx(0.2, abs=1e-3)
    assert reader.expected_frames == 10


def test_slowmo_divides_time(clips: dict[str, Path]) -> None:
    reader = VideoReader(clips["base"], slowmo=8)
    times = [f.time_s for f in reader.frames()]
    assert times[1] - times[0] == pytest.approx(1 / 240, abs=1e-4)
    assert reader.info.capture_fps == pytest.approx(240)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"start_s": -1.0}, "--start"), ({"start_s": 2.0, "end_s": 1.0}, "--end"),
     ({"slowmo": 0.0}, "--slowmo")],
)
def test_invalid_window(clips: dict[str, Path], kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        VideoReader(clips["base"], **kwargs)


def test_window_past_end_is_an_error(clips: dict[str, Path]) -> None:
    # Refused when opened (from the container's frame count), before any pose runs.
    with pytest.raises(InputError, match=r"window 5 s to end .* leaves 0 frames of base.mp4 "
                       r"\(1.0 s long\)"):
        VideoReader(clips["base"], start_s=5.0).check_analysable()


def test_bad_files(tmp_path: Path, clips: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="video not found"):
        VideoReader(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        VideoReader(tmp_path / "empty.mp4")
    rng = np.random.default_rng(0)
    (tmp_path / "noise.mp4").write_bytes(rng.integers(0, 256, 50_000, np.uint8).tobytes())
    with pytest.raises(InputError, match="not a video"):
        VideoReader(tmp_path / "noise.mp4")
    with pytest.raises(InputError, match="not a file"):
        VideoReader(tmp_path)


def test_still_image_is_rejected(tmp_path: Path) -> None:
    from gaitcheck.video._cv import cv2

    image = tmp_path / "photo.mp4"
    _, png = cv2.imencode(".png", np.full((64, 64, 3), 128, np.uint8))
    image.write_bytes(png.tobytes())
    with pytest.raises(InputError, match="still image"):
        VideoReader(image)


def test_truncated_real_clip(tmp_path: Path) -> None:
    src = shared_video("treadmill_side_30fps.mp4")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    with pytest.raises(InputError, match="corrupt or truncated"):
        VideoReader(cut)
    # A complete copy with a space and unicode in the path reads fine.
    spaced = tmp_path / "läuferin run 1.mp4"
    shutil.copy(src, spaced)
    assert VideoReader(spaced).info.frame_count == 360


@pytest.mark.parametrize(("suffix", "codec"), [(".mov", ["-c:v", "libx264"]),
                                               (".avi", ["-c:v", "mpeg4"]),
                                               (".mkv", ["-c:v", "libx264"]),
                                               (".webm", ["-c:v", "libvpx-vp9"])])
def test_containers(tmp_path: Path, ffmpeg: str, suffix: str, codec: list[str]) -> None:
    import subprocess

    path = tmp_path / f"clip{suffix}"
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-t", "1", "-f", "lavfi",
                    "-i", "testsrc=size=160x96:rate=25", *codec, "-pix_fmt", "yuv420p",
                    str(path)], check=True)
    reader = VideoReader(path)
    frames = list(reader.frames())
    assert len(frames) == 25 and reader.info.fps == pytest.approx(25.0)
    assert frames[-1].time_s == pytest.approx(24 / 25, abs=1e-3)


def test_truncated_streamable_file_decodes_as_far_as_it_goes(tmp_path: Path,
                                                             ffmpeg: str) -> None:
    # With the index at the front (+faststart) a cut file still opens.
    full = make_video(ffmpeg, tmp_path / "full.mp4", "-movflags", "+faststart", seconds=4.0,
                      size="320x240")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    reader = VideoReader(cut)
    frames = list(reader.frames())
    assert reader.info.frame_count == 120
    assert 10 < len(frames) < 100
    assert reader.decode_stopped_early


@pytest.fixture(scope="module")
def fast_clip(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Path:
    """1 s at 120 fps."""
    return make_video(ffmpeg, tmp_path_factory.mktemp("fast") / "fast.mp4", rate=120)


def test_stride_keeps_every_nth_frame_with_true_times(fast_clip: Path) -> None:
    full = list(VideoReader(fast_clip).frames())
    reader = VideoReader(fast_clip, stride=4)
    strided = list(reader.frames())
    assert len(full) == 120 and len(strided) == 30 == reader.expected_frames
    assert [f.index for f in strided] == list(range(0, 120, 4))
    np.testing.assert_allclose([f.time_s for f in strided], [f.time_s for f in full][::4])
    np.testing.assert_array_equal(strided[1].rgb, full[4].rgb)
    # The window starts the count: the first frame of the window is always analysed.
    window = list(VideoReader(fast_clip, start_s=0.5, stride=3).frames())
    assert window[0].index == 60 and window[1].index == 63


@pytest.mark.parametrize(("fps", "slowmo", "stride"), [(30.0, 1.0, 4), (40.0, 1.0, 3),
                                                        (200.0, 1.0, 1), (60.0, 2.0, 4)])
def test_analysis_fps_picks_the_stride_that_stays_above_it(fast_clip: Path, fps: float,
                                                          slowmo: float, stride: int) -> None:
    reader = VideoReader(fast_clip, analysis_fps=fps, slowmo=slowmo)
    assert reader.stride == stride
    assert reader.info.capture_fps / reader.stride >= min(fps, reader.info.capture_fps)


def test_stride_for_unknown_rate_keeps_every_frame() -> None:
    from gaitcheck.video.reader import stride_for

    assert stride_for(float("nan"), 30.0) == 1
    assert stride_for(239.99999, 60.0) == 4
    assert stride_for(30.0, None, 5) == 5


@pytest.mark.parametrize("stride", [0, -1, 2.5])
def test_invalid_stride(fast_clip: Path, stride: int) -> None:
    with pytest.raises(InputError, match="--stride"):
        VideoReader(fast_clip, stride=stride)
    with pytest.raises(InputError, match="--analysis-fps"):
        VideoReader(fast_clip, analysis_fps=0.0)


def test_renamed_jpeg_is_a_still_image(tmp_path: Path) -> None:
    from gaitcheck.video._cv import cv2

    image = tmp_path / "photo.mp4"
    image.write_bytes(cv2.imencode(".jpg", np.full((64, 64, 3), 128, np.uint8))[1].tobytes())
    with pytest.raises(InputError, match=r"still image \(JPEG\)"):
        VideoReader(image)


def test_decoding_resumes_after_a_damaged_stretch(tmp_path: Path, ffmpeg: str) -> None:
    full = make_video(ffmpeg, tmp_path / "full.mp4", "-g", "15", seconds=4.0,
                      size="320x240")
    data = bytearray(full.read_bytes())
    a, b = int(0.4 * len(data)), int(0.45 * len(data))
    data[a:b] = bytes(b - a)
    (tmp_path / "bad.mp4").write_bytes(bytes(data))
    reader = VideoReader(tmp_path / "bad.mp4")
    frames = list(reader.frames())
    assert 60 < len(frames) < 120 and frames[-1].index == 119
    assert reader.decode_errors > 0 and not reader.decode_stopped_early
    times = [f.time_s for f in frames]
    assert all(np.diff(times) > 0)
    # Frame numbers stay in step with the true times across the gap.
    np.testing.assert_allclose([f.index / 30 for f in frames], times, atol=1e-3)
