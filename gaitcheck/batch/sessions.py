"""Recording a batch's finished videos in the clinic database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gaitcheck.batch.inputs import VideoEntry

if TYPE_CHECKING:
    from gaitcheck.batch.runner import BatchLog, BatchSettings


class SessionRecorder:
    """Records finished videos of a batch in the clinic database (opened on first use).

    A database failure is logged and counted, never stops the batch: the analyses are
    on disk, and a re-run records them.
    """

    def __init__(self, settings: BatchSettings, out: Path, log: BatchLog) -> None:
        self._settings, self._out, self._log = settings, out, log
        self.settings: dict[str, tuple[str, dict[str, Any]]] = {}
        self._db: Any = None
        self.recorded = self.updated = 0
        self.errors: list[str] = []

    def record(self, entry: VideoEntry, outcome: dict[str, Any]) -> None:
        patient = entry.fields.get("subject_id")
        if not patient or outcome.get("status") not in ("ok", "warning"):
            return
        from gaitcheck.clinic.db import open_database
        from gaitcheck.clinic.record import record_session

        shash, options = self.settings[entry.name]
        try:
            if self._db is None:
                self._db = open_database(self._settings.database)
                self._log(f"clinic database {self._db.describe()}")
            session_id, new = record_session(
                self._db, self._out / entry.name, str(patient), entry.fields.get(
                    "session_date"), shash, entry.path, self._settings.keep_paths,
                outcome.get("video_sha256"), options)
        except Exception as err:  # the analysis stands; a re-run records it
            message = f"{entry.name}: {type(err).__name__}: {err}"
            self.errors.append(message)
            self._log(f"database error {message}")
            return
        self.recorded += new
        self.updated += not new
        self._log(f"{'recorded' if new else 'updated'} session {session_id} of patient "
                  f"{patient} <- {entry.name}")

    def summary(self) -> dict[str, Any]:
        where = self._db.describe() if self._db is not None else None
        return {"database": where, "recorded": self.recorded, "updated": self.updated,
                "errors": self.errors}

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
