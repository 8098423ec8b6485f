"""Command line: outputs, re-analysis, and one-line errors with the right exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import gaitcheck.pipeline as pipeline
from gaitcheck import __version__
from gaitcheck.cli.app import app
from gaitcheck.tracks import load_tracks
from helpers import ScriptedBackend, candidate, make_video

runner = CliRunner()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the real console entry point in a subprocess (as a user would)."""
    return subprocess.run([sys.executable, "-m", "gaitcheck", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def clip(tmp_path: Path, ffmpeg: str) -> Path:
    return make_video(ffmpeg, tmp_path / "clip one.mp4", seconds=2.0)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedBackend:
    """Replace the pose model by a runner crossing the frame, absent in frames 10-14."""
    script = {t: [candidate(0.2 + 0.01 * t, 0.5, 0.6, phase=t / 3)] for t in range(60)
              if not 10 <= t < 15}
    backend = ScriptedBackend(script)
    monkeypatch.setattr(pipeline, "_mediapipe_backend", lambda options: backend)
    return backend


def test_version_and_help() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"gaitcheck {__version__}"
    result = run_cli("analyze", "--help")
    assert result.returncode == 0
    for option in ("--out", "--start", "--end", "--slowmo", "--model", "--landmarks"):
        assert option in result.stdout


def test_analyze_writes_report_and_landmarks(clip: Path, tmp_path: Path,
                                             scripted: ScriptedBackend) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(clip), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == "1.6"
    video = report["video"]
    assert (video["fps"], video["frame_count"], video["width"], video["height"]) == (
        30.0, 60, 160, 96)
    assert video["duration_s"] == pytest.approx(2.0) and video["rotation"] == 0
    quality = report["quality"]
    assert (quality["frames"], quality["frames_with_pose"]) == (60, 55)
    assert quality["pose_coverage"] == pytest.approx(55 / 60, abs=1e-4)
    assert set(quality["mean_visibility"]) >= {"head", "torso", "left_leg", "right_foot"}
    files = report["files"]
    assert set(files) >= {"landmarks_npz", "landmarks_csv", "frames_csv", "contacts_csv",
                          "metrics_csv", "html"}
    assert (files["landmarks_npz"], files["html"]) == ("landmarks.npz", "report.html")
    tracks = load_tracks(out / "landmarks.npz")
    assert tracks.detected.sum() == 55
    assert len((out / "landmarks.csv").read_text().splitlines()) == 61
    # Real-time timestamps reached the backend in milliseconds, strictly increasing.
    assert scripted.calls[:3] == [0, 33, 67] and scripted.closed
    # Exactly the files the report lists (key frames need the detected contacts and a
    # decodable video; this scripted clip has none), and no temporary files.
    assert {p.name for p in out.iterdir()} == {Path(f).parts[0] for f in files.values()} | {
        "report.json"}


def test_trim_and_slowmo(clip: Path, tmp_path: Path, scripted: ScriptedBackend) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(clip), "-o", str(out), "--start", "0.5", "--end", "1.0",
            "--slowmo", "4"]
    assert runner.invoke(app, args).exit_code == 0
    report = json.loads((out / "report.json").read_text())
    window = report["video"]["analysis_window"]
    assert (window["first_frame"], window["last_frame"]) == (15, 30)
    assert report["quality"]["frames"] == 16
    assert report["video"]["capture_fps"] == pytest.approx(120.0)
    assert report["quality"]["effective_fps"] == pytest.approx(120.0, rel=1e-3)


def test_reanalyse_saved_landmarks_without_pose(clip: Path, tmp_path: Path,
                                                scripted: ScriptedBackend,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first"
    assert runner.invoke(app, ["analyze", str(clip), "-o", str(first)]).exit_code == 0

    def no_pose(options: object) -> None:
        raise AssertionError("pose must not run")

    monkeypatch.setattr(pipeline, "_mediapipe_backend", no_pose)
    again = tmp_path / "again"
    result = runner.invoke(app, ["analyze", "--landmarks", str(first / "landmarks.npz"),
                                 "-o", str(again), "--end", "1.0"])
    assert result.exit_code == 0, result.output
    report = json.loads((again / "report.json").read_text())
    assert report["quality"]["frames"] == 31
    assert report["video"]["path"] == clip.name  # the file name only: no --keep-paths


def test_personless_video_is_a_user_error(clip: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "_mediapipe_backend", lambda o: ScriptedBackend({}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(clip), "-o", str(out)])
    assert result.exit_code == 2
    assert "no person detected in any of the 60 frames" in result.output
    assert not (out / "report.json").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.mp4", "video not found"),
        (lambda d: _write(d / "notes.mp4", b"these are my running notes\n" * 100),
         "not a video"),
        (lambda d: _write(d / "empty.mov", b""), "empty"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, make, message: str) -> None:
    result = run_cli("analyze", str(make(tmp_path)), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_unwritable_output_folder(clip: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    result = run_cli("analyze", str(clip), "-o", str(blocker / "sub"))
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert "cannot create output folder" in result.stderr
    result = run_cli("analyze", str(clip), "-o", "/proc/gaitcheck-out")
    assert result.returncode == 2 and "cannot create output folder" in result.stderr


def test_read_only_output_folder(clip: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Root ignores file modes, so simulate the EACCES a read-only folder gives a user.
    import tempfile

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # The output folder's write check (gaitcheck.fsio.ensure_dir-style probe).
    monkeypatch.setattr(tempfile, "TemporaryFile", denied)
    result = runner.invoke(app, ["analyze", str(clip), "-o", str(tmp_path / "ro")])
    assert result.exit_code == 2
    assert "output folder is not writable" in result.output


def test_debug_shows_traceback(tmp_path: Path) -> None:
    result = run_cli("analyze", str(tmp_path / "missing.mp4"), "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_usage_errors() -> None:
    result = run_cli("analyze")
    assert result.returncode == 2 and "missing VIDEO" in result.stderr
    result = run_cli("analyze", "x.mp4", "--max-people", "0")
    assert result.returncode == 2


def test_corrupt_landmarks_file(tmp_path: Path) -> None:
    bad = _write(tmp_path / "landmarks.npz", b"garbage")
    result = run_cli("analyze", "--landmarks", str(bad))
    assert result.returncode == 2 and "not a gaitcheck landmarks file" in result.stderr


def test_report_files_are_atomic(clip: Path, tmp_path: Path, scripted: ScriptedBackend,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while writing leaves the previous report intact and no temp files."""
    out = tmp_path / "out"
    assert runner.invoke(app, ["analyze", str(clip), "-o", str(out)]).exit_code == 0
    before = (out / "report.json").read_bytes()
    scripted.calls.clear()

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", full_disk)
    result = runner.invoke(app, ["analyze", str(clip), "-o", str(out)])
    assert result.exit_code == 2
    assert "no space left" in result.output
    assert (out / "report.json").read_bytes() == before
    files = json.loads(before)["files"]
    assert {p.name for p in out.iterdir()} == {Path(f).parts[0] for f in files.values()} | {
        "report.json"}


def test_truncated_video_is_analysed_with_a_warning(tmp_path: Path, ffmpeg: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    full = make_video(ffmpeg, tmp_path / "full.mp4", "-movflags", "+faststart", seconds=4.0,
                      size="320x240")
    cut = _write(tmp_path / "cut.mp4", full.read_bytes()[: full.stat().st_size // 2])
    script = {t: [candidate(0.5, 0.5, 0.6, phase=t / 3)] for t in range(120)}
    monkeypatch.setattr(pipeline, "_mediapipe_backend", lambda o: ScriptedBackend(script))
    result = runner.invoke(app, ["analyze", str(cut), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert 10 < report["quality"]["frames"] < 100
    assert "video_truncated" in {w["code"] for w in report["quality"]["warnings"]}


def test_progress_bar_reports_frames_and_rate() -> None:
    import io

    from rich.console import Console

    from gaitcheck.cli.progress import FrameProgress

    buffer = io.StringIO()
    bar = FrameProgress(Console(file=buffer, force_terminal=True, width=120), "pose clip")
    bar.start(50)
    for done in range(1, 51):
        bar.update(done)
    bar._bar.refresh()
    text = buffer.getvalue()
    bar.stop()
    assert "pose clip" in text and "50/50" in text and "fps" in text and "ETA" in text


def test_models_command_lists_the_bundled_model() -> None:
    result = run_cli("models")
    assert result.returncode == 0
    assert "bundled" in result.stdout and "8054d5bf95ac9628" in result.stdout
    assert "Not installed: lite, heavy" in result.stdout
