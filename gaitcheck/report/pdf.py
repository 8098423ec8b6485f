"""``report.pdf``: a 2–4 page A4 summary to hand to the runner or patient.

Page 1: the clinician's note, headline numbers against their typical ranges, the
findings in plain words (with the cue to try when a finding carries one) and how far the
numbers can be trusted (coverage, data-quality warnings). Page 2: key frames of the foot
at landing and the joint angles over the stride cycle. Page 3: posture through the
stride, the gait-event timeline and every measurement with left and right.

ReportLab lays the pages out (pure Python wheels, no browser or system library at run
time); the plots are the report's own SVG converted by svglib, so the PDF shows the same
figures as ``report.html``. :func:`write_history_pdf` makes the progress PDF of
``gaitcheck history`` from a plain list of sessions (see :mod:`gaitcheck.report.pdf_history`).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from gaitcheck.metrics.findings import SEVERITY_ORDER
from gaitcheck.report import pdf_kit as kit
from gaitcheck.report.html import summary
from gaitcheck.report.html_metrics import metric_cards
from gaitcheck.report.keyframes import CROP_NAME, INDEX_NAME, KEYFRAMES_DIR
from gaitcheck.report.pdf_history import HistoryMetric, HistorySession, write_history_pdf

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

__all__ = ["PDF_NAME", "HistoryMetric", "HistorySession", "finding_cue", "render_report_pdf",
           "write_history_pdf", "write_report_pdf"]

PDF_NAME = "report.pdf"
#: Key frames shown: at most this many, spread over the clip, four to a row.
PDF_KEYFRAMES = 8
#: How a finding's severity reads to a patient.
SEVERITY_WORDS = {"moderate": "Worth working on", "mild": "Worth watching",
                  "info": "Good to know"}
_STATUS_KIND = {"within": "ok", "above": "mild", "below": "mild", None: "plain"}
_STRIKE_WORDS = {"rearfoot": "heel first", "midfoot": "flat foot", "forefoot": "forefoot first"}


def finding_cue(finding: dict[str, Any]) -> str | None:
    """The coaching cue of a finding (``cue`` as text, or a dict with ``text``), if any."""
    cue = finding.get("cue")
    if isinstance(cue, dict):
        cue = cue.get("text") or cue.get("cue")
    return str(cue).strip() or None if cue else None


def report_date(report: dict[str, Any]) -> str | None:
    """Session date of a report (``session.date`` when recorded, else the analysis
    date), as ``2 Dec 2026``."""
    raw = ((report.get("session") or {}).get("date")
           or (report.get("generator") or {}).get("created_utc"))
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return str(raw)[:10]
    return f"{when.day} {when:%b %Y}"


def _subtitle(report: dict[str, Any], video_name: str) -> str:
    """Video, view, setting, duration and frame rate; an anonymized report leaves the
    file name out (it often names the patient)."""
    from gaitcheck.report.html import _subtitle as html_subtitle

    anonymized = bool((report.get("privacy") or {}).get("faces_blurred"))
    return " · ".join([*([] if anonymized else [video_name]), *html_subtitle(report)])


def _tiles(report: dict[str, Any]) -> Table | None:
    """The headline numbers: measure, value, typical range, where the value lies."""
    info = summary(report)
    bands = report.get("reference_bands") or {}
    cards = {c["key"]: c for g in metric_cards(report) for c in g["cards"]}
    rows: list[list[Any]] = [[kit.p(h, "cell_head") for h in
                              ("Measure", "Your value", "Typical range", "")]]
    for tile in info["tiles"]:
        value = tile["number"]["text"] + tile["number"]["unit"]
        if tile.get("pattern"):
            value = f"{tile['pattern']['text']} ({value})"
        band = cards.get(tile["key"], {}).get("band_text") if bands.get(tile["key"]) else None
        status = tile["status"]
        word = {"within": "typical", "above": "above range", "below": "below range"}.get(
            status or "", "")
        rows.append([kit.p(tile["label"], "cell_bold"), kit.p(value, "cell"),
                     kit.p(band or "—", "cell"),
                     kit.markup(kit.chip(word, _STATUS_KIND.get(status, "plain")), "cell")])
    if len(rows) == 1:
        return None
    w = kit.FRAME_W
    return kit.grid(rows, [0.36 * w, 0.26 * w, 0.22 * w, 0.16 * w])


def _findings(report: dict[str, Any]) -> list[Flowable]:
    findings = sorted(report.get("findings") or [],
                      key=lambda f: SEVERITY_ORDER.get(f.get("severity"), 9))
    if not findings:
        return [kit.p("Nothing stood out: every measured value is within its typical range.")]
    out: list[Flowable] = []
    for f in findings:
        severity = f.get("severity", "info")
        word = SEVERITY_WORDS.get(severity, "Note")
        parts = [kit.markup(f"{kit.chip(word, severity)}  {kit.para_text(f.get('message', ''))}")]
        cue = finding_cue(f)
        if cue:
            parts.append(kit.markup(f"<b>Try:</b> {kit.para_text(cue)}", "cue"))
        table = Table([[[*parts]]], colWidths=[kit.FRAME_W], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("LINEBEFORE", (0, 0), (0, 0), 2.4, kit.STATUS.get(severity, kit.MUTED)),
            ("LEFTPADDING", (0, 0), (-1, -1), 7), ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        out += [table, Spacer(1, 3)]
    return out


def _note(note: str | None) -> list[Flowable]:
    if not note or not note.strip():
        return []
    lines = "<br/>".join(kit.para_text(line) for line in note.strip().splitlines())
    return [Spacer(1, 6), kit.boxed([kit.p("Note from your clinician", "h3"),
                                     kit.markup(lines, "note")])]


def keyframe_entries(out_dir: Path | None, result: GaitResult | None = None
                     ) -> list[dict[str, Any]]:
    """Key frames of an analysis folder with their image paths (``path``), in time order.

    Entries whose image is missing, or (given ``result``) that match none of its
    contacts, are left out.
    """
    if out_dir is None:
        return []
    index_path = Path(out_dir) / KEYFRAMES_DIR / INDEX_NAME
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    contacts = ({(c.get("side"), c.get("frame")) for c in result.events.get("contacts", [])}
                if result is not None else None)
    out = []
    for e in index.get("keyframes") or []:
        name = str(e.get("file", ""))
        path = index_path.parent / name
        if not CROP_NAME.match(name) or not path.is_file():
            continue
        if contacts is not None and (e.get("side"), e.get("frame")) not in contacts:
            continue
        out.append({**e, "path": path})
    return out


def keyframe_grid(entries: list[dict[str, Any]], cap: int = PDF_KEYFRAMES,
                  columns: int = 4) -> Table | None:
    """Up to ``cap`` key frames, half of each foot where there are enough, spread over
    the clip and in time order; captioned, ``columns`` a row."""
    if not entries:
        return None
    picks = _balanced(entries, cap)
    gap = 4 * mm
    cell_w = (kit.FRAME_W - gap * (columns - 1)) / columns
    cells = []
    for i in picks:
        e = entries[i]
        img = Image(str(e["path"]))
        scale = cell_w / img.imageWidth
        img.drawWidth, img.drawHeight = cell_w, img.imageHeight * scale
        strike = _STRIKE_WORDS.get(str(e.get("strike")), "strike not classified")
        angle = e.get("foot_angle_deg")
        angle_text = (f", foot {angle:.0f}°".replace("-", "−")
                      if isinstance(angle, int | float) and math.isfinite(angle) else "")
        caption = f"{str(e.get('side', '')).capitalize()} foot · {e.get('time_s', 0):.2f} s · " \
                  f"{strike}{angle_text}"
        cells.append([img, kit.p(caption, "caption")])
    rows = [cells[k:k + columns] for k in range(0, len(cells), columns)]
    rows[-1] += [""] * (columns - len(rows[-1]))
    table = Table(rows, colWidths=[cell_w + gap] * (columns - 1) + [cell_w], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), gap),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return table


def _spread(items: list[int], n: int) -> list[int]:
    """``n`` of ``items`` evenly spread (all when there are no more)."""
    if n >= len(items):
        return list(items)
    return [items[round(i)] for i in np.linspace(0, len(items) - 1, n)] if n > 0 else []


def _balanced(entries: list[dict[str, Any]], cap: int) -> list[int]:
    """Indices of at most ``cap`` entries: each foot's share spread over the clip."""
    sides = {s: [i for i, e in enumerate(entries) if e.get("side") == s]
             for s in ("left", "right")}
    other = [i for i, e in enumerate(entries) if e.get("side") not in sides]
    half = cap // 2
    left = _spread(sides["left"], max(half, cap - len(sides["right"])))
    right = _spread(sides["right"], cap - len(left))
    chosen = sorted(left + right)
    return sorted(chosen + _spread(other, cap - len(chosen)))


