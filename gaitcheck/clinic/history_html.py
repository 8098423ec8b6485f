"""``history.html``, a patient's progress on one self-contained page, and its CSV.

Inline CSS and SVG, images as data URIs, no script, no network.
"""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path
from typing import Any

from gaitcheck.clinic.history import HistoryTable, Row, csv_bytes, flagged
from gaitcheck.fsio import prepare_output_dir, write_bytes_atomic, write_text_atomic
from gaitcheck.report import svg

HTML_NAME = "history.html"
CSV_NAME = "history.csv"
BLUE, GREY, BAND = "#1c4e80", "#9aa5b1", "#2e9e5b"
_CROP_NAME = re.compile(r"^[\w.-]+\.jpe?g$")
CROPS_PER_SESSION = 2


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _digits(row: Row) -> int:
    values = [abs(c.value) for c in row.cells if c.value is not None]
    return 2 if values and max(values) < 2 else 1


def plot(row: Row, comparable: list[bool], index: int) -> str:
    """Values ± interval per session (x: session number) over the reference band."""
    xs = [i + 1.0 for i in range(len(row.cells))]
    ys = [c.value if c.value is not None else math.nan for c in row.cells]
    lows = [c.low for c in row.cells if c.low is not None]
    highs = [c.high for c in row.cells if c.high is not None]
    finite = [y for y in ys if math.isfinite(y)] + lows + highs
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    for edge in (row.band_low, row.band_high):
        if edge is not None and abs(edge - (lo + hi) / 2) < 3 * max(hi - lo, 1e-9) + 1:
            lo, hi = min(lo, edge), max(hi, edge)
    pad = max((hi - lo) * 0.12, 0.5 if hi - lo < 5 else 1.0)
    fig = svg.Figure(f"h{index}", 320, 150, f"{row.label} over sessions")
    ax = fig.axes(52, 12, 250, 102)
    ax.set_xlim(0.5, len(xs) + 0.5)
    ax.set_ylim(lo - pad, hi + pad)
    if row.band_low is not None or row.band_high is not None:
        ax.hband(row.band_low, row.band_high, BAND, 0.12)
    for x, cell, ok in zip(xs, row.cells, comparable, strict=True):
        if cell.low is not None and cell.high is not None:
            ax.line([x, x], [cell.low, cell.high], BLUE if ok else GREY, 1.4)
    ax.line(xs, [y if ok else math.nan for y, ok in zip(ys, comparable, strict=True)], BLUE,
            1.2)
    ax.markers(xs, [y if ok else math.nan for y, ok in zip(ys, comparable, strict=True)],
               "o", BLUE, 3.2)
    ax.markers(xs, [math.nan if ok else y for y, ok in zip(ys, comparable, strict=True)],
               "o", GREY, 3.2, hollow=True)
    ax.x_axis([float(x) for x in xs], "session", labels=[str(int(x)) for x in xs])
    ax.y_axis(label=row.unit if len(row.unit) < 14 else None)
    return svg.to_svg(fig)


def session_crops(session: dict[str, Any]) -> list[dict[str, str]]:
    """Return up to :data:`CROPS_PER_SESSION` foot key frames of a session, as data URIs.

    One per side when both exist, from the session's report folder.
    """
    folder = Path(session.get("report_dir") or "")
    index_path = folder / "keyframes" / "keyframes.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        entries = list(index.get("keyframes") or [])
    except (OSError, ValueError, AttributeError, TypeError):
        return []
    chosen: list[dict[str, Any]] = []
    for side in ("left", "right"):
        chosen += [e for e in entries if isinstance(e, dict) and e.get("side") == side][:1]
    crops = []
    for entry in chosen[:CROPS_PER_SESSION]:
        name = str(entry.get("file", ""))
        path = index_path.parent / name
        if not _CROP_NAME.match(name) or not path.is_file():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        crops.append({"src": f"data:image/jpeg;base64,{data}",
                      "caption": f"{entry.get('side')} foot, {entry.get('strike') or ''} "
                                 f"at {float(entry.get('time_s') or 0):.2f} s".strip()})
    return crops


