"""``gaitcheck batch``: analyse a folder, glob or manifest of videos, one folder each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from gaitcheck.batch.runner import BatchReporter
from gaitcheck.cli import render_options as ro
from gaitcheck.cli.app import (
    DbOpt,
    DebugOpt,
    KeepPathsOpt,
    _reported_errors,
    _usage,
    app,
    err_console,
    out_console,
)

_SYMBOL = {"ok": "[green]✓[/]", "warning": "[yellow]⚠[/]", "error": "[red]✗[/]"}


def describe_row(row: dict[str, Any]) -> str:
    """Key numbers of a finished video for its status line, or its error."""
    if row["status"] == "error":
        return row["error"]
    parts = []
    for key, fmt in (("cadence_spm", "{:.0f} steps/min"),
                     ("ground_contact_ms", "contact {:.0f} ms"),
                     ("trunk_lean_deg", "trunk {:.0f}°"), ("foot_strike", "{}")):
        if row.get(key) is not None:
            parts.append(fmt.format(row[key]))
    if row.get("warnings"):
        parts.append(f"{row['warnings']} warning{'s' if row['warnings'] != 1 else ''}")
    if row.get("reused"):
        parts.append("already done")
    elif row.get("elapsed_s") is not None:
        parts.append(f"{row['elapsed_s']:.1f} s")
    return " · ".join(parts) or "no metrics"


class ConsoleReporter(BatchReporter):
    """A bar over videos on an interactive stderr, and one status line per video."""

    def __init__(self, lines: Console, bar_console: Console, show_bar: bool) -> None:
        self._lines = lines
        self._bar = Progress(TextColumn("[bold]videos"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                             console=bar_console, transient=True) if show_bar else None
        self._task: Any = None

    def begin(self, total: int, reused: int, workers: int, where: str) -> None:
        todo = total - reused
        self._lines.print(f"{total} videos: {reused} already done, {todo} to analyse"
                          + (f" ({where})" if todo else ""), highlight=False)
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("videos", total=total)

    def finished(self, entry: Any, row: dict[str, Any]) -> None:
        self._lines.print(f"{_SYMBOL[row['status']]} {entry.name}: {describe_row(row)}",
                          highlight=False, soft_wrap=True)
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@app.command()
def batch(
    input_: Annotated[str, typer.Argument(
        metavar="INPUT", help="Folder of videos (searched recursively), a quoted glob "
        "('clinic/**/*.mov') or a manifest .csv with a 'video' column.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Batch output folder: one "
                                      "folder per video, summary.csv/json, batch.log.")],
    workers: Annotated[int | None, typer.Option(
        "--workers", "-j", min=1, help="Parallel local processes [default: available "
        "cores, at most one per video]. Ignored with --executor dask.",
        show_default=False)] = None,
    split_videos: Annotated[bool, typer.Option(
        "--split-videos", help="With fewer videos than workers, split each video's pose "
        "pass over the spare cores (faster; angles can move by up to ~2° after a seam, "
        "so off by default).")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Redo videos already analysed with the same content and "
        "settings.")] = False,
    executor: Annotated[str, typer.Option(help="local (this machine) or dask (a cluster, "
                                          "see --scheduler).")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="dask scheduler address, e.g. tcp://10.0.0.5:8786.")] = None,
    connect_timeout: Annotated[float, typer.Option(
        min=0.1, help="Seconds to wait for the dask scheduler.")] = 10.0,
    start: Annotated[float | None, typer.Option(
        help="Start of the window in every video, seconds (manifest start_s wins).")] = None,
    end: Annotated[float | None, typer.Option(
        help="End of the window in every video, seconds (manifest end_s wins).")] = None,
    slowmo: Annotated[str | None, typer.Option(
        help="Slow-motion factor of every video, or auto (manifest slowmo wins) "
        "[default: 1].",
        show_default=False)] = None,
    model: Annotated[str | None, typer.Option(
        help="Pose model: a .task file, or lite/full/heavy [default: bundled full].")] = None,
    max_people: Annotated[int, typer.Option(
        help="Most people tracked per frame, 1 to 10 (2+ when others are in view).",
    )] = 1,
    height_cm: Annotated[float | None, typer.Option(
        help="Default runner height in cm, 80 to 250 (manifest height_cm wins).",
    )] = None,
    treadmill: Annotated[bool | None, typer.Option(
        "--treadmill/--overground", help="Setting of every video (manifest treadmill "
        "wins) [default: detected].", show_default=False)] = None,
    annotate: Annotated[bool, typer.Option(
        "--annotate", help="Also write annotated.mp4 for every video (slower).")] = False,
    pdf: ro.PdfOpt = False,
    anonymize: ro.AnonymizeOpt = None,
    clinic: ro.ClinicOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or status "
                                        "lines.")] = False,
    db: DbOpt = None,
    keep_paths: KeepPathsOpt = False,
    record: Annotated[bool, typer.Option(
        "--record/--no-record", help="Record videos with a manifest patient_id / "
        "subject_id as sessions in the clinic database.", rich_help_panel="Clinic")] = True,
    debug: DebugOpt = False,
) -> None:
    """Analyse many videos: a report folder each, summary.csv and summary.json.

    Re-running skips videos already done (same content, same settings), so an
    interrupted batch resumes where it stopped. Exit code 0 when every video
    finished (warnings included), 3 when some failed (or could not be recorded in
    the clinic database), 2 for bad arguments.

    A manifest with a patient_id (or subject_id) column and a session_date column
    records each video as a session of that patient in the clinic database (--db).

    Examples:

      gaitcheck batch clinic_videos/ --out results/

      gaitcheck batch sessions.csv -o results/ --workers 4 --height-cm 175

      gaitcheck batch 'videos/**/*.MOV' -o results/ --executor dask
      --scheduler tcp://10.0.0.5:8786
    """
    from gaitcheck.batch.inputs import discover
    from gaitcheck.batch.runner import BatchSettings, run_batch
    from gaitcheck.validation import parse_slowmo

    reporter = None
    with _reported_errors(debug):
        if executor not in ("local", "dask"):
            raise _usage(f"unknown --executor {executor!r}: local or dask")
        if executor == "dask" and not scheduler:
            raise _usage("--executor dask needs --scheduler tcp://HOST:PORT")
        if scheduler and executor != "dask":
            raise _usage("--scheduler needs --executor dask")
        # The rules of `analyze` and of manifest cells (gaitcheck.validation): a NaN or
        # infinite window never reaches a worker.
        from gaitcheck.validation import check_options

        # A factor, or auto (the detected factor when it is clear).
        slowmo_factor, slowmo_auto = (None, False) if slowmo is None else parse_slowmo(slowmo)
        check_options({"start_s": start, "end_s": end, "slowmo": slowmo_factor,
                       "height_cm": height_cm, "max_people": max_people})
        entries, kind = discover(input_, exclude=out)
        blur, blur_source = ro.anonymize_choice(anonymize)
        if blur_source is None and record and any(e.fields.get("subject_id")
                                                  for e in entries):
            # The batch records into the clinic database: its default applies. A
            # database that cannot be read stops the batch before any analysis (the
            # clinic's privacy default is unknown); a later failure to record is only
            # logged (the analyses stand, a re-run records them).
            from gaitcheck.cli.clinic_cmd import database_anonymize

            blur, blur_source = database_anonymize(db, anonymize)
        setting = None if treadmill is None else ("treadmill" if treadmill else "overground")
        defaults = {"start_s": start, "end_s": end, "slowmo": slowmo_factor,
                    "slowmo_auto": slowmo_auto or None, "model": model,
                    "max_people": max_people, "height_cm": height_cm, "setting": setting,
                    "formats": ro.formats_list(None, annotate=annotate, pdf=pdf),
                    # Only when on: the settings hash of earlier batches stays valid.
                    "anonymize": blur or None, "anonymize_source": blur_source,
                    "clinic": ro.clinic_default(clinic) if pdf else None,
                    "keep_paths": keep_paths or None}
        settings = BatchSettings(defaults={k: v for k, v in defaults.items() if v is not None},
                                 workers=workers, executor=executor, scheduler=scheduler,
                                 force=force, connect_timeout_s=connect_timeout,
                                 split_videos=split_videos,
                                 record=record, database=db, keep_paths=keep_paths)
        reporter = ConsoleReporter(out_console, err_console,
                                   show_bar=not quiet and err_console.is_terminal)
        try:
            result = run_batch(entries, out, settings,
                               reporter if not quiet else BatchReporter(),
                               info={"spec": input_, "kind": kind})
        finally:
            reporter.close()
        tally = result.counts
        if not quiet:
            out_console.print(
                f"[bold]{len(result.rows)} videos[/]: {tally['ok']} ok, {tally['warning']} "
                f"with warnings, {tally['error']} failed in {result.elapsed_s:.1f} s → "
                f"{result.out_dir / 'summary.csv'}", highlight=False, soft_wrap=True)
            if result.clinic.get("database"):
                out_console.print(f"clinic database {result.clinic['database']}: "
                                  f"{result.clinic['recorded']} sessions recorded, "
                                  f"{result.clinic['updated']} updated", highlight=False,
                                  soft_wrap=True)
        for message in result.clinic.get("errors", []):
            err_console.print(f"[yellow]not recorded[/] {message} (run the batch again)",
                              highlight=False, soft_wrap=True)
    if result.exit_code or result.clinic.get("errors"):
        raise typer.Exit(result.exit_code or 3)
