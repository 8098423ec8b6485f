"""The terminal summary printed after ``analyze`` and ``report``: a rich table of the key
metrics against their reference bands, then the findings and warnings (informational
warnings as one dimmed ``notes:`` line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gaitcheck.metrics.definitions import HEADLINE, REGISTRY
from gaitcheck.metrics.findings import band_status
from gaitcheck.sides import SIDES
from gaitcheck.tracks.warnings import INFO, SERIOUS, rank, severity_of

#: Key metrics shown in the table, in order: (report key, label, decimals), from the
#: registry's headline metrics.
KEY_METRICS = tuple((k, REGISTRY[k].terminal_label, REGISTRY[k].decimals) for k in HEADLINE)
SEVERITY_STYLE = {"moderate": "bold red", "mild": "yellow", "info": "cyan"}
UNIT_SHORT = {"deg": "°", "steps/min": " spm", "ms": " ms", "%": " %",
              "% leg length": " % leg", "cm": " cm", "fraction of shoulder width": " ×sw"}


def _fmt(value: float | None, unit: str, decimals: int) -> str:
    if value is None:
        return "–"
    return f"{value:.{decimals}f}{UNIT_SHORT.get(unit, ' ' + unit)}"


def _band_text(band: dict[str, Any] | None) -> str:
    if not band:
        return ""
    low, high = band.get("low"), band.get("high")
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if high is not None:
        return f"≤ {high:g}"
    return f"≥ {low:g}" if low is not None else ""


def _status(value: float | None, band: dict[str, Any] | None,
            ci95: list[float] | None = None) -> str:
    """Band status of a value and its 95 % interval (see
    :func:`gaitcheck.metrics.findings.band_status`)."""
    status = band_status(value, ci95, band)
    if status is None:
        return ""
    return {"inside": "[green]in range[/]", "borderline": "[cyan]borderline[/]"}.get(
        status, f"[yellow]{status}[/]")


def _half(m: dict[str, Any], decimals: int) -> str:
    ci = m.get("ci95")
    if not (isinstance(ci, list) and len(ci) == 2):
        return ""
    return f" ± {(ci[1] - ci[0]) / 2:.{decimals}f}"


def metrics_table(report: dict[str, Any]) -> Table:
    """The key metrics of ``report`` with left/right means and reference bands."""
    metrics, bands = report.get("metrics", {}), report.get("reference_bands") or {}
    table = Table(title="Key metrics (spm = steps/min)", title_justify="left")
    table.add_column("metric", no_wrap=True)
    for column in ("value ± 95 %", "left", "right"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("typical", no_wrap=True)
    table.add_column("", no_wrap=True)
    for key, label, decimals in KEY_METRICS:
        m = metrics.get(key)
        if not m or not m.get("measurable", True):
            continue
        unit, value = m.get("unit", ""), m.get("value")
        sides = m.get("per_side") or {}
        side = [f"{(sides.get(s) or {}).get('mean'):.{decimals}f}"
                if (sides.get(s) or {}).get("mean") is not None else "" for s in SIDES]
        shown = _fmt(value, unit, decimals) + _half(m, decimals)
        if key == "foot_strike" and m.get("pattern"):
            shown = f"{m['pattern']} ({shown})"
        band = bands.get(key) if isinstance(bands, dict) else None
        table.add_row(label, shown, *side, _band_text(band),
                      _status(value, band, m.get("ci95")))
    return table


def print_summary(console: Console, report: dict[str, Any], report_path: Path,
                  pose_s: float = 0.0) -> None:
    """Print the run's summary: files, view, the metrics table, findings, warnings."""
    q, video = report["quality"], report["video"]
    line = (f"{q['frames_with_pose']}/{q['frames']} frames with pose "
            f"({q['pose_coverage']:.0%}), {q['duration_s']:.1f} s, "
            f"{video['width']}x{video['height']}")
    if pose_s > 0:
        line += f", pose {q['frames'] / pose_s:.1f} frames/s"
    console.print(f"[bold green]Report:[/] {report_path}", highlight=False)
    html = (report.get("files") or {}).get("html")
    if html:
        console.print(f"[bold green]Open:[/] {report_path.parent / html}", highlight=False)
    console.print(line, highlight=False)
    view = report.get("view") or {}
    if view:
        console.print(f"view {view.get('label')}, {(report.get('setting') or {}).get('value')}, "
                      f"activity {(report.get('activity') or {}).get('value') or 'unknown'}",
                      highlight=False)
    table = metrics_table(report)
    if table.row_count:
        console.print(table)
    for finding in report.get("findings", []):
        style = SEVERITY_STYLE.get(finding["severity"], "cyan")
        console.print(f"[{style}]{finding['severity']}:[/] {finding['message']}",
                      highlight=False)
        if finding.get("cue"):
            console.print(f"  [dim]you could try:[/] {finding['cue']}", highlight=False)
    warnings = sorted(q.get("warnings", []), key=rank)
    for warning in warnings:
        severity = severity_of(warning)
        if severity != INFO:
            label = "[bold red]warning (serious):[/]" if severity == SERIOUS else (
                "[yellow]warning:[/]")
            console.print(f"{label} {escape(warning['message'])}", highlight=False)
    notes = [_clause(w["message"]) for w in warnings if severity_of(w) == INFO]
    if notes:
        console.print(f"[dim]notes: {escape('; '.join(notes))} (informational: they do not "
                      "lower trust in the results)[/]", highlight=False)


def _clause(message: str) -> str:
    """The gist of a warning: its text up to the first ``;``, ``:``, `` (`` or full stop."""
    cut = min((i for i in (message.find(s) for s in (";", ": ", " (", ". ")) if i > 0),
              default=len(message))
    return message[:cut].rstrip(".")
