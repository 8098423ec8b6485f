"""Hostile inputs through ``gaitcheck analyze``: a clear one-line error or a report whose
warnings say what went wrong, and never lost or half-written output.

Clips are derived from the bundled sample with OpenCV (small frames, short windows);
tests that need the real pose model are marked ``slow``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import gaitcheck.pipeline as pipeline
from gaitcheck.cli.app import app
from gaitcheck.metrics.checks import PLAUSIBLE
from gaitcheck.video import VideoReader
from gaitcheck.video._cv import cv2
from gaitcheck.video.writer import ffmpeg_exe, write_video
from helpers import REPO, ScriptedBackend, candidate, make_video, shared_video

SAMPLE = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"  # 720x1280, 8 s, side
SMALL = (360, 640)
runner = CliRunner()


# -- building clips ------------------------------------------------------------------------
def _small(rgb: np.ndarray, i: int) -> np.ndarray:
    return cv2.resize(rgb, SMALL, interpolation=cv2.INTER_AREA)


def _derive(path: Path, fn: Callable[[np.ndarray, int], np.ndarray], n: int) -> Path:
    """Write the first ``n`` frames of the sample, transformed by ``fn``."""
    frames = (fn(f.rgb, f.index) for f in VideoReader(SAMPLE, end_s=(n - 0.5) / 30).frames())
    return write_video(path, frames, 30.0)


def _leaving(rgb: np.ndarray, i: int) -> np.ndarray:
    """The runner drifts out of the picture to the left from frame 45 on."""
    s = _small(rgb, i)
    shift = min(SMALL[0], max(0, i - 45) * 12)
    out = np.empty_like(s)
    out[:] = s[5, 5]
    out[:, :SMALL[0] - shift] = s[:, shift:]
    return out


def _letterbox(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """The portrait frame centred on a black landscape canvas."""
    canvas = np.zeros((height, width, 3), np.uint8)
    w = height * rgb.shape[1] // rgb.shape[0] // 2 * 2
    canvas[:, (width - w) // 2:(width + w) // 2] = cv2.resize(rgb, (w, height))
    return canvas


def _turned(rgb: np.ndarray, i: int) -> np.ndarray:
    return cv2.rotate(_small(rgb, i), cv2.ROTATE_90_CLOCKWISE)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``clips(name)``: a derived clip, built on first use."""
    folder = tmp_path_factory.mktemp("derived clips")
    data = SAMPLE.read_bytes()
    recipes: dict[str, Callable[[Path], Path]] = {
        "random.mp4": lambda p: _write(p, np.random.default_rng(0).bytes(100_000)),
        "zero.mp4": lambda p: _write(p, b""),
        "photo png.mp4": lambda p: _write(p, _image_bytes(".png")),
        "photo jpeg.mp4": lambda p: _write(p, _image_bytes(".jpg")),
        "cut 30.mp4": lambda p: _write(p, data[: int(0.3 * len(data))]),
        "cut 70.mp4": lambda p: _write(p, data[: int(0.7 * len(data))]),
        "damaged.mp4": lambda p: _write(p, _damaged(data)),
        "one frame.mp4": lambda p: _derive(p, _small, 1),
        "two seconds.mp4": lambda p: _derive(p, _small, 60),
        "leaving.mp4": lambda p: _derive(p, _leaving, 105),
        "dark.mp4": lambda p: _derive(p, lambda f, i: (_small(f, i) * 0.05).astype(np.uint8),
                                      45),
        "blurred.mp4": lambda p: _derive(p, lambda f, i: cv2.GaussianBlur(_small(f, i),
                                                                          (0, 0), 12), 90),
        "landscape.mp4": lambda p: _derive(p, lambda f, i: _letterbox(f, 640, 360), 75),
        "uhd.mp4": lambda p: _derive(p, lambda f, i: _letterbox(f, 3840, 2160), 20),
        "turned.mp4": lambda p: _derive(p, _turned, 75),
        "portrait rotated.mp4": lambda p: _with_rotation(_derive(
            p.with_name("stored sideways.mp4"), _turned, 75), p),
    }

    def get(name: str) -> Path:
        path = folder / name
        if not path.exists():
            recipes[name](path)
        return path

    return get


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _image_bytes(ext: str) -> bytes:
    frame = next(iter(VideoReader(SAMPLE).frames())).rgb
    return cv2.imencode(ext, cv2.cvtColor(_small(frame, 0), cv2.COLOR_RGB2BGR))[1].tobytes()