def _plots(result: GaitResult) -> list[Flowable]:
    from gaitcheck.report.plots import timeline_plot
    from gaitcheck.report.plots_body import cycle_panels, cycle_plot, stick_figures

    out: list[Flowable] = []
    curves = cycle_plot(cycle_panels(result))
    drawing = kit.svg_drawing(curves, kit.FRAME_W) if curves else None
    if drawing is not None:
        out.append(KeepTogether([
            kit.p("Joint angles over one stride", "h2"),
            kit.p("Mean angle of each leg from one landing to the next (0–100 % of the "
                  "stride); the shaded band is the stride-to-stride spread.", "muted"),
            Spacer(1, 3), drawing]))
    stick = stick_figures(result)
    drawing = kit.svg_drawing(stick["svg"], kit.FRAME_W * 0.5) if stick else None
    if drawing is not None:
        out.append(KeepTogether([kit.p("Posture through the stride", "h2"), drawing]))
    duration = (result.report.get("video") or {}).get("duration_s")
    timeline = timeline_plot(result.events, duration)
    drawing = kit.svg_drawing(timeline, kit.FRAME_W) if timeline else None
    if drawing is not None:
        out.append(KeepTogether([kit.p("When each foot was on the ground", "h2"), drawing]))
    return out


def _measurements(report: dict[str, Any]) -> list[Flowable]:
    head = ["Measure", "Value", "Left", "Right", "Typical range", "Confidence"]
    rows: list[list[Any]] = [[kit.p(h, "cell_head") for h in head]]
    missing = []
    for group in metric_cards(report):
        for card in group["cards"]:
            if not card["measurable"]:
                missing.append(f"{card['label']}: {card['reason']}.")
                continue
            sides = {s["side"]: s["mean"] for s in card["sides"]}
            value = card["value"]["text"] + card["value"]["unit"]
            if card.get("strike"):
                value = f"{card['strike']['pattern']['text']} ({value})"
            note = card["gauge_note"]
            band = card["band_text"] or "—"
            if note["cls"] == "mild":
                band = f"{band} ({note['chip']})"
            rows.append([kit.p(card["label"], "cell_bold"), kit.p(value, "cell"),
                         *[kit.p(sides[s]["text"] + sides[s]["unit"] if sides.get(s) else "—",
                                 "cell") for s in ("left", "right")],
                         kit.markup(kit.chip(band, note["cls"]) if note["cls"] == "mild"
                                    else kit.para_text(band), "cell"),
                         kit.p(card["confidence_level"], "cell")])
    w = kit.FRAME_W
    out: list[Flowable] = [kit.p("All measurements", "h2")]
    if len(rows) > 1:
        out.append(kit.grid(rows, [0.27 * w, 0.17 * w, 0.13 * w, 0.13 * w, 0.19 * w, 0.11 * w]))
    if missing:
        out += [Spacer(1, 4), kit.p("Not measurable in this recording: " + " ".join(missing),
                                    "muted")]
    return out


