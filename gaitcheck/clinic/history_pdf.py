"""The progress table in the form the patient PDF takes (``gaitcheck.report.pdf``).

:func:`gaitcheck.report.pdf.write_history_pdf` reads plain data, one dict per session
(``HistorySession``: date, view, setting, comparable, findings, key frames, and per
metric value, ``ci95``, unit, label, band and ``sdc``); nothing there reads the
database. The PDF marks a change when it exceeds the session's ``sdc``: here that is
the smallest detectable change against the previous comparable session (else the
first), as in ``history.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gaitcheck.clinic.history import HistoryTable

KEYFRAMES_PER_SESSION = 2


def _keyframes(session: dict[str, Any]) -> list[Path]:
    folder = Path(session.get("report_dir") or "") / "keyframes"
    if not folder.is_dir():
        return []
    crops = sorted(folder.glob("*.jpg"))
    # Spread over the clip: first and last crop (both feet, as a rule).
    return [crops[0], crops[-1]][:KEYFRAMES_PER_SESSION] if len(crops) > 1 else crops


def pdf_history(table: HistoryTable) -> dict[str, Any]:
    """Convert ``table`` to ``{"patient": id, "sessions": [HistorySession, ...]}``."""
    # A patient's handout: the registry metrics measured in the latest comparable
    # session; symmetry indices and metrics of other views stay in history.html.
    rows = [r for r in table.rows if not r.key.startswith("asymmetry.")
            and r.cells[table.latest].value is not None]
    sessions = []
    for i, session in enumerate(table.sessions):
        metrics = {}
        for row in rows:
            cell = row.cells[i]
            if cell.value is None:
                continue
            change = cell.since_previous or cell.since_first
            metrics[row.key] = {
                "value": cell.value, "unit": cell.unit, "label": row.label,
                "ci95": [cell.low, cell.high] if cell.low is not None
                and cell.high is not None else None,
                "band": ({"low": row.band_low, "high": row.band_high}
                         if row.band_low is not None or row.band_high is not None
                         else None),
                "sdc": change.noise if change is not None else None}
        sessions.append({
            "date": session["session_date"].isoformat(), "metrics": metrics,
            "findings": [f for f in session.get("findings") or [] if isinstance(f, dict)],
            "keyframes": [str(p) for p in _keyframes(session)],
            "view": session.get("view_label") or session.get("view") or "",
            "setting": session.get("setting") or "", "comparable": session["comparable"]})
    return {"patient": table.patient_id, "sessions": sessions}