def _damaged(data: bytes) -> bytes:
    """5 % of the file overwritten with noise, 40 % of the way in (a bad sector)."""
    a, b = int(0.40 * len(data)), int(0.45 * len(data))
    return data[:a] + np.random.default_rng(1).bytes(b - a) + data[b:]


def _with_rotation(stored: Path, out: Path) -> Path:
    """Pixels stored turned a quarter clockwise, with a display rotation that turns them
    back (what a phone held upright writes)."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                    "-display_rotation", "90", "-i", str(stored), "-c", "copy", str(out)],
                   check=True)
    return out


# -- running and checking --------------------------------------------------------------------
@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pose replaced by a stepping stick figure in every frame (no model)."""
    script = {t: [candidate(0.5, 0.5, 0.6, phase=t / 3)] for t in range(400)}
    monkeypatch.setattr(pipeline, "_mediapipe_backend",
                        lambda options: ScriptedBackend(script))


def analyze(video: Path, out: Path, *extra: str) -> tuple[int, str, dict | None]:
    """Run ``gaitcheck analyze`` in-process: exit code, stderr, report (or None)."""
    result = runner.invoke(app, ["analyze", str(video), "--out", str(out), "-q", *extra])
    report = out / "report.json"
    return (result.exit_code, result.stderr,
            json.loads(report.read_text()) if report.exists() else None)


def assert_one_line_error(code: int, stderr: str, *needles: str) -> None:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in stderr, stderr


def assert_clean_folder(out: Path) -> None:
    """No temporary or backup file is left behind."""
    if out.exists():
        leftovers = [p.name for p in out.rglob(".*")]
        assert not leftovers, leftovers


def codes(report: dict) -> set[str]:
    return {w["code"] for w in report["quality"]["warnings"]}


def assert_sane_metrics(report: dict) -> None:
    """Every reported value is finite and physiologically possible, or null."""
    for key, m in report["metrics"].items():
        if key == "asymmetry" or m.get("value") is None:
            continue
        lo, hi = PLAUSIBLE.get(key, (-np.inf, np.inf))
        assert m["measurable"] and lo <= m["value"] <= hi, (key, m["value"])


# -- not a video -----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "message"), [
    ("random.mp4", "not a video"), ("zero.mp4", "empty (0 bytes)"),
    ("photo png.mp4", "still image (PNG)"), ("photo jpeg.mp4", "still image (JPEG)")])
def test_not_a_video_is_one_line_exit_2(clips: Callable[[str], Path], tmp_path: Path,
                                        name: str, message: str) -> None:
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "gaitcheck", "analyze", str(clips(name)),
                          "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert_one_line_error(run.returncode, run.stderr, message)
    assert not out.exists()


def test_one_frame_video_is_an_error(clips: Callable[[str], Path], tmp_path: Path,
                                     scripted: None) -> None:
    code, stderr, report = analyze(clips("one frame.mp4"), tmp_path / "out")
    assert_one_line_error(code, stderr, "single decodable frame")
    assert report is None and not (tmp_path / "out").exists()  # no empty folder left


# -- truncated and damaged files --------------------------------------------------------------
@pytest.mark.parametrize(("name", "lo", "hi"), [("cut 30.mp4", 40, 90), ("cut 70.mp4", 130, 190)])
def test_truncated_video_is_analysed_as_far_as_it_goes(clips: Callable[[str], Path],
                                                       tmp_path: Path, scripted: None,
                                                       name: str, lo: int, hi: int) -> None:
    code, stderr, report = analyze(clips(name), tmp_path / "out")
    assert code == 0, stderr
    assert lo < report["quality"]["frames"] < hi
    assert "video_truncated" in codes(report)
    assert_clean_folder(tmp_path / "out")


