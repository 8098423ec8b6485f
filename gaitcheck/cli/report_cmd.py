"""``gaitcheck report``: re-render every report format from a saved analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gaitcheck.cli import render_options as ro
from gaitcheck.cli.app import DebugOpt, _reported_errors, app, out_console


@app.command()
def report(
    source: Annotated[Path, typer.Argument(
        help="An analysis folder, or its report.json.", show_default=False)],
    annotate: Annotated[bool, typer.Option(
        "--annotate", help="Also re-draw annotated.mp4 (needs the source video: --video, "
        "else the recorded path, the folder's parent or the current folder).")] = False,
    video: Annotated[Path | None, typer.Option(
        "--video", help="The analysed video (checked by its SHA-256), when it is not "
        "next to the report folder.", show_default=False)] = None,
    pdf: ro.PdfOpt = False,
    anonymize: ro.AnonymizeOpt = None,
    clinic: ro.ClinicOpt = None,
    note: ro.NoteOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Re-render report.html, the CSV tables (and optionally annotated.mp4 and report.pdf)
    from saved results, without running pose again. The measurements in report.json are
    kept. A folder once rendered with --anonymize stays anonymized.

    Examples:

      gaitcheck report run_gaitcheck

      gaitcheck report run_gaitcheck/report.json --annotate

      gaitcheck report run_gaitcheck --annotate --video ~/clips/run.mp4

      gaitcheck report run_gaitcheck --pdf --clinic "Physio Nord" --note "Retest in 4 weeks"
    """
    from gaitcheck.cli.summary import print_summary
    from gaitcheck.report.writers import RenderOptions, rerender
    from gaitcheck.result import REPORT_NAME, load_result

    with _reported_errors(debug):
        result = load_result(source)
        blur, blur_source = ro.anonymize_choice(anonymize)
        render = RenderOptions(blur, ro.clinic_default(clinic), ro.note_text(note),
                               blur_source)
        files = rerender(result, ro.formats_list(None, annotate=annotate, pdf=pdf), render,
                         video)
        if pdf and not quiet:
            assert result.out_dir is not None
            out_console.print(f"PDF: {result.out_dir / files['pdf']}", highlight=False,
                              soft_wrap=True)
        if not quiet:
            assert result.out_dir is not None
            print_summary(out_console, result.report, result.out_dir / REPORT_NAME)
