"""``gaitcheck`` command-line entry point.

Every command turns :class:`~gaitcheck.errors.GaitcheckError` into one line on stderr
and its exit code (2 for bad input, 1 for internal errors); ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gaitcheck import __version__
from gaitcheck.cli import render_options as ro
from gaitcheck.errors import GaitcheckError

app = typer.Typer(
    name="gaitcheck",
    help="Trustworthy running gait analysis from an ordinary video.\n\n"
    "Example: gaitcheck analyze run.mp4 --out run_report",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err_console = Console(stderr=True)
out_console = Console()

DebugOpt = Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Clinic database: a file, or postgresql://USER@HOST/DB [default: "
    "$GAITCHECK_DB, else sessions.sqlite in the user data folder].", show_default=False,
    rich_help_panel="Clinic")]
KeepPathsOpt = Annotated[bool, typer.Option(
    "--keep-paths", help="Store the video's absolute path in report.json and the database "
    "(default: its file name only).")]


@contextlib.contextmanager
def _reported_errors(debug: bool) -> Iterator[None]:
    debug = debug or bool(os.environ.get("GAITCHECK_DEBUG"))
    try:
        yield
    except GaitcheckError as err:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(err.exit_code) from None
    except OSError as err:
        if debug or err.errno not in (errno.ENAMETOOLONG, errno.ENOSPC, errno.EROFS,
                                      errno.EACCES):
            raise _internal(err, debug) from None
        # The user's path or disk is at fault, not gaitcheck: exit 2 with what to do.
        what = {errno.ENAMETOOLONG: "a file or folder name is too long (most file systems "
                                    "allow 255 bytes): use a shorter name or --out",
                errno.ENOSPC: "the disk is full: free some space",
                errno.EROFS: "the file system is read-only: choose another --out",
                errno.EACCES: "permission denied: choose another --out"}[err.errno]
        where = f" ({err.filename})" if err.filename else ""
        err_console.print(f"[bold red]error:[/] {what}{where}", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]: no output was half-written")
        raise typer.Exit(130) from None
    except Exception as err:  # an internal error: one line unless --debug
        raise _internal(err, debug) from None


def _internal(err: Exception, debug: bool) -> BaseException:
    """What to raise for an internal error: ``err`` itself with ``--debug``, otherwise
    exit 1 after one line."""
    if debug:
        return err
    err_console.print(f"[bold red]internal error:[/] {type(err).__name__}: {err} "
                      "(run again with --debug for the traceback)", highlight=False,
                      soft_wrap=True)
    return typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gaitcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Trustworthy running gait analysis from an ordinary video."""


