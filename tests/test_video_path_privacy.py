"""report.json keeps the video's file name, not its absolute path, unless --keep-paths;
``gaitcheck report --annotate`` finds the video again (or is told with --video)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from helpers import ScriptedBackend, candidate, make_video

runner = CliRunner()


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pose replaced by a stepping stick figure in every frame (no model)."""
    import gaitcheck.pipeline as pipeline

    script = {t: [candidate(0.5, 0.5, 0.6, phase=t / 3)] for t in range(400)}
    monkeypatch.setattr(pipeline, "_mediapipe_backend",
                        lambda options: ScriptedBackend(script))


@pytest.fixture
def analysed(ffmpeg: str, tmp_path: Path, scripted: None) -> tuple[Path, Path]:
    """A 2 s clip analysed with default options: (video, report folder)."""
    video = make_video(ffmpeg, tmp_path / "run.mp4", seconds=2.0)
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(video), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return video, out


def video_info(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["video"]


def test_default_report_stores_the_file_name_only(analysed: tuple[Path, Path]) -> None:
    video, out = analysed
    assert video_info(out)["path"] == "run.mp4"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert str(video.parent) not in html
    # Re-analysed landmarks (whose file still knows the folder) stay private too.
    res = runner.invoke(app, ["analyze", "--landmarks", str(out / "landmarks.npz"),
                              "--out", str(out.parent / "again"), "-q"])
    assert res.exit_code == 0, res.output
    assert video_info(out.parent / "again")["path"] == "run.mp4"


def test_keep_paths_stores_the_absolute_path(ffmpeg: str, tmp_path: Path,
                                             scripted: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    video = make_video(ffmpeg, tmp_path / "run.mp4", seconds=2.0)
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["analyze", "run.mp4", "--out", "out", "--keep-paths", "-q"])
    assert res.exit_code == 0, res.output
    assert video_info(tmp_path / "out")["path"] == str(video.resolve())


def test_report_annotate_finds_the_video(analysed: tuple[Path, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    video, out = analysed
    # Next to the report folder.
    res = runner.invoke(app, ["report", str(out), "--annotate", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "annotated.mp4").is_file()
    (out / "annotated.mp4").unlink()
    # Moved away: refused with one line naming the file and --video, nothing written.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    moved = Path(shutil.move(video, elsewhere / "run.mp4"))
    res = runner.invoke(app, ["report", str(out), "--annotate", "-q"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "run.mp4" in lines[0] and "--video" in lines[0], lines
    assert not (out / "annotated.mp4").exists()
    # Told where it is.
    res = runner.invoke(app, ["report", str(out), "--annotate", "--video", str(moved), "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "annotated.mp4").is_file()
    # In the current folder.
    (out / "annotated.mp4").unlink()
    monkeypatch.chdir(elsewhere)
    res = runner.invoke(app, ["report", str(out), "--annotate", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "annotated.mp4").is_file()


def test_report_video_option_is_checked(analysed: tuple[Path, Path], ffmpeg: str,
                                        tmp_path: Path) -> None:
    _, out = analysed
    other = make_video(ffmpeg, tmp_path / "other.mp4", "-vf", "negate", seconds=2.0)
    res = runner.invoke(app, ["report", str(out), "--annotate", "--video", str(other), "-q"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "not the video this report was made from" in lines[0], lines
    res = runner.invoke(app, ["report", str(out), "--annotate", "--video",
                              str(tmp_path / "gone.mp4"), "-q"])
    assert res.exit_code == 2 and "gone.mp4" in res.stderr, res.output
    assert not (out / "annotated.mp4").exists()
