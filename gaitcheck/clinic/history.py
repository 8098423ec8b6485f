"""A patient's progress over sessions: the table behind ``gaitcheck history``.

Every metric of every session as value ± interval against its reference band, and the
change since the first and since the previous comparable session, judged against the
smallest detectable change of :mod:`gaitcheck.report.compare` (per-stride scatter of
both sessions, or a fixed floor).

Comparability: the protocol is the view and setting (treadmill / overground) of most
sessions, the latest session's on a tie. A session filmed from another view or in
another setting is marked not comparable and takes no part in the changes; other
filming differences from the latest protocol session (camera height, distance, frame
rate: :func:`gaitcheck.clinic.fingerprint.filming_differences`) are warned about.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from gaitcheck.clinic.fingerprint import filming_differences
from gaitcheck.metrics.definitions import REGISTRY, SYMMETRY_INDICES
from gaitcheck.report.compare import (
    EXCEEDS,
    ORDER,
    Z95,
    MetricChange,
    compare_metric,
    pooled_strides,
    standard_error,
)


@dataclass(frozen=True)
class Cell:
    """One metric in one session.

    Attributes
    ----------
    value : float, optional
        The reported value (None: not measured).
    low, high : float, optional
        Its interval: the report's ``ci95`` when given, else value ± 1.96 × the standard
        error of the per-stride values (``interval_source`` says which).
    since_first, since_previous : MetricChange, optional
        Change against the first and the previous comparable session (None for the
        first one, or a session not comparable).
    """

    value: float | None
    low: float | None
    high: float | None
    interval_source: str
    unit: str
    since_first: MetricChange | None = None
    since_previous: MetricChange | None = None
    note: str = ""


@dataclass
class Row:
    """One metric over all sessions, with its reference band (None: open-ended)."""

    key: str
    label: str
    unit: str
    band_low: float | None
    band_high: float | None
    cells: list[Cell] = field(default_factory=list)



@dataclass
class HistoryTable:
    """A patient's sessions (oldest first, database rows) and the metric rows."""

    patient_id: str
    sessions: list[dict[str, Any]]
    rows: list[Row]

    @property
    def comparable(self) -> list[bool]:
        """Whether each session is comparable (see :func:`mark_comparability`)."""
        return [s["comparable"] for s in self.sessions]

    @property
    def latest(self) -> int:
        """Index of the latest comparable session (the one the changes describe)."""
        return max(i for i, ok in enumerate(self.comparable) if ok)

    def to_dict(self) -> dict[str, Any]:
        """Return the table as plain JSON-ready values (for other writers, e.g. a PDF).

        ``sessions``: number, date (ISO), date_source, view, setting, activity, comparable,
        filming_notes, findings, report_dir. ``rows``: key, label, unit, band_low,
        band_high and ``cells`` (one per session: value, low, high, interval_source,
        note, and ``since_first`` / ``since_previous`` as {change, noise, verdict} or
        None). ``latest``: index of the session the changes describe.
        """
        def change(c: MetricChange | None) -> dict[str, Any] | None:
            return None if c is None else {"change": c.change, "noise": c.noise,
                                           "verdict": c.verdict}

        return {
            "patient_id": self.patient_id, "latest": self.latest,
            "sessions": [{"number": n, "date": s["session_date"].isoformat(),
                          "date_source": s.get("session_date_source"),
                          "view": s.get("view_label") or s.get("view"),
                          "setting": s.get("setting"), "activity": s.get("activity"),
                          "comparable": s["comparable"],
                          "filming_notes": list(s["filming_notes"]),
                          "findings": s.get("findings") or [],
                          "report_dir": s.get("report_dir")}
                         for n, s in enumerate(self.sessions, start=1)],
            "rows": [{"key": r.key, "label": r.label, "unit": r.unit,
                      "band_low": r.band_low, "band_high": r.band_high,
                      "cells": [{"value": c.value, "low": c.low, "high": c.high,
                                 "interval_source": c.interval_source, "note": c.note,
                                 "since_first": change(c.since_first),
                                 "since_previous": change(c.since_previous)}
                                for c in r.cells]} for r in self.rows]}

    def changed(self) -> list[Row]:
        """Rows whose latest comparable value differs from the first beyond noise."""
        return [row for row in self.rows if flagged(row.cells[self.latest].since_first)]


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _as_report(session: dict[str, Any]) -> dict[str, Any]:
    """Enough of a report.json for :func:`compare_metric`, from the database."""
    metrics = {}
    for key, m in session["metrics"].items():
        detail = dict(m.get("detail") or {})
        if key.startswith("asymmetry."):
            detail = {"value": m.get("value"), "unit": "%"}
        metrics[key] = detail
    return {"view": {"value": session.get("view")}, "metrics": metrics}


def _cell(session: dict[str, Any], key: str, unit: str) -> Cell:
    m = session["metrics"].get(key)
    if not m:
        return Cell(None, None, None, "", unit, note="not recorded")
    detail = m.get("detail") or {}
    value = _finite(m.get("value"))
    if value is None or detail.get("measurable") is False:
        return Cell(None, None, None, "", m.get("unit") or unit,
                    note=str(detail.get("reason") or "not measured"))
    low, high = _finite(m.get("ci95_low")), _finite(m.get("ci95_high"))
    source = "95 % CI" if low is not None and high is not None else ""
    if not source:
        se = standard_error(pooled_strides(detail))
        if se is not None:
            low, high, source = value - Z95 * se, value + Z95 * se, "±1.96 SE of strides"
    return Cell(value, low, high, source, m.get("unit") or unit)


