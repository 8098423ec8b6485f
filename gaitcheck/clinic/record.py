"""One session's database record, built from a finished analysis folder.

Privacy by default: the record keeps the video's file name, not its absolute path,
unless ``keep_paths`` is given.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

from gaitcheck.clinic.db import Database, SessionRecord, open_database
from gaitcheck.clinic.fingerprint import camera_fingerprint
from gaitcheck.clinic.keys import session_settings_hash
from gaitcheck.clinic.session_date import session_date as find_session_date
from gaitcheck.errors import InputError
from gaitcheck.filenames import REPORT_NAME
from gaitcheck.fsio import file_sha256

MAX_PATIENT_ID = 200


def check_patient_id(patient_id: str) -> str:
    """``patient_id`` stripped; refuses an empty or over-long id or control characters.

    Raises
    ------
    InputError
        The id is empty, longer than 200 characters or holds control characters.
    """
    text = str(patient_id).strip()
    if not text:
        raise InputError("the patient id is empty")
    if len(text) > MAX_PATIENT_ID or any(ord(c) < 32 for c in text):
        raise InputError(f"patient id {text[:40]!r} is longer than {MAX_PATIENT_ID} "
                         "characters or holds control characters")
    return text


def parse_date(text: str | _dt.date | None) -> _dt.date | None:
    """Parse a session date ``YYYY-MM-DD``; None when None or empty.

    Without a date, :func:`gaitcheck.clinic.session_date.session_date` finds one.

    Raises
    ------
    InputError
        Not an ISO date.
    """
    if isinstance(text, _dt.date):
        return text
    if text is None or not str(text).strip():
        return None
    try:
        return _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"session date {text!r} is not a date like 2026-03-31") from None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _interval(metric: dict[str, Any]) -> tuple[float | None, float | None]:
    ci = metric.get("ci95")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return _finite(ci[0]), _finite(ci[1])
    return None, None


def metric_rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Turn every metric of a report into database rows.

    Symmetry indices become ``asymmetry.<name>``, in %.
    """
    rows: dict[str, dict[str, Any]] = {}
    for key, metric in (report.get("metrics") or {}).items():
        if not isinstance(metric, dict):
            continue
        if key == "asymmetry":
            for name, pair in metric.items():
                if isinstance(pair, dict):
                    lo, hi = _interval(pair)
                    rows[f"asymmetry.{name}"] = {
                        "value": _finite(pair.get("si_pct")), "unit": "%", "ci95_low": lo,
                        "ci95_high": hi, "confidence": _finite(pair.get("confidence")),
                        "detail": pair}
            continue
        lo, hi = _interval(metric)
        rows[key] = {"value": _finite(metric.get("value")), "unit": metric.get("unit"),
                     "ci95_low": lo, "ci95_high": hi,
                     "confidence": _finite(metric.get("confidence")), "detail": metric}
    return rows


