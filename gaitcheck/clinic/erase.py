"""``gaitcheck forget PATIENT``: erase a patient's sessions and report folders."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaitcheck.clinic.db import Database
from gaitcheck.filenames import REPORT_NAME


@dataclass
class Erasure:
    """What ``forget`` removed, and what it could not."""

    sessions: int = 0
    folders: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)


def report_folder(session: dict[str, Any]) -> Path | None:
    """Return a session's report folder, or None when the database names none."""
    text = session.get("report_dir")
    return Path(text) if text else None


def forget(db: Database, sessions: list[dict[str, Any]]) -> Erasure:
    """Remove the report folders of ``sessions``, then their database rows.

    A folder is removed only if it holds a ``report.json`` (a gaitcheck analysis): a
    database edited to name another folder cannot make this delete it. A session whose
    report folder could not be removed (permissions, a busy network share) keeps its
    row, so that ``forget`` can be run again and nothing is left behind unrecorded.
    """
    result = Erasure()
    erased = []
    for session in sessions:
        folder = report_folder(session)
        if folder is None or not folder.exists():
            if folder is not None:
                result.missing.append(folder)
            erased.append(session["id"])
            continue
        if not (folder / REPORT_NAME).is_file():
            result.kept.append((folder, "holds no report.json: not a gaitcheck report "
                                "folder, left alone"))
            erased.append(session["id"])  # the session's data is erased all the same
            continue
        try:
            shutil.rmtree(folder)
        except OSError as err:
            result.kept.append((folder, err.strerror or str(err)))
            continue
        result.folders.append(folder)
        erased.append(session["id"])
    result.sessions = db.delete_sessions(erased)
    return result
