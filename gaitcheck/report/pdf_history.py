"""The progress PDF of ``gaitcheck history PATIENT --pdf``: every session of a patient.

The caller (the sessions database) passes plain data, described by :class:`HistorySession`
and :class:`HistoryMetric`; nothing here reads the database. Page 1: patient, sessions,
the clinician's note, and a table of every metric over the sessions (value ± half the
95 % interval) with the change since the first and since the previous session, marked
when it exceeds the smallest detectable change. Then one small trend plot per metric,
the latest findings with their cues, and the key frames of the first and latest session
side by side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, PageBreak, Spacer, Table, TableStyle

from gaitcheck.report import pdf_kit as kit


class HistoryMetric(TypedDict, total=False):
    """One metric of one session.

    Keys
    ----
    value : float
        The session's value in ``unit`` (required).
    ci95 : [float, float] or None
        95 % interval of the value, same unit.
    unit : str
        Unit as in ``report.json`` ("deg", "ms", "steps/min", ...).
    label : str
        Human name ("Cadence"); default: the key.
    band : dict or None
        Typical range ``{"low": float | None, "high": float | None}``.
    sdc : float or None
        Smallest detectable change, same unit: changes below it are shown unmarked.
    """

    value: float
    ci95: Sequence[float] | None
    unit: str
    label: str
    band: Mapping[str, float | None] | None
    sdc: float | None


class HistorySession(TypedDict, total=False):
    """One session of the patient, oldest first in the list.

    Keys
    ----
    date : str
        Session date, ISO 8601 ("2026-11-30"; required).
    metrics : dict of str to HistoryMetric
        Metric key (``cadence_spm``) to its value.
    findings : list of dict
        ``report.json`` findings (``message``, ``severity``, optional ``cue``).
    keyframes : list of str or Path
        Key-frame images (``keyframes/ic_*.jpg`` of the report folder).
    view, setting : str
        Camera view and treadmill/overground, shown in the table header.
    comparable : bool
        False when the session was filmed too differently from the first to compare
        angles (marked in the table; default True).
    label : str
        Column title instead of the date.
    """

    date: str
    metrics: Mapping[str, HistoryMetric]
    findings: Sequence[Mapping[str, Any]]
    keyframes: Sequence[str | Path]
    view: str
    setting: str
    comparable: bool
    label: str


#: Sessions shown as table columns: the first and the latest ones.
MAX_COLUMNS = 5


def _fmt(value: float | None, unit: str, signed: bool = False) -> str:
    from gaitcheck.report.html_metrics import fmt

    if value is None or not math.isfinite(value):
        return "—"
    text = fmt(value, unit)
    return ("+" + text) if signed and value > 0 else text


def _value_text(m: HistoryMetric | None) -> str:
    """``168 ± 3 steps/min``: the value, half its 95 % interval, the unit once."""
    from gaitcheck.report.html_metrics import fmt_parts

    if not m or m.get("value") is None or not math.isfinite(float(m["value"])):
        return "—"
    unit = m.get("unit", "")
    text, suffix = fmt_parts(float(m["value"]), unit)
    ci = m.get("ci95")
    if ci and len(ci) == 2 and all(isinstance(c, int | float) and math.isfinite(c) for c in ci):
        text += f" ± {fmt_parts((ci[1] - ci[0]) / 2, unit)[0]}"
    return text + suffix


def _change(a: HistoryMetric | None, b: HistoryMetric | None) -> tuple[str, bool]:
    """Text of the change from ``a`` to ``b`` and whether it exceeds the SDC."""
    if not a or not b or a.get("value") is None or b.get("value") is None:
        return "—", False
    delta = float(b["value"]) - float(a["value"])
    sdc = b.get("sdc") or a.get("sdc")
    real = sdc is not None and abs(delta) > float(sdc)
    return _fmt(delta, b.get("unit", ""), signed=True), real


def _columns(sessions: list[HistorySession]) -> list[int]:
    n = len(sessions)
    if n <= MAX_COLUMNS:
        return list(range(n))
    return [0, *range(n - MAX_COLUMNS + 1, n)]


def _table(sessions: list[HistorySession]) -> Table:
    cols = _columns(sessions)
    keys: list[str] = []
    for s in sessions:
        keys += [k for k in (s.get("metrics") or {}) if k not in keys]
    head = [kit.p("Measure", "cell_head")]
    for i in cols:
        s = sessions[i]
        title = s.get("label") or s.get("date", f"session {i + 1}")
        sub = " ".join(x for x in (s.get("view"), s.get("setting")) if x)
        if s.get("comparable") is False:
            sub = (sub + " · not comparable").strip(" ·")
        head.append(kit.markup(f"{kit.para_text(title)}<br/><font size=6.8>"
                               f"{kit.para_text(sub)}</font>", "cell_head"))
    head += [kit.p("Since first", "cell_head"), kit.p("Since previous", "cell_head")]
    rows: list[list[Any]] = [head]
    # Changes are between sessions filmed alike: the latest against the first and the
    # previous comparable ones.
    last = sessions[-1]
    alike = [s for s in sessions[:-1] if s.get("comparable", True)]
    first, prev = (alike[0], alike[-1]) if alike and last.get("comparable", True) \
        else (None, None)
    for key in keys:
        metric = next((s["metrics"][key] for s in reversed(sessions)
                       if key in (s.get("metrics") or {})), {})
        row: list[Any] = [kit.p(metric.get("label") or key, "cell_bold")]
        row += [kit.p(_value_text((sessions[i].get("metrics") or {}).get(key)), "cell")
                for i in cols]
        for base in (first, prev):
            if base is None:
                row.append(kit.p("—", "cell"))
                continue
            text, real = _change((base.get("metrics") or {}).get(key),
                                 (last.get("metrics") or {}).get(key))
            row.append(kit.markup(kit.chip(text + " *", "info") if real
                                  else kit.para_text(text), "cell"))
        rows.append(row)
    w = kit.FRAME_W
    first_w = 0.24 * w
    change_w = 0.12 * w
    col_w = (w - first_w - 2 * change_w) / len(cols)
    return kit.grid(rows, [first_w, *[col_w] * len(cols), change_w, change_w])


def _trend(key: str, sessions: list[HistorySession]) -> str | None:
    """A small SVG of one metric over sessions: value, interval bars and typical range."""
    from gaitcheck.report.svg import MUTED, Figure, nice_ticks, to_svg

    pts = [(i, s["metrics"][key]) for i, s in enumerate(sessions)
           if key in (s.get("metrics") or {}) and s["metrics"][key].get("value") is not None]
    if not pts:
        return None
    metric = pts[-1][1]
    values = [float(m["value"]) for _, m in pts]
    lows = [float(m["ci95"][0]) if m.get("ci95") else float(m["value"]) for _, m in pts]
    highs = [float(m["ci95"][1]) if m.get("ci95") else float(m["value"]) for _, m in pts]
    lo, hi = min(lows), max(highs)
    span = hi - lo if hi > lo else max(abs(hi) * 0.1, 1.0)
    fig = Figure(f"trend-{key}", 300, 150, f"{key} over sessions")
    ax = fig.axes(48, 22, 236, 96)
    ax.set_ylim(lo - 0.3 * span, hi + 0.3 * span)
    ax.set_xlim(-0.5, len(sessions) - 0.5)
    band = metric.get("band") or {}
    if band.get("low") is not None or band.get("high") is not None:
        ax.hband(band.get("low"), band.get("high"), "#2e9e5b", 0.12)
    for (i, _), a, b in zip(pts, lows, highs, strict=True):
        ax.line([i, i], [a, b], MUTED, 1.2)
    # Sessions filmed differently are shown hollow and left out of the line.
    alike = [sessions[i].get("comparable", True) for i, _ in pts]
    xs = [i for i, _ in pts]
    ax.line([x for x, ok in zip(xs, alike, strict=True) if ok],
            [v for v, ok in zip(values, alike, strict=True) if ok], "#0b5a8a", 1.8,
            marker="o", size=3.2)
    odd = [(x, v) for x, v, ok in zip(xs, values, alike, strict=True) if not ok]
    if odd:
        ax.markers([x for x, _ in odd], [v for _, v in odd], "o", "#0b5a8a", 3.2,
                   hollow=True)
    ax.title(metric.get("label") or key, 11)
    ax.x_axis(list(range(len(sessions))),
              labels=[s.get("date", "")[5:] or str(i + 1) for i, s in enumerate(sessions)])
    from gaitcheck.report.plots import unit_label

    ax.y_axis(nice_ticks(*ax.ylim, 4), unit_label(metric.get("unit", "")))
    return to_svg(fig)


def _trends(sessions: list[HistorySession]) -> list[Flowable]:
    keys: list[str] = []
    for s in sessions:
        keys += [k for k in (s.get("metrics") or {}) if k not in keys]
    gap = 6 * mm
    cell_w = (kit.FRAME_W - gap) / 2
    cells = [d for d in (kit.svg_drawing(svg, cell_w) for svg in
                         (_trend(k, sessions) for k in keys) if svg) if d is not None]
    if not cells:
        return []
    rows = [cells[k:k + 2] for k in range(0, len(cells), 2)]
    rows[-1] += [""] * (2 - len(rows[-1]))
    table = Table(rows, colWidths=[cell_w + gap, cell_w], hAlign="LEFT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return [kit.p("Trends", "h2"),
            kit.p("Each point is one session; bars are the 95 % interval, the green band "
                  "the typical range; hollow points were filmed differently.", "muted"),
            Spacer(1, 3), table]


def _frames(sessions: list[HistorySession]) -> list[Flowable]:
    pair = [sessions[0], sessions[-1]] if len(sessions) > 1 else sessions[:1]
    columns = []
    for s in pair:
        paths = [Path(p) for p in (s.get("keyframes") or []) if Path(p).is_file()][:2]
        if paths:
            columns.append((s, paths))
    if not columns:
        return []
    gap = 3 * mm
    img_w = (kit.FRAME_W - 3 * gap - 6 * mm) / 4
    cells = []
    for s, paths in columns:
        imgs = []
        for path in paths:
            img = Image(str(path))
            img.drawWidth, img.drawHeight = img_w, img.imageHeight * img_w / img.imageWidth
            imgs.append(img)
        inner = Table([imgs], colWidths=[img_w + gap] * len(imgs), hAlign="LEFT")
        inner.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        cells.append([kit.p(s.get("label") or s.get("date", ""), "h3"), inner])
    table = Table([cells], colWidths=[kit.FRAME_W / 2] * len(cells), hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [KeepTogether([kit.p("Foot at landing: first and latest session", "h2"), table])]


def _findings(session: HistorySession) -> list[Flowable]:
    from gaitcheck.report.pdf import SEVERITY_WORDS, finding_cue

    findings = list(session.get("findings") or [])
    out: list[Flowable] = [kit.p(f"Findings of the latest session ({session.get('date', '')})",
                                 "h2")]
    if not findings:
        return [*out, kit.p("Nothing stood out in the latest session.")]
    for f in findings:
        severity = str(f.get("severity", "info"))
        out.append(kit.markup(f"{kit.chip(SEVERITY_WORDS.get(severity, 'Note'), severity)}  "
                              f"{kit.para_text(f.get('message', ''))}"))
        cue = finding_cue(dict(f))
        if cue:
            out.append(kit.markup(f"<b>Try:</b> {kit.para_text(cue)}", "cue"))
        out.append(Spacer(1, 3))
    return out


def write_history_pdf(history: Mapping[str, Any] | Sequence[HistorySession], out_path: Path,
                      clinic: str | None = None, note: str | None = None) -> Path:
    """Write the progress PDF of one patient.

    Parameters
    ----------
    history : dict or list
        ``{"patient": str, "sessions": [HistorySession, ...]}``, or the list of sessions
        alone; sessions oldest first (they are sorted by ``date``).
    out_path : Path
        PDF file to write (atomically).
    clinic : str, optional
        Clinic name for the page header.
    note : str, optional
        Free-text clinician note for the first page.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    ValueError
        No session is given.
    """
    from gaitcheck.report.pdf import _note

    if isinstance(history, Mapping):
        patient, sessions = history.get("patient"), list(history.get("sessions") or [])
    else:
        patient, sessions = None, list(history)
    if not sessions:
        raise ValueError("a history PDF needs at least one session")
    sessions.sort(key=lambda s: str(s.get("date", "")))
    span = sessions[0].get("date", "")
    if len(sessions) > 1:
        span += f" to {sessions[-1].get('date', '')}"
    title = f"Progress report{f': {patient}' if patient else ''}"
    story: list[Flowable] = [
        kit.p(title, "title"),
        kit.p(f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} · {span}", "subtitle")]
    story += _note(note)
    story += [kit.p("Measurements over sessions", "h2"), _table(sessions), Spacer(1, 3),
              kit.p("Value ± half the 95 % interval. * marks a change larger than the "
                    "smallest detectable change (real, not measurement noise); sessions "
                    "marked not comparable were filmed differently.", "muted")]
    story += _findings(sessions[-1])
    story.append(PageBreak())
    story += _trends(sessions)
    story += _frames(sessions)
    return kit.build_pdf(story, Path(out_path), clinic, "Progress report",
                         sessions[-1].get("date"))