def session_record(report_dir: Path, patient_id: str, session_date: str | _dt.date | None,
                   settings_hash: str, source: Path | None = None,
                   keep_paths: bool = False, video_sha256: str | None = None,
                   settings: dict[str, Any] | None = None) -> SessionRecord:
    """Build the record of the analysis in ``report_dir``.

    Parameters
    ----------
    report_dir : Path
        Folder holding ``report.json`` (and ``landmarks.npz`` for the camera
        fingerprint).
    patient_id : str
        The clinic's patient id.
    session_date : str or date, optional
        ``YYYY-MM-DD``; when None, the video's recording date
        (:func:`gaitcheck.clinic.session_date.session_date`; its source is stored).
    settings_hash : str
        Key of the settings when ``settings`` is not given; with ``settings`` the key is
        :func:`gaitcheck.clinic.keys.session_settings_hash` (rendering options left out).
    source : Path, optional
        The analysed file (video or landmarks); hashed when the report has no
        ``video.sha256`` (landmark re-analyses).
    keep_paths : bool
        Store the video's absolute path too (default: file name only).
    video_sha256 : str, optional
        Content hash already known (the batch's marker).
    settings : dict, optional
        The analysis options that ``settings_hash`` hashes, stored for reference.
    """
    report_path = Path(report_dir) / REPORT_NAME
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {report_path}: {err}") from None
    video = report.get("video") or {}
    sha = video.get("sha256") or video_sha256
    if not sha:
        if source is None:
            raise InputError(f"{report_path} has no video.sha256: give the analysed file")
        sha = file_sha256(Path(source))
    path_text = str(video.get("path") or (source or ""))
    name = Path(source).name if source is not None else Path(path_text).name
    # report.json holds an absolute path only when analysed with --keep-paths.
    absolute = (str(Path(source).resolve()) if source is not None
                else path_text if Path(path_text).is_absolute() else None)
    view = report.get("view") or {}
    quality = report.get("quality") or {}
    privacy = report.get("privacy") or {}
    day, day_source = session_date_of(parse_date(session_date), report, report_dir, source)
    columns = {
        "session_date_source": day_source,
        "anonymized": bool(privacy.get("faces_blurred")),
        "anonymize_source": privacy.get("anonymize_source"),
        "video_name": name or None,
        "video_path": absolute if keep_paths else None,
        "view": view.get("value"), "view_label": view.get("label"),
        "setting": (report.get("setting") or {}).get("value"),
        "activity": (report.get("activity") or {}).get("value"),
        "report_dir": str(Path(report_dir).resolve()),
        "settings": settings,
        "gaitcheck_version": (report.get("generator") or {}).get("version"),
        "analysed_utc": (report.get("generator") or {}).get("created_utc"),
        "model_sha256": ((report.get("pose") or {}).get("model") or {}).get("sha256"),
        "parameters": (report.get("analysis") or {}).get("parameters"),
        "findings": report.get("findings") or [],
        "warnings": quality.get("warnings") or [],
        "reference_bands": report.get("reference_bands") or {},
        "camera": camera_fingerprint(report, Path(report_dir)),
    }
    key = session_settings_hash(settings) if settings is not None else settings_hash
    return SessionRecord(check_patient_id(patient_id), day, str(sha), key, columns,
                         metric_rows(report))


def session_date_of(given: _dt.date | None, report: dict[str, Any], report_dir: Path,
                    source: Path | None) -> tuple[_dt.date, str]:
    """Return the session's date and its source.

    ``given``, else the recording date of the analysed video (``source``, or for a
    landmarks re-analysis the video found beside the report folder,
    :func:`gaitcheck.report.writers.video_candidates`).
    """
    video = source
    if source is not None and Path(source).suffix.lower() in (".npz", ".csv"):
        video = None
        if given is None:
            from gaitcheck.report.writers import stored_video_candidates

            video = next((p for p in stored_video_candidates(report, report_dir)
                          if p.is_file()), None)
    return find_session_date(given, video)


def record_session(db: str | Path | Database | None, report_dir: Path, patient_id: str,
                   session_date: str | _dt.date | None, settings_hash: str,
                   source: Path | None = None, keep_paths: bool = False,
                   video_sha256: str | None = None,
                   settings: dict[str, Any] | None = None) -> tuple[int, bool]:
    """Store the analysis in ``report_dir`` as a session; returns (id, new)."""
    record = session_record(report_dir, patient_id, session_date, settings_hash, source,
                            keep_paths, video_sha256, settings)
    if isinstance(db, Database):
        return db.upsert_session(record)
    with open_database(db) as database:
        return database.upsert_session(record)


def analysis_options_settings(options: Any) -> dict[str, Any]:
    """Return an :class:`~gaitcheck.pipeline.AnalyzeOptions`'s settings as a batch has them.

    As :func:`gaitcheck.batch.jobs.effective_options`: options at their defaults left
    out, and the PDF's clinic name and note when no PDF is written. A video analysed by
    ``analyze`` and by ``batch`` with the same settings is one session.
    """
    import dataclasses

    from gaitcheck.batch.jobs import effective_options

    given = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)
             if getattr(options, f.name) != f.default}
    if "pdf" not in (options.formats or ()):
        given.pop("clinic", None)
        given.pop("note", None)
    return effective_options({}, given)


def record_analysis(db: str | Path | Database | None, report_dir: Path, options: Any,
                    source: Path | None, patient_id: str,
                    session_date: str | _dt.date | None = None) -> tuple[int, bool]:
    """Store the analysis saved in ``report_dir`` as a session; returns (id, new).

    ``options`` are the :class:`~gaitcheck.pipeline.AnalyzeOptions` it ran with.
    """
    from gaitcheck.batch.jobs import settings_hash

    settings = analysis_options_settings(options)

    return record_session(db, report_dir, patient_id, session_date, settings_hash(settings),
                          source, bool(options.keep_paths), settings=settings)