def _change_text(change: Any, digits: int) -> str:
    if change is None or change.change is None:
        return ""
    shown = round(change.change, digits)
    sign = "+" if shown > 0 else ("−" if shown < 0 else "±")
    return f"{sign}{abs(shown):.{digits}f}"


def context(table: HistoryTable, clinic: str | None = None) -> dict[str, Any]:
    """Collect the template variables of the page."""
    from gaitcheck import __version__

    comparable = table.comparable
    rows = []
    for i, row in enumerate(table.rows):
        digits = _digits(row)
        cells = [{"value": _fmt(c.value, digits),
                  "interval": (f"{_fmt(c.low, digits)} – {_fmt(c.high, digits)}"
                               if c.low is not None and c.high is not None else ""),
                  "measured": c.value is not None, "comparable": ok, "note": c.note,
                  "in_band": c.value is not None and (row.band_low is None
                                                      or c.value >= row.band_low)
                  and (row.band_high is None or c.value <= row.band_high),
                  "first": _change_text(c.since_first, digits),
                  "first_flag": flagged(c.since_first),
                  "previous": _change_text(c.since_previous, digits),
                  "previous_flag": flagged(c.since_previous),
                  "sdc": _fmt(c.since_previous.noise if c.since_previous else
                              (c.since_first.noise if c.since_first else None), digits)}
                 for c, ok in zip(row.cells, comparable, strict=True)]
        latest = row.cells[table.latest]
        rows.append({
            "key": row.key, "label": row.label, "unit": row.unit, "cells": cells,
            "band": (f"{_fmt(row.band_low, digits) if row.band_low is not None else '…'} – "
                     f"{_fmt(row.band_high, digits) if row.band_high is not None else '…'}"
                     if row.band_low is not None or row.band_high is not None else ""),
            "first": _change_text(latest.since_first, digits),
            "first_verdict": latest.since_first.verdict if latest.since_first else "",
            "first_flag": flagged(latest.since_first),
            "previous": _change_text(latest.since_previous, digits),
            "previous_verdict": latest.since_previous.verdict if latest.since_previous else "",
            "previous_flag": flagged(latest.since_previous),
            "plot": plot(row, comparable, i)})
    sessions = [{"number": n, "date": s["session_date"].isoformat(),
                 # Said when not given by the clinician (schema 1 rows: unknown).
                 "date_source": s.get("session_date_source") or "",
                 "view": s.get("view_label") or s.get("view") or "unknown",
                 "setting": s.get("setting") or "unknown",
                 "activity": s.get("activity") or "unknown",
                 "video": s.get("video_name") or "", "comparable": s["comparable"],
                 "notes": s["filming_notes"], "warnings": len(s.get("warnings") or []),
                 "findings": [f.get("message") for f in s.get("findings") or []
                              if isinstance(f, dict) and f.get("severity") != "info"]}
                for n, s in enumerate(table.sessions, start=1)]
    usable = [i for i, ok in enumerate(comparable) if ok]
    pair = sorted({usable[0], usable[-1]}) if usable else []
    keyframes = [{"title": f"session {i + 1} · {sessions[i]['date']}",
                  "crops": session_crops(table.sessions[i])} for i in pair]
    return {"patient": table.patient_id, "sessions": sessions, "rows": rows,
            "keyframes": [k for k in keyframes if k["crops"]], "clinic": clinic,
            "version": __version__, "exceeds": "exceeds noise"}


def render_html(table: HistoryTable, clinic: str | None = None) -> str:
    """Render the page as text."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    return env.get_template("history.html.j2").render(**context(table, clinic))


def write_history(table: HistoryTable, out_dir: Path, clinic: str | None = None
                  ) -> dict[str, Path]:
    """Write ``history.html`` and ``history.csv`` into ``out_dir`` (atomically)."""
    out = prepare_output_dir(out_dir)
    return {"csv": write_bytes_atomic(out / CSV_NAME, csv_bytes(table)),
            "html": write_text_atomic(out / HTML_NAME, render_html(table, clinic))}
