"""All-or-nothing output (gaitcheck.fsio): removals and externally written files join the
transaction, and so do files written on a helper thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitcheck import fsio
from gaitcheck.errors import OutputError
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report import keyframes as kf
from gaitcheck.report import writers
from helpers import clip_for, spool_of, synthetic_tracks


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failed_transaction_restores_removed_and_externally_written_files(
        tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_text("old")
    (tmp_path / "video.mp4").write_bytes(b"old video")
    before = _snapshot(tmp_path)
    with pytest.raises(RuntimeError), fsio.transaction():
        fsio.write_text_atomic(tmp_path / "kept.txt", "new")
        fsio.remove(tmp_path / "kept.txt")
        with fsio.atomic_path(tmp_path / "video.mp4") as tmp:
            tmp.write_bytes(b"new video")  # what an external encoder would do
        fsio.write_text_atomic(tmp_path / "new.txt", "new file")
        raise RuntimeError("later step fails")
    assert _snapshot(tmp_path) == before


def test_failed_transaction_removes_the_folders_it_created(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    with pytest.raises(RuntimeError), fsio.transaction():
        fsio.make_dirs(tmp_path / "old")
        folder = fsio.make_dirs(tmp_path / "new" / "keyframes")
        fsio.write_text_atomic(folder / "index.json", "{}")
        raise RuntimeError("later step fails")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_successful_transaction_keeps_changes_and_no_backups(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text("old")
    with fsio.transaction():
        fsio.remove(tmp_path / "gone.txt")
        fsio.remove(tmp_path / "never-there.txt")
        with fsio.atomic_path(tmp_path / "video.mp4") as tmp:
            tmp.write_bytes(b"video")
    assert _snapshot(tmp_path) == {"video.mp4": b"video"}


def test_atomic_path_leaves_the_target_alone_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"previous")
    with pytest.raises(ValueError), fsio.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("encoder died")
    assert _snapshot(tmp_path) == {"out.mp4": b"previous"}


def test_failed_save_restores_the_previous_key_frames(
        ffmpeg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Key frames are written on a helper thread: they must still roll back."""
    _, tracks = synthetic_tracks("side-left", duration_s=4.0)
    result = build_result(tracks, AnalyzeOptions())
    clip = clip_for(ffmpeg, tmp_path / "run.mp4", tracks)
    out = tmp_path / "run"
    with spool_of(result, clip) as spool:
        writers.save_result(result, out, ("html",), spool)
        crops = sorted((out / kf.KEYFRAMES_DIR).glob("ic_*.jpg"))
        assert len(crops) > 2
        # An earlier run had other contacts: one crop more, another one changed.
        (out / kf.KEYFRAMES_DIR / "ic_999_left.jpg").write_bytes(b"old crop")
        crops[0].write_bytes(b"old bytes")
        before = _snapshot(out)

        def fail(*args: object) -> None:
            raise OutputError("no space left on device while writing report.json")

        monkeypatch.setattr(writers, "write_report", fail)
        with pytest.raises(OutputError):
            writers.save_result(result, out, ("html",), spool)
    assert _snapshot(out) == before
