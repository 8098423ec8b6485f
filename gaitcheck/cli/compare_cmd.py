"""``gaitcheck compare``: a before/after table of two analyses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from gaitcheck.cli.app import DebugOpt, _reported_errors, app, err_console, out_console

_SHORT = {"exceeds noise": "yes", "within noise": "no", "noise unknown": "unknown",
          "not comparable": "not comparable"}
_STYLE = {"exceeds noise": "bold", "within noise": "green", "noise unknown": "dim",
          "not comparable": "dim"}


def _default_out(a: Path, b: Path) -> Path:
    from gaitcheck.batch.inputs import safe_name

    def name(p: Path) -> str:
        p = p.expanduser().resolve()
        return (p if p.is_dir() else p.parent).name or "report"

    return Path.cwd() / safe_name(f"compare_{name(a)}_vs_{name(b)}")


def _warn_filming(comparison: Any) -> None:
    """Warn (stderr) when the two sessions were filmed too differently to compare angles:
    camera height, distance, frame rate, view, direction or setting."""
    from gaitcheck.clinic.fingerprint import camera_fingerprint, filming_differences

    a, b = (camera_fingerprint(report, path.parent) for report, path in (
        (comparison.a, comparison.a_path), (comparison.b, comparison.b_path)))
    for note in filming_differences(a, b):
        err_console.print(f"[yellow]filmed differently:[/] {escape(note)}; 2D angles and "
                          "timing may differ for that reason alone", highlight=False,
                          soft_wrap=True)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(
        metavar="A", help="Before: an analysis folder or its report.json.")],
    b: Annotated[Path, typer.Argument(
        metavar="B", help="After: an analysis folder or its report.json.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder for compare.csv (and compare.html when a report.html "
        "exists) [default: ./compare_<A>_vs_<B>].", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Compare two analyses: A, B, change, and whether it exceeds the noise.

    Noise is the smallest detectable change from both sessions' stride-to-
    stride scatter, 1.96 × √(SE_A² + SE_B²); cadence uses a fixed 2 steps/min.
    Metrics the two views cannot both measure are "not comparable".

    Examples:

      gaitcheck compare before/ after/

      gaitcheck compare jan/report.json mar/report.json --out anna_jan_vs_mar
    """
    from gaitcheck.report.compare import compare_reports, describe, write_outputs

    with _reported_errors(debug):
        comparison = compare_reports(a, b)
        files = write_outputs(comparison, out or _default_out(a, b))
        if quiet:
            return
        _warn_filming(comparison)
        da, db = describe(comparison.a, comparison.a_path), describe(comparison.b,
                                                                      comparison.b_path)
        table = Table(title=f"A {da['folder']} ({da['view']}) → B {db['folder']} "
                      f"({db['view']})", title_justify="left")
        for column in ("metric", "A", "B", "change", "%", "noise ±", "beyond noise"):
            table.add_column(column, justify="left" if column in ("metric", "beyond noise")
                             else "right")
        notes: dict[str, list[str]] = {}  # one line per reason, not per metric
        for row in comparison.rows:
            if row.note:
                notes.setdefault(row.note, []).append(row.label)
            table.add_row(
                f"{row.label} [dim]{escape(row.unit)}[/]", _num(row.a), _num(row.b),
                "" if row.change is None else f"{row.change:+.1f}",
                "" if row.change_pct is None else f"{row.change_pct:+.0f}",
                _num(row.noise) + ("*" if row.noise_source == "fixed floor" else ""),
                f"[{_STYLE[row.verdict]}]{_SHORT[row.verdict]}[/]")
        out_console.print(table, highlight=False)
        out_console.print("noise: smallest detectable change (95 %) from the per-stride "
                          "scatter of both sessions; * fixed floor", style="dim",
                          highlight=False)
        for note, labels in notes.items():
            out_console.print(f"- {', '.join(labels)}: {note}", highlight=False,
                              soft_wrap=True)
        for role, path in files.items():
            out_console.print(f"[bold green]{role}:[/] {path}", highlight=False)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