def _quality(report: dict[str, Any]) -> list[Flowable]:
    from gaitcheck.report.html import quality

    warnings = quality(report)["warnings"]
    out: list[Flowable] = [kit.p("How far to trust these numbers", "h2")]
    q = report.get("quality") or {}
    cov = q.get("pose_coverage")
    facts = []
    if cov is not None:
        facts.append(f"the body was found in {100 * cov:.0f} % of the frames")
    if q.get("effective_fps"):
        facts.append(f"{q['effective_fps']:.0f} frames per second were analysed")
    contacts = len((report.get("events") or {}).get("contacts") or [])
    facts.append(f"{contacts} foot landings were detected")
    out.append(kit.p("In this recording " + ", ".join(facts) + ". Values come from a single "
                     "camera in two dimensions; they vary from one recording to the next, "
                     "so compare sessions filmed the same way (see gaitcheck guide).", "small"))
    if warnings:
        out.append(Spacer(1, 3))
        for w_ in warnings:
            kind = "moderate" if w_["severity"] == "serious" else "mild"
            out.append(kit.markup(f"{kit.chip('!', kind)}  {kit.para_text(w_['text'])}",
                                  "small"))
    return out


def render_report_pdf(result: GaitResult, out_path: Path, out_dir: Path | None = None,
                      clinic: str | None = None, note: str | None = None) -> Path:
    """Write the patient PDF of one analysis.

    Parameters
    ----------
    result : GaitResult
        The analysis.
    out_path : Path
        PDF file to write (atomically).
    out_dir : Path, optional
        Analysis folder holding ``keyframes/`` (None: no key frames).
    clinic : str, optional
        Clinic name for the page header (default: "gaitcheck").
    note : str, optional
        Free-text clinician note, shown on the first page (line breaks kept).

    Returns
    -------
    Path
        ``out_path``.
    """
    report = result.report
    video_name = Path(str((report.get("video") or {}).get("path") or "video")).name
    date = report_date(report)
    walking = (report.get("activity") or {}).get("value") == "walk"
    story: list[Flowable] = [
        kit.p(f"Your {'walking' if walking else 'running'} analysis", "title"),
        kit.p(_subtitle(report, video_name) + (f" · analysed {date}" if date else ""),
              "subtitle")]
    story += _note(note)
    tiles = _tiles(report)
    story.append(kit.p("At a glance", "h2"))
    story.append(tiles if tiles is not None else
                 kit.p("No headline number could be measured in this recording.", "muted"))
    story.append(kit.p("What we found", "h2"))
    story += _findings(report)
    story.append(KeepTogether(_quality(report)))
    # Key frames and plots on a new page, unless page 1 spilled over with room to spare.
    story.append(CondPageBreak(kit.PAGE_H * 0.55))
    frames = keyframe_grid(keyframe_entries(out_dir, result))
    if frames is not None:
        story += [kit.p("Your foot at landing", "h2"),
                  kit.p("Stills of the foot at initial contact; the coloured line runs from "
                        "heel to toe as the analysis measured it.", "muted"),
                  Spacer(1, 4), frames]
    story += _plots(result)
    story.append(CondPageBreak(80 * mm))
    story += _measurements(report)
    return kit.build_pdf(story, out_path, clinic, "Running gait report", date)


def write_report_pdf(result: GaitResult, out_dir: Path, clinic: str | None = None,
                     note: str | None = None) -> dict[str, str]:
    """Write ``report.pdf`` into the analysis folder ``out_dir``.

    Returns
    -------
    dict
        ``{"pdf": "report.pdf"}``.
    """
    render_report_pdf(result, Path(out_dir) / PDF_NAME, Path(out_dir), clinic, note)
    return {"pdf": PDF_NAME}
