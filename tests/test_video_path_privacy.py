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


def readable(path: Path) -> bytes:
    """A file's bytes as a reader sees them: zip members (``.npz``) and compressed
    PDF streams unpacked too, so a path hidden by compression is found."""
    import contextlib
    import re
    import subprocess
    import zipfile
    import zlib

    data = path.read_bytes()
    parts = [data]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            parts += [archive.read(name) for name in archive.namelist()]
    if path.suffix == ".npz":  # text arrays are stored as UTF-32
        import numpy as np

        with np.load(path, allow_pickle=False) as arrays:
            parts += [str(arrays[k]).encode() for k in arrays.files
                      if arrays[k].dtype.kind == "U"]
    if data.startswith(b"%PDF"):
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
            with contextlib.suppress(zlib.error):
                parts.append(zlib.decompress(stream))
        if shutil.which("pdftotext"):
            parts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                        check=True).stdout)
    return b"\n".join(parts)


def files_holding(folder: Path, text: str) -> list[str]:
    """Files under ``folder`` (hidden ones too) whose content holds ``text`` (UTF-8, or
    as JSON escapes it)."""
    needles = {text.encode(), json.dumps(text)[1:-1].encode()}
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and any(n in readable(p) for n in needles))


@pytest.fixture
def private_videos(ffmpeg: str, tmp_path: Path) -> tuple[Path, list[Path]]:
    """Two clips in a folder whose absolute path must not leak, and a manifest (kept
    elsewhere) naming them by absolute path."""
    folder = tmp_path / "Patients Müller"
    folder.mkdir()
    videos = [make_video(ffmpeg, folder / f"visit {i}.mp4", seconds=2.0) for i in (1, 2)]
    manifest = tmp_path / "lists" / "day.csv"
    manifest.parent.mkdir()
    manifest.write_text("video,patient_id,session_date\n" + "".join(
        f"{v},P-{i},2026-05-0{i}\n" for i, v in enumerate(videos, start=1)), "utf-8")
    return manifest, videos


@pytest.mark.parametrize("keep", [False, True])
def test_no_output_holds_the_inputs_absolute_path(private_videos, tmp_path: Path,
                                                  scripted: None, keep: bool) -> None:
    manifest, videos = private_videos
    private = str(videos[0].parent)
    keep_args = ["--keep-paths"] if keep else []
    db = tmp_path / "clinic.sqlite"
    # One video through analyze (every format, a session recorded), all through batch.
    single = tmp_path / "single"
    res = runner.invoke(app, ["analyze", str(videos[0]), "--out", str(single), "-q",
                              "--formats", "html,csv,pdf,video", "--patient", "P-1",
                              "--db", str(db), *keep_args])
    assert res.exit_code == 0, res.output
    batch = tmp_path / "batch"
    res = runner.invoke(app, ["batch", str(manifest), "--out", str(batch), "--workers", "1",
                              "-q", "--db", str(db), *keep_args])
    assert res.exit_code == 0, res.output
    assert len(list(single.iterdir())) > 5 and len(list(batch.rglob("*"))) > 10
    leaks = files_holding(single, private) + files_holding(batch, private)
    if keep:
        assert {"report.json", "landmarks.npz"} <= set(leaks), leaks
        assert {"summary.csv", "summary.json"} <= set(leaks), leaks
    else:
        assert leaks == [], leaks
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = [" ".join(map(str, r)) for r in conn.execute("SELECT * FROM sessions")]
    assert len(rows) == 2
    assert all((private in r) == keep for r in rows), rows
