"""``gaitcheck export --pseudonymize``: the database as CSV, patient ids hashed.

The salt is 32 random bytes in a file that stays with the clinic (:func:`salt_path`:
next to an SQLite database, in the user data folder for a server database, or where
``--salt-file`` says), created on first use and never written into an export. The same
salt gives the same pseudonym for a patient in every export, so exports can be joined
over time; without the salt the hashes cannot be traced back by trying ids.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
from pathlib import Path
from typing import Any

from gaitcheck.clinic.db import Database, default_path, sqlite_path
from gaitcheck.errors import OutputError

SALT_SUFFIX = ".salt"
SALT_BYTES = 32
PSEUDONYM_HEX = 16  # 64 bits: no collision in any clinic's patient list
SESSION_FIELDS = ("session_date", "session_date_source", "view", "setting", "activity",
                  "gaitcheck_version", "model_sha256", "settings_hash")
FIELDS = ("patient", "session", *SESSION_FIELDS, "metric", "value", "unit", "ci95_low",
          "ci95_high", "confidence")


def salt_path(location: str) -> Path:
    """Where the salt of database ``location`` lives."""
    db_file = sqlite_path(location)
    if db_file is not None:
        return db_file.with_name(db_file.name + SALT_SUFFIX)
    return default_path().with_name("pseudonym" + SALT_SUFFIX)


def load_salt(path: Path) -> bytes:
    """Read the salt in ``path``, creating it (owner-readable only) if absent.

    Raises
    ------
    OutputError
        The file cannot be created or read, or is too short to be a salt.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as err:
        raise OutputError(f"cannot create the salt file {path}: {err.strerror or err}") from None
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(SALT_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
    try:
        salt = path.read_bytes()
    except OSError as err:
        raise OutputError(f"cannot read the salt file {path}: {err.strerror or err}") from None
    if len(salt) < 16:
        raise OutputError(f"{path} is not a gaitcheck salt file (too short)")
    return salt


def pseudonym(patient_id: str, salt: bytes) -> str:
    """HMAC-SHA256 of the patient id under the salt, first 16 hex digits."""
    digest = hmac.new(salt, patient_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_csv(db: Database, salt: bytes | None) -> tuple[bytes, int, int]:
    """One row per session and metric; patient ids hashed when ``salt`` is given.

    Video names, paths and report folders are never exported (a file name often holds
    the patient's name). Returns (CSV bytes, patients, sessions).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    rows = db.sessions()
    numbers: dict[str, int] = {}
    for session in rows:
        patient = session["patient_id"]
        numbers[patient] = numbers.get(patient, 0) + 1
        shown = pseudonym(patient, salt) if salt is not None else patient
        for metric, m in sorted(session["metrics"].items()):
            writer.writerow([shown, numbers[patient],
                             *(_cell(session.get(k)) for k in SESSION_FIELDS), metric,
                             *(_cell(m.get(k)) for k in ("value", "unit", "ci95_low",
                                                          "ci95_high", "confidence"))])
    return buffer.getvalue().encode("utf-8-sig"), len(numbers), len(rows)