def test_damaged_video_resumes_after_the_bad_stretch(clips: Callable[[str], Path],
                                                     tmp_path: Path, scripted: None) -> None:
    code, stderr, report = analyze(clips("damaged.mp4"), tmp_path / "out")
    assert code == 0, stderr
    assert report["quality"]["frames"] > 180  # of 240: only the damaged stretch is lost
    assert "video_damaged" in codes(report)
    assert report["video"]["analysis_window"]["last_frame"] == 239


def test_truncated_recording_without_index_is_a_clear_error(tmp_path: Path) -> None:
    """A real phone-style file cut short has no 'moov' index: nothing can be decoded."""
    src = shared_video("treadmill_side_30fps.mp4")
    for fraction in (0.3, 0.7):
        cut = _write(tmp_path / f"cut {fraction}.mp4",
                     src.read_bytes()[: int(fraction * src.stat().st_size)])
        code, stderr, report = analyze(cut, tmp_path / "out")
        assert_one_line_error(code, stderr, "truncated", "'moov'")
        assert report is None


# -- what the pose model sees ----------------------------------------------------------------
@pytest.mark.slow
def test_two_second_clip_warns_about_few_strides(clips: Callable[[str], Path],
                                                 tmp_path: Path) -> None:
    code, stderr, report = analyze(clips("two seconds.mp4"), tmp_path / "out")
    assert code == 0, stderr
    assert {"short_clip", "few_strides"} <= codes(report)
    cadence = report["metrics"]["cadence_spm"]
    assert cadence["value"] is None or cadence["confidence"] <= 0.5
    assert_sane_metrics(report)


@pytest.mark.slow
def test_runner_leaving_the_frame(clips: Callable[[str], Path], tmp_path: Path) -> None:
    code, stderr, report = analyze(clips("leaving.mp4"), tmp_path / "out")
    assert code == 0, stderr
    assert report["quality"]["frames_with_pose"] < report["quality"]["frames"]
    assert codes(report) & {"low_pose_coverage", "subject_out_of_frame"}
    assert_sane_metrics(report)


@pytest.mark.slow
def test_very_dark_clip(clips: Callable[[str], Path], tmp_path: Path) -> None:
    code, stderr, report = analyze(clips("dark.mp4"), tmp_path / "out")
    if report is None:  # nobody found: the error says why
        assert_one_line_error(code, stderr, "no person detected", "very dark")
    else:
        assert code == 0 and "dark_video" in codes(report)
        assert_sane_metrics(report)


@pytest.mark.slow
def test_very_blurred_clip(clips: Callable[[str], Path], tmp_path: Path) -> None:
    code, stderr, report = analyze(clips("blurred.mp4"), tmp_path / "out")
    if report is None:
        assert_one_line_error(code, stderr, "no person detected", "blurred")
    else:
        assert code == 0 and "blurry_video" in codes(report)
        assert_sane_metrics(report)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "size", "rotation"), [
    ("portrait rotated.mp4", (360, 640), 270), ("landscape.mp4", (640, 360), 0),
    ("uhd.mp4", (3840, 2160), 0)])
def test_orientation_and_size(clips: Callable[[str], Path], tmp_path: Path, name: str,
                              size: tuple[int, int], rotation: int) -> None:
    code, stderr, report = analyze(clips(name), tmp_path / "out")
    assert code == 0, stderr
    video = report["video"]
    assert (video["width"], video["height"], video["rotation"]) == (*size, rotation)
    assert report["quality"]["pose_coverage"] > 0.9
    assert report["view"]["value"] == "side"
    assert_sane_metrics(report)


@pytest.mark.slow
def test_video_turned_without_rotation_metadata(clips: Callable[[str], Path],
                                                tmp_path: Path) -> None:
    code, stderr, report = analyze(clips("turned.mp4"), tmp_path / "out")
    assert code == 0, stderr
    assert "subject_not_upright" in codes(report)
    assert all(m.get("value") is None for k, m in report["metrics"].items()
               if k != "asymmetry")


