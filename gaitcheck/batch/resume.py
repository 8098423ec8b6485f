"""Resuming a batch: which finished folders can be kept, and one batch per folder.

A folder is kept when its marker names the same video content (size, then SHA-256) and
the same analysis settings, and it still holds every file its ``report.json`` lists.
An advisory lock on the batch folder keeps a second batch out while one writes.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gaitcheck.batch.inputs import VideoEntry
from gaitcheck.batch.jobs import file_sha256, read_marker, rel_matches
from gaitcheck.errors import OutputError
from gaitcheck.filenames import REPORT_NAME

LOCK_NAME = ".batch.lock"


@contextlib.contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    """Hold an advisory lock on the batch folder, released even on SIGKILL."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock, one batch per folder is up to the user
        yield
        return
    with (out_dir / LOCK_NAME).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(f"another gaitcheck batch is writing to {out_dir}") from None
        yield


def folder_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a readable ``report.json`` and every file it lists (and
    every key frame the key-frame index lists): a deleted ``report.html`` or
    ``keyframes/`` means the video is analysed again."""
    try:
        report = json.loads((folder / REPORT_NAME).read_text(encoding="utf-8"))
        files = report["files"]
        for rel in files.values():
            if not (folder / rel).is_file():
                return False
        if "keyframes" in files:
            index = folder / files["keyframes"]
            crops = json.loads(index.read_text(encoding="utf-8"))["keyframes"]
            return all((index.parent / crop["file"]).is_file() for crop in crops)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def reusable_outcome(folder: Path, entry: VideoEntry, shash: str) -> dict[str, Any] | None:
    """The stored outcome of ``folder`` if it is a finished analysis of this very video
    content with these settings, else None."""
    marker = read_marker(folder)
    # The relative path, not the absolute one: moving the whole input folder (or mounting
    # it elsewhere) keeps the work; two identical copies never share a folder.
    if (marker is None or marker.get("settings_hash") != shash
            or not rel_matches(marker, entry.rel) or not folder_complete(folder)):
        return None
    try:
        if marker.get("video_size") != entry.path.stat().st_size:
            return None  # cheap test first: hashing a large video takes seconds
        if marker.get("video_sha256") != file_sha256(entry.path):
            return None
    except OSError:
        return None
    return marker["outcome"]