def _keys(sessions: list[dict[str, Any]]) -> list[str]:
    present = {k for s in sessions for k, m in s["metrics"].items()
               if _finite(m.get("value")) is not None}
    others = sorted(k for k in present if k not in ORDER and not k.startswith("asymmetry."))
    symmetry = sorted(k for k in present if k.startswith("asymmetry."))
    return [k for k in ORDER if k in present] + others + symmetry


def _label(key: str) -> str:
    if key.startswith("asymmetry."):
        name = key.split(".", 1)[1]
        phrase = next((si.phrase for si in SYMMETRY_INDICES if si.name == name), None)
        return "Symmetry index: " + (phrase or name.replace("_", " "))
    entry = REGISTRY.get(key)
    return entry.label if entry else key.replace("_", " ")


def _band(sessions: list[dict[str, Any]], key: str) -> tuple[float | None, float | None]:
    for session in reversed(sessions):
        band = (session.get("reference_bands") or {}).get(key)
        if isinstance(band, dict):
            return _finite(band.get("low")), _finite(band.get("high"))
    return None, None


def _protocol(session: dict[str, Any]) -> tuple[Any, Any]:
    return session.get("view"), session.get("setting")


def mark_comparability(sessions: list[dict[str, Any]]) -> None:
    """Set ``comparable`` and ``filming_notes`` on every session (see the module notes)."""
    if not sessions:
        return
    protocols = [_protocol(s) for s in sessions]
    # Most frequent; max() keeps the first maximum, so scanning newest first breaks ties
    # towards the latest session.
    protocol = max(reversed(protocols), key=protocols.count)
    reference = next(s for s in reversed(sessions) if _protocol(s) == protocol)
    for session in sessions:
        differs = [f"{what} {session.get(k) or 'unknown'}, not {reference.get(k) or 'unknown'}"
                   " as in the other sessions" for k, what in (("view", "view"),
                                                               ("setting", "setting"))
                   if session.get(k) != reference.get(k)]
        session["comparable"] = not differs
        session["filming_notes"] = differs or [
            f"{note} (this session vs session of {reference['session_date']})"
            for note in filming_differences(session.get("camera"), reference.get("camera"))]


def build_history(patient_id: str, sessions: list[dict[str, Any]]) -> HistoryTable:
    """Build the progress table of ``sessions``.

    ``sessions``: one patient's, oldest first (:meth:`gaitcheck.clinic.db.Database.sessions`).
    """
    sessions = [dict(s) for s in sessions]
    mark_comparability(sessions)
    reports = [_as_report(s) for s in sessions]
    rows = []
    for key in _keys(sessions):
        unit = next((s["metrics"][key].get("unit") for s in reversed(sessions)
                     if key in s["metrics"] and s["metrics"][key].get("unit")), "") or ""
        row = Row(key, _label(key), unit, *_band(sessions, key))
        first = previous = None
        for i, session in enumerate(sessions):
            cell = _cell(session, key, unit)
            if session["comparable"] and cell.value is not None:
                since_first: MetricChange | None = (
                    compare_metric(key, reports[first], reports[i])
                    if first is not None else None)
                since_previous: MetricChange | None = (
                    compare_metric(key, reports[previous], reports[i])
                    if previous is not None else None)
                cell = Cell(cell.value, cell.low, cell.high, cell.interval_source, cell.unit,
                            since_first, since_previous, cell.note)
                first = i if first is None else first
                previous = i
            elif not session["comparable"]:
                cell = Cell(cell.value, cell.low, cell.high, cell.interval_source, cell.unit,
                            note="not comparable: " + "; ".join(session["filming_notes"]))
            row.cells.append(cell)
        rows.append(row)
    return HistoryTable(patient_id, sessions, rows)


def flagged(change: MetricChange | None) -> bool:
    """Whether a change exceeds the smallest detectable change."""
    return change is not None and change.verdict == EXCEEDS


CSV_FIELDS = ("patient_id", "session", "session_date", "session_date_source", "view",
              "setting", "activity", "comparable", "filming_notes", "metric", "label",
              "unit", "value", "low",
              "high", "interval", "band_low", "band_high", "change_since_first",
              "sdc_since_first", "verdict_since_first", "change_since_previous",
              "sdc_since_previous", "verdict_since_previous", "note")


def _num(value: float | None) -> Any:
    return "" if value is None else round(value, 4)


def csv_bytes(table: HistoryTable) -> bytes:
    """Return the table as CSV, one row per metric and session.

    UTF-8 with a byte-order mark, so that Excel reads ±, ° and accents.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    for row in table.rows:
        for number, (session, cell) in enumerate(zip(table.sessions, row.cells,
                                                     strict=True), start=1):
            first, previous = cell.since_first, cell.since_previous
            writer.writerow([
                table.patient_id, number, session["session_date"].isoformat(),
                session.get("session_date_source") or "",
                session.get("view_label") or session.get("view") or "",
                session.get("setting") or "", session.get("activity") or "",
                "yes" if session["comparable"] else "no",
                "; ".join(session["filming_notes"]), row.key, row.label, cell.unit,
                _num(cell.value), _num(cell.low), _num(cell.high), cell.interval_source,
                _num(row.band_low), _num(row.band_high),
                _num(first.change if first else None), _num(first.noise if first else None),
                first.verdict if first else "",
                _num(previous.change if previous else None),
                _num(previous.noise if previous else None),
                previous.verdict if previous else "", cell.note])
    return buffer.getvalue().encode("utf-8-sig")