# -- where the output goes ---------------------------------------------------------------------
def test_spaces_and_unicode_in_paths(clips: Callable[[str], Path], tmp_path: Path,
                                     scripted: None) -> None:
    video = tmp_path / "Läuferin 1 – ß.mp4"
    shutil.copy(clips("cut 30.mp4"), video)
    out = tmp_path / "Ergebnis mit Leerzeichen ü"
    code, stderr, report = analyze(video, out)
    assert code == 0, stderr
    assert report["video"]["path"] == video.name  # the file name only: no --keep-paths
    assert (out / "landmarks.npz").is_file()
    assert_clean_folder(out)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").write_bytes(b"")
        (folder / ".probe").unlink()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def _tmpfs(path: Path, options: str) -> Iterator[bool]:
    """Mount a tmpfs at ``path`` if this user may (root in a sandbox); yields success."""
    path.mkdir(parents=True, exist_ok=True)
    ok = shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True).returncode == 0
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _previous_run(out: Path) -> dict[str, bytes]:
    """A complete earlier report folder (small fake files) that must survive."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"report.json": b'{"schema_version": "1.2", "old": true}\n',
             "landmarks.npz": b"old landmarks", "landmarks.csv": b"old,csv\n"}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return files


def test_read_only_output_folder(clips: Callable[[str], Path], tmp_path: Path,
                                 scripted: None) -> None:
    """chmod 0o555 for a user; root ignores modes, so there a tmpfs remounted read-only."""
    out = tmp_path / "read only"
    with contextlib.ExitStack() as stack:
        before = _previous_run(out)
        out.chmod(0o555)
        stack.callback(lambda: out.chmod(0o755) if not os.path.ismount(out) else None)
        if _writable(out):
            out.chmod(0o755)
            shutil.rmtree(out)
            if not stack.enter_context(_tmpfs(out, "size=1m")):
                pytest.skip("root without mount: no way to make a folder read-only")
            before = _previous_run(out)
            subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        code, stderr, _ = analyze(clips("cut 30.mp4"), out)
        assert_one_line_error(code, stderr, "output folder is not writable")
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_disk_full_keeps_the_previous_report(clips: Callable[[str], Path], tmp_path: Path,
                                             scripted: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk half-way through: one-line error, the earlier report folder exactly as
    it was, no temporary file. A 200 kB tmpfs fills up after the landmark files; without
    mount permission the low-level sync raises ENOSPC instead."""
    out = tmp_path / "full disk"
    with _tmpfs(out, "size=200k") as mounted:
        before = _previous_run(out)
        if not mounted:
            import gaitcheck.fsio as fsio

            def full(fd: int) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            monkeypatch.setattr(fsio.os, "fsync", full)
        code, stderr, report = analyze(clips("cut 70.mp4"), out)
        assert_one_line_error(code, stderr, "no space left on device")
        assert report == json.loads(before["report.json"])
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        assert_clean_folder(out)


# -- frame stride ------------------------------------------------------------------------------
def test_stride_is_recorded_with_its_timing_resolution(tmp_path: Path, ffmpeg: str,
                                                       scripted: None) -> None:
    clip = make_video(ffmpeg, tmp_path / "fast.mp4", seconds=2.0, rate=120)
    code, stderr, report = analyze(clip, tmp_path / "out", "--analysis-fps", "30")
    assert code == 0, stderr
    sampling = report["quality"]["sampling"]
    assert (sampling["stride"], sampling["source_fps"]) == (4, 120.0)
    assert sampling["analysed_fps"] == pytest.approx(30.0, rel=1e-3)
    assert sampling["event_resolution_ms"] == pytest.approx(16.7, abs=0.1)
    assert report["quality"]["frames"] == 60
    assert "frame_stride" in codes(report)
    window = report["video"]["analysis_window"]
    assert (window["first_frame"], window["last_frame"]) == (0, 236)
    code, stderr, _ = analyze(clip, tmp_path / "again", "--stride", "0")
    assert code == 2