@app.command()
def analyze(
    video: Annotated[Path | None, typer.Argument(
        help="Video of the runner (mp4, mov, avi, mkv, webm), side view.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder [default: ./<video name>_gaitcheck].")] = None,
    start: Annotated[float | None, typer.Option(
        help="Start of the analysis window, seconds of playback time.")] = None,
    end: Annotated[float | None, typer.Option(
        help="End of the analysis window, seconds of playback time.")] = None,
    slowmo: Annotated[str, typer.Option(
        help="Slow-motion factor: capture fps / playback fps (8 for 240 fps stored at 30), "
        "or auto: apply the factor the gait timing shows, when it is clear.",
    )] = "1",
    model: Annotated[str | None, typer.Option(
        help="Pose model: a .task file, or lite/full/heavy from the user model folder "
        "[default: bundled full model].")] = None,
    max_people: Annotated[int, typer.Option(
        help="Most people tracked per frame (1 to 10). With 1, a pass that followed "
        "someone who is not walking or running is redone tracking 2; 2 or more track "
        "others from the start (slower, less precise).",
    )] = 1,
    landmarks: Annotated[Path | None, typer.Option(
        help="Re-analyse a saved landmarks.npz instead of running pose on a video.")] = None,
    view: Annotated[str | None, typer.Option(
        help="Camera view if detection gets it wrong: side, side-left, side-right, front, "
        "back.")] = None,
    treadmill: Annotated[bool | None, typer.Option(
        "--treadmill/--overground", help="Setting if detection gets it wrong "
        "[default: detected].", show_default=False)] = None,
    height_cm: Annotated[float | None, typer.Option(
        help="Runner's height in cm (80 to 250): vertical oscillation in cm.")] = None,
    annotate: Annotated[bool, typer.Option(
        "--annotate", help="Also write annotated.mp4: skeleton, angles and contacts drawn "
        "on the video (H.264).")] = False,
    stride: Annotated[int, typer.Option(
        help="Analyse every Nth frame (1 to 1000) (high-fps video): faster, event "
        "timing only as fine as the analysed frame interval.")] = 1,
    analysis_fps: Annotated[float | None, typer.Option(
        "--analysis-fps", help="Pick the stride that brings the frame rate closest "
        "to this without going below it (e.g. 60 for 240 fps video).")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", help="Split the pose pass into this many time segments run at "
        "once (1 to 256; faster on several cores; angles can move by up to ~2° after a "
        "seam); 1 = one pass [default: 1, or $GAITCHECK_JOBS].")] = None,
    formats: ro.FormatsOpt = None,
    pdf: ro.PdfOpt = False,
    anonymize: ro.AnonymizeOpt = None,
    clinic: ro.ClinicOpt = None,
    note: ro.NoteOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
    patient: Annotated[str | None, typer.Option(
        help="Patient id: record the analysis as a session in the clinic database.",
        rich_help_panel="Clinic")] = None,
    session_date: Annotated[str | None, typer.Option(
        help="Session date YYYY-MM-DD [default: the video's recording date, else its "
        "file time, else today].", rich_help_panel="Clinic",
        show_default=False)] = None,
    db: DbOpt = None,
    keep_paths: KeepPathsOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Analyse a running video: report.html, report.json, CSV tables and landmarks.

    Examples:

      gaitcheck analyze run.mp4

      gaitcheck analyze run.mp4 --out reports/anna --start 5 --end 20

      gaitcheck analyze slowmo.mov --slowmo 8

      gaitcheck analyze phone_clip.mov --slowmo auto

      gaitcheck analyze run.mp4 --annotate --height-cm 178

      gaitcheck analyze run.mp4 --formats html,csv,pdf --anonymize --clinic "Physio Nord"

      gaitcheck analyze --landmarks run_gaitcheck/landmarks.npz

      gaitcheck analyze run.mp4 --patient P0042 --session-date 2026-03-31
    """
    from gaitcheck.pipeline import (
        AnalyzeOptions,
        analyze_landmarks,
        analyze_video,
        default_out_dir,
    )
    from gaitcheck.validation import parse_slowmo

    target = out if out is not None else (default_out_dir(video) if video else None)
    with _reported_errors(debug), _no_empty_folder_left(target):
        if patient is None and session_date is not None:
            raise _usage("--session-date records a session: give --patient")
        blur, blur_source = ro.anonymize_choice(anonymize)
        if patient is not None:
            from gaitcheck.cli.clinic_cmd import check_recording

            # Checked (and the database opened) before the analysis, not after it.
            blur, blur_source = check_recording(patient, session_date, db, anonymize)
        if view is not None and view not in ("side", "side-left", "side-right", "front",
                                             "back", "oblique"):
            raise _usage(f"unknown --view {view!r}: side, side-left, side-right, front or "
                         "back")
        setting = None if treadmill is None else ("treadmill" if treadmill else "overground")
        # "auto", or a factor the option checks below refuse with their message if bad.
        slowmo_factor, slowmo_auto = parse_slowmo(slowmo)
        options = AnalyzeOptions(start_s=start, end_s=end, slowmo=slowmo_factor,
                                 slowmo_auto=slowmo_auto, model=model,
                                 max_people=max_people, view=view, setting=setting,
                                 height_cm=height_cm,
                                 formats=ro.formats_list(formats, annotate=annotate, pdf=pdf),
                                 stride=stride, analysis_fps=analysis_fps, jobs=jobs,
                                 anonymize=blur, anonymize_source=blur_source,
                                 clinic=ro.clinic_default(clinic), note=ro.note_text(note),
                                 keep_paths=keep_paths)
        if (stride != 1 or analysis_fps is not None) and landmarks is not None:
            raise _usage("--stride and --analysis-fps apply to videos, not to --landmarks")
        if landmarks is not None:
            if video is not None:
                raise _usage("give either VIDEO or --landmarks, not both")
            result = analyze_landmarks(landmarks, out, options)
        elif video is None:
            raise _usage("missing VIDEO (or --landmarks FILE); see gaitcheck analyze --help")
        else:
            progress = None
            if not quiet and err_console.is_terminal:
                from gaitcheck.cli.progress import FrameProgress

                progress = FrameProgress(err_console, f"pose {video.name}")
            result = analyze_video(video, out, options, progress)
        if not quiet:
            _print_summary(result)
        if patient is not None:
            from gaitcheck.cli.clinic_cmd import record_analysis

            record_analysis(result, options, landmarks or video, patient, session_date, db,
                            keep_paths, quiet)


@contextlib.contextmanager
def _no_empty_folder_left(folder: Path | None) -> Iterator[None]:
    """On failure, remove ``folder`` if this run created it and left it empty: a failed
    run leaves nothing behind (a folder that held anything, or existed before, stays)."""
    existed = folder is None or _exists(folder)
    try:
        yield
    except BaseException:
        if not existed:
            with contextlib.suppress(OSError):
                folder.expanduser().rmdir()  # type: ignore[union-attr]  # empty only
        raise


def _exists(path: Path) -> bool:
    try:
        return path.expanduser().exists()
    except OSError:  # a name too long to exist
        return True


def _usage(message: str) -> GaitcheckError:
    err = GaitcheckError(message)
    err.exit_code = 2
    return err


def _print_summary(result: object) -> None:
    from gaitcheck.cli.summary import print_summary
    from gaitcheck.pipeline import AnalysisOutput

    assert isinstance(result, AnalysisOutput)
    print_summary(out_console, result.report, result.report_path, result.pose_s)


@app.command()
def models(debug: DebugOpt = False) -> None:
    """List the pose models gaitcheck can use, with their checksums.

    Official lite and heavy bundles from MediaPipe can be placed in the user model
    folder (shown below) and selected with --model lite / --model heavy.
    """
    from gaitcheck.pose.models import (
        OFFICIAL_FILES,
        available_models,
        unusable_models,
        user_model_dir,
    )

    with _reported_errors(debug):
        table = Table(title="Pose models")
        for column in ("name", "origin", "size", "sha256", "path"):
            table.add_column(column)
        found = available_models()
        for info in found:
            size = f"{info.path.stat().st_size / 1e6:.1f} MB"
            table.add_row(info.name, info.origin, size, info.sha256[:16] + "…", str(info.path))
        out_console.print(table)
        broken = unusable_models()
        for name, path, why in broken:
            out_console.print(f"[bold red]Unusable[/] {name} ({path}): {why}",
                              highlight=False, soft_wrap=True)
        present = {m.name for m in found} | {name for name, _, _ in broken}
        missing = [n for n in OFFICIAL_FILES if n not in present]
        if missing:
            out_console.print(
                f"Not installed: {', '.join(missing)}. Put the official "
                f"pose_landmarker_<name>.task in {user_model_dir()} to use --model <name>.",
                highlight=False)


def _register_commands() -> None:
    # Commands in their own modules attach themselves to ``app`` on import.
    from gaitcheck.cli import (  # noqa: F401
        batch_cmd,
        clinic_cmd,
        compare_cmd,
        guide_cmd,
        report_cmd,
        synth_cmd,
    )


_register_commands()


def main() -> None:
    """Console-script entry point."""
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    debug = "--debug" in sys.argv[1:] or bool(os.environ.get("GAITCHECK_DEBUG"))
    # What the start-up imports made (typer, rich, numpy: modules, classes, functions)
    # lives until the exit: kept out of the collector's full collections from here on,
    # which otherwise walk all of it again. Measured on `analyze --jobs 2` of the 12 s
    # clip: the full collection during start-up (serial, one core idle) is gone and the
    # warm-up thread's one is half as long (gc CPU 0.35 -> 0.23 s on a loaded machine).
    gc.freeze()
    with native_stderr_silenced(enabled=not debug):
        try:
            code = _run_app()
        except SystemExit as exc:
            code = exc.code
    # The interpreter's collections at exit would walk every object the imports made
    # (scipy, MediaPipe, ...: ~0.3 CPU s, measured) only to free memory the exit frees.
    gc.freeze()
    sys.exit(code)


def _run_app() -> int:
    """Run the app; a usage error (bad option value, unknown option) is one line and
    exit 2, like every other bad-input error, instead of click's boxed panel."""
    # typer vendors click in recent versions: take the exception classes from the module
    # typer's own BadParameter comes from, whichever that is.
    click_exc = sys.modules[typer.BadParameter.__module__]
    try:
        result = app(standalone_mode=False)
    except click_exc.NoArgsIsHelpError as err:
        err.show()
        return 2
    except click_exc.UsageError as err:
        command = err.ctx.command_path if err.ctx is not None else "gaitcheck"
        err_console.print(f"[bold red]error:[/] {err.format_message()} (see {command} "
                          "--help)", highlight=False, soft_wrap=True)
        return 2
    except click_exc.ClickException as err:
        err_console.print(f"[bold red]error:[/] {err.format_message()}", highlight=False,
                          soft_wrap=True)
        return err.exit_code
    except typer.Abort:
        err_console.print("[bold red]aborted[/]", highlight=False)
        return 1
    return result if isinstance(result, int) else 0
