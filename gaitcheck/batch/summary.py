"""Summary rows of a batch and the ``summary.csv`` / ``summary.json`` files.

One row per video: identity, status (``ok``, ``warning`` = finished with data-quality
warnings of severity ``caution`` or ``serious``, ``error``), the error message, key
metrics, counts, the manifest's pass-through columns, the output folder and the elapsed
time. Informational (``info``) warnings, such as the far-side arm hidden in a side view,
are counted apart (``quality_notes``) and leave the status ``ok``. Both files are
rewritten atomically after every video, so a killed batch leaves a valid summary of what
finished.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gaitcheck import __version__
from gaitcheck.fsio import write_bytes_atomic, write_text_atomic
from gaitcheck.metrics.definitions import HEADLINE, REGISTRY

SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
#: Metrics whose ``value`` goes into the summary: the registry's headline metrics, in
#: display order, but foot strike, whose column holds the pattern (rearfoot ...).
KEY_METRICS = tuple(k for k in HEADLINE if k != "foot_strike")
HEAD_COLUMNS = ("id", "video", "status", "error")
#: Each headline metric's column (vertical oscillation followed by its unit) and the
#: bounds of its 95 % interval (``<key>_ci95_lo``, ``<key>_ci95_hi``), then counts.
METRIC_COLUMNS = (*(c for k in HEADLINE for c in (
    (k, f"{k}_unit") if len(REGISTRY[k].units) > 1 else (k,)) + (
    (f"{k}_ci95_lo", f"{k}_ci95_hi") if k in KEY_METRICS else ())),
    "findings", "warnings", "quality_notes", "detected_view", "detected_setting", "frames")
MANIFEST_COLUMNS = ("subject_id", "session_date", "view", "height_cm", "treadmill", "notes")
TAIL_COLUMNS = ("output", "elapsed_s", "reused")
STATUSES = ("ok", "warning", "error")


def outcome_from_report(report: dict[str, Any]) -> dict[str, Any]:
    """The summary-relevant part of a ``report.json``: key metric values, foot-strike
    pattern, counts of findings and warnings, detected view and setting.

    ``status`` is "warning" only when a warning lowers trust in the results (severity
    "caution" or "serious"; a warning saved without severity counts as "caution");
    ``warnings`` and ``warning_codes`` are those, ``quality_notes`` counts the "info"
    ones."""
    # Not at module level: gaitcheck.tracks loads numpy (see gaitcheck.batch).
    from gaitcheck.tracks.warnings import INFO, severity_of

    metrics = report.get("metrics") or {}
    values = {key: (metrics.get(key) or {}).get("value") for key in KEY_METRICS}
    for key in KEY_METRICS:
        ci = (metrics.get(key) or {}).get("ci95")
        ok = isinstance(ci, list) and len(ci) == 2
        values[f"{key}_ci95_lo"] = ci[0] if ok else None
        values[f"{key}_ci95_hi"] = ci[1] if ok else None
    every = (report.get("quality") or {}).get("warnings") or []
    warnings = [w for w in every if severity_of(w) != INFO]
    return {
        "status": "warning" if warnings else "ok",
        "metrics": values,
        "foot_strike": (metrics.get("foot_strike") or {}).get("pattern"),
        **{f"{k}_unit": (metrics.get(k) or {}).get("unit") for k in HEADLINE
           if len(REGISTRY[k].units) > 1},
        "findings": len(report.get("findings") or []),
        "warnings": len(warnings),
        "warning_codes": [w.get("code") for w in warnings],
        "quality_notes": len(every) - len(warnings),
        "detected_view": (report.get("view") or {}).get("label"),
        "detected_setting": (report.get("setting") or {}).get("value"),
        "frames": (report.get("quality") or {}).get("frames"),
    }


def summary_row(entry: Any, outcome: dict[str, Any], reused: bool = False,
                keep_paths: bool = False) -> dict[str, Any]:
    """One summary row from a :class:`~gaitcheck.batch.inputs.VideoEntry` and its job
    outcome (see :func:`gaitcheck.batch.jobs.run_job`); the video is named relative
    to the batch input, by absolute path only with ``keep_paths``."""
    from gaitcheck.batch.jobs import shown_video

    ok = outcome.get("status") in ("ok", "warning")
    shown = shown_video(entry.path, entry.rel, keep_paths)
    error = str(outcome.get("error") or "")
    row: dict[str, Any] = {
        "id": entry.id,
        "video": shown,
        "status": outcome.get("status", "error"),
        "error": error if keep_paths else error.replace(str(entry.path), shown),
    }
    metrics = outcome.get("metrics") or {}
    for column in METRIC_COLUMNS:
        row[column] = metrics[column] if column in metrics else outcome.get(column)
    for column in MANIFEST_COLUMNS:
        row[column] = entry.fields.get(column)
    for column, value in entry.fields.items():  # free-form manifest columns
        if column not in MANIFEST_COLUMNS:
            row[column if column not in _ALL_COLUMNS else f"manifest_{column}"] = value
    row["output"] = entry.name if ok else ""
    row["elapsed_s"] = _round(outcome.get("elapsed_s"))
    row["reused"] = reused
    return row


_ALL_COLUMNS = frozenset(HEAD_COLUMNS + METRIC_COLUMNS + MANIFEST_COLUMNS + TAIL_COLUMNS)


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def columns_of(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Fixed columns, with free-form manifest columns before the output folder."""
    extra: list[str] = []
    for row in rows:
        extra += [k for k in row if k not in _ALL_COLUMNS and k not in extra]
    return [*HEAD_COLUMNS, *METRIC_COLUMNS, *MANIFEST_COLUMNS, *extra, *TAIL_COLUMNS]


def counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Number of rows per status."""
    out = dict.fromkeys(STATUSES, 0)
    for row in rows:
        out[row["status"]] = out.get(row["status"], 0) + 1
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, int | float):
        return text
    # A spreadsheet runs text starting with =, +, - or @ as a formula (CSV injection);
    # free-text notes and file names must not. Numbers written as text stay numbers.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """``summary.csv`` content: UTF-8 with a byte-order mark, so a spreadsheet opened
    by double-click shows accents correctly."""
    buffer = io.StringIO()
    columns = columns_of(rows)
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def write_summary(out_dir: Path, rows: list[dict[str, Any]], info: dict[str, Any],
                  complete: bool) -> None:
    """Write ``summary.csv`` and ``summary.json`` atomically.

    Parameters
    ----------
    out_dir : Path
        Batch output folder.
    rows : list of dict
        Finished videos in input order (:func:`summary_row`).
    info : dict
        Batch description for the JSON header (input, settings, total videos).
    complete : bool
        Whether every video of the batch has a row.
    """
    write_bytes_atomic(out_dir / SUMMARY_CSV, csv_bytes(rows))
    document = {
        "gaitcheck_version": __version__,
        "updated_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "complete": complete,
        **info,
        "counts": counts(rows),
        "columns": columns_of(rows),
        "rows": rows,
    }
    write_text_atomic(out_dir / SUMMARY_JSON,
                      json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
