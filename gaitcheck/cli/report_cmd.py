"""``gaitcheck report``: re-render every report format from a saved analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gaitcheck.cli.app import DebugOpt, _reported_errors, app, out_console


@app.command()
def report(
    source: Annotated[Path, typer.Argument(
        help="An analysis folder, or its report.json.", show_default=False)],
    annotate: Annotated[bool, typer.Option(
        "--annotate", help="Also re-draw annotated.mp4 (needs the source video where "
        "report.json says it is).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Re-render report.html, the CSV tables (and optionally annotated.mp4) from saved
    results, without running pose again. The measurements in report.json are kept.

    Examples:

      gaitcheck report run_gaitcheck

      gaitcheck report run_gaitcheck/report.json --annotate
    """
    from gaitcheck.cli.summary import print_summary
    from gaitcheck.report.writers import rerender
    from gaitcheck.result import REPORT_NAME, load_result

    with _reported_errors(debug):
        result = load_result(source)
        rerender(result, ("html", "csv", "video") if annotate else None)
        if not quiet:
            assert result.out_dir is not None
            print_summary(out_console, result.report, result.out_dir / REPORT_NAME)
