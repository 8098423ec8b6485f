"""Clinic commands: ``patients``, ``history``, ``forget``, ``export`` and
``clinic-settings``, and the session recording behind ``analyze --patient``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gaitcheck.cli.app import (
    DbOpt,
    DebugOpt,
    _reported_errors,
    _usage,
    app,
    err_console,
    out_console,
)
from gaitcheck.errors import InputError


def _open(db: str | None) -> Any:
    from gaitcheck.clinic.db import open_database

    return open_database(db)


def check_recording(patient: str, session_date: str | None, db: str | None,
                    anonymize: bool | None) -> tuple[bool, str | None]:
    """Check ``analyze --patient``'s clinic options and the database before analysing.

    Returns
    -------
    (bool, str or None)
        Whether to blur faces and why: ``--anonymize``, ``$GAITCHECK_ANONYMIZE``,
        else the database's default (:func:`gaitcheck.clinic.settings.anonymize_choice`).
    """
    from gaitcheck.clinic.record import check_patient_id, parse_date

    check_patient_id(patient)
    parse_date(session_date)
    return database_anonymize(db, anonymize)


def database_anonymize(db: str | None, anonymize: bool | None) -> tuple[bool, str | None]:
    """Open the database a run records into and decide face blurring with its default."""
    from gaitcheck.clinic.settings import anonymize_choice

    with _open(db) as database:
        return anonymize_choice(anonymize, database)


def record_analysis(result: Any, options: Any, source: Path | None, patient: str,
                    session_date: str | None, db: str | None, keep_paths: bool,
                    quiet: bool) -> None:
    """Store a finished ``analyze`` run as a session of ``patient``."""
    from gaitcheck.clinic.db import describe
    from gaitcheck.clinic.record import record_analysis as record

    with _open(db) as database:
        session_id, new = record(database, result.out_dir, options, source, patient,
                                 session_date)
        where = describe(database.location)
        row = next(r for r in database.sessions(patient) if r["id"] == session_id)
    if not quiet:
        out_console.print(f"{'recorded' if new else 'updated'} session {session_id} of "
                          f"patient {patient} ({row['session_date'].isoformat()}, "
                          f"{row['session_date_source']}) in {where}", highlight=False,
                          soft_wrap=True)


@app.command()
def patients(db: DbOpt = None, debug: DebugOpt = False) -> None:
    """List the patients in the clinic database: sessions and last session date.

    Example:

      gaitcheck patients --db clinic.sqlite
    """
    with _reported_errors(debug), _open(db) as database:
        rows = database.patients()
        table = Table(title=f"Patients ({len(rows)})")
        for column in ("patient", "sessions", "first session", "last session"):
            table.add_column(column, justify="right" if column == "sessions" else "left")
        for row in rows:
            table.add_row(row["patient_id"], str(row["sessions"]),
                          row["first_date"].isoformat(), row["last_date"].isoformat())
        out_console.print(table)
        if not rows:
            out_console.print("No sessions yet: record one with gaitcheck analyze VIDEO "
                              "--patient ID, or gaitcheck batch MANIFEST.csv with a "
                              "patient_id column.", highlight=False)


def _sessions_of(database: Any, patient: str) -> list[dict[str, Any]]:
    rows = database.sessions(patient)
    if not rows:
        known = [p["patient_id"] for p in database.patients()]
        hint = f" (patients: {', '.join(known[:8])}{' …' if len(known) > 8 else ''})" \
            if known else " (the database is empty)"
        raise InputError(f"no sessions of patient {patient!r} in the database{hint}")
    return rows


@app.command()
def history(
    patient: Annotated[str, typer.Argument(help="Patient id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for "
                                      "history.html and history.csv.")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write history.pdf for the "
                                      "patient.")] = False,
    clinic: Annotated[str | None, typer.Option(help="Clinic name on the pages.")] = None,
    note: Annotated[str | None, typer.Option(help="Clinician's note (PDF).")] = None,
    db: DbOpt = None,
    debug: DebugOpt = False,
) -> None:
    """A patient's progress over sessions: history.html and history.csv.

    Every metric per session as value ± interval against its reference band; changes
    since the first and the previous session are flagged only beyond the smallest
    detectable change; sessions filmed differently are marked not comparable.

    Example:

      gaitcheck history P0042 --out reports/P0042_history
    """
    from gaitcheck.clinic.history import build_history
    from gaitcheck.clinic.history_html import write_history

    with _reported_errors(debug):
        with _open(db) as database:
            table = build_history(patient, _sessions_of(database, patient))
        files = write_history(table, out, clinic)
        if pdf:
            try:  # provided by the report package (the patient PDF)
                from gaitcheck.report.pdf import write_history_pdf
            except ImportError:
                raise _usage("--pdf needs the PDF writer (gaitcheck.report.pdf), which this "
                             "installation lacks") from None
            from gaitcheck.clinic.history_pdf import pdf_history

            files["pdf"] = Path(write_history_pdf(pdf_history(table), out / "history.pdf",
                                                  clinic=clinic, note=note))
        flagged = len(table.changed())
        apart = sum(1 for s in table.sessions if not s["comparable"])
        out_console.print(
            f"{patient}: {len(table.sessions)} sessions, {len(table.rows)} metrics, "
            f"{flagged} changed beyond noise since the first session"
            + (f", {apart} session(s) not comparable" if apart else "") + " → "
            + ", ".join(str(p) for p in files.values()), highlight=False, soft_wrap=True)


@app.command()
def forget(
    patient: Annotated[str, typer.Argument(help="Patient id to erase.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for "
                                      "confirmation.")] = False,
    db: DbOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Erase a patient: every session in the database and every report folder.

    Asks for confirmation unless --yes is given; prints what it removed. Copies made
    elsewhere (exports, mailed reports, batch summary.csv files) are not touched.
    """
    from gaitcheck.clinic.erase import forget as erase
    from gaitcheck.clinic.erase import report_folder

    with _reported_errors(debug), _open(db) as database:
        sessions = _sessions_of(database, patient)
        folders = [f for f in (report_folder(s) for s in sessions) if f is not None]
        out_console.print(f"Patient {patient}: {len(sessions)} session(s), "
                          f"{len(folders)} report folder(s):", highlight=False)
        for folder in folders:
            out_console.print(f"  {folder}", highlight=False, soft_wrap=True)
        if not yes and not typer.confirm("Erase them for good?", default=False, err=True):
            err_console.print("nothing erased")
            done = None
        else:
            done = erase(database, sessions)
            for folder in done.folders:
                out_console.print(f"removed {folder}", highlight=False, soft_wrap=True)
            for folder in done.missing:
                out_console.print(f"already gone: {folder}", highlight=False, soft_wrap=True)
            for folder, why in done.kept:
                err_console.print(f"[yellow]not removed[/] {folder}: {why}", highlight=False,
                                  soft_wrap=True)
            out_console.print(f"erased {done.sessions} session(s) of patient {patient} from "
                              "the database", highlight=False)
    if done is None:
        raise typer.Exit(1)
    if done.sessions < len(sessions):
        err_console.print(f"{len(sessions) - done.sessions} session(s) kept because their "
                          "folder could not be removed: fix that and run forget again")
        raise typer.Exit(1)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    pseudonymize: Annotated[bool, typer.Option(
        "--pseudonymize/--identified", help="Replace patient ids by salted hashes "
        "(default), or keep them (--identified, for the clinic's own use).")] = True,
    salt_file: Annotated[Path | None, typer.Option(
        help="Salt file [default: next to an SQLite database; in the user data folder "
        "for PostgreSQL]. Never share it.", show_default=False)] = None,
    db: DbOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the database as CSV: one row per session and metric.

    Patient ids become salted hashes (the salt file stays with the clinic and is
    never exported); video names, paths and report folders are left out.

    Example:

      gaitcheck export --pseudonymize --out study.csv
    """
    from gaitcheck.clinic.export import export_csv, load_salt, salt_path
    from gaitcheck.fsio import write_bytes_atomic

    with _reported_errors(debug), _open(db) as database:
        salt = None
        if pseudonymize:
            salt = load_salt(salt_file or salt_path(database.location))
        data, n_patients, n_sessions = export_csv(database, salt)
        if out.suffix.lower() != ".csv":
            raise _usage(f"--out {out} should be a .csv file")
        write_bytes_atomic(out, data)
        out_console.print(f"{n_sessions} sessions of {n_patients} patients"
                          + (" (pseudonymized)" if pseudonymize else " (identified)")
                          + f" → {out}", highlight=False, soft_wrap=True)


@app.command("clinic-settings")
def clinic_settings(
    key: Annotated[str | None, typer.Argument(help="Setting to change: anonymize.",
                                              show_default=False)] = None,
    value: Annotated[str | None, typer.Argument(help="on or off.", show_default=False)] = None,
    unset: Annotated[bool, typer.Option("--unset", help="Remove the setting (back to "
                                        "the built-in default).")] = False,
    db: DbOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show or set the clinic's defaults, stored in the clinic database.

    A default applies to every analysis recorded into that database (analyze
    --patient, batch with patient ids), on every machine sharing it; a run's own
    option (--anonymize / --no-anonymize, $GAITCHECK_ANONYMIZE) overrides it.

    Examples:

      gaitcheck clinic-settings

      gaitcheck clinic-settings anonymize on

      gaitcheck clinic-settings anonymize --unset
    """
    from gaitcheck.clinic.settings import SETTINGS, read_settings, set_setting, unset_setting

    with _reported_errors(debug), _open(db) as database:
        where = database.describe()
        if key is not None and unset:
            if value is not None:
                raise _usage("give a value or --unset, not both")
            removed = unset_setting(database, key)
            out_console.print(f"{key}: {'unset' if removed else 'was not set'} in {where}",
                              highlight=False, soft_wrap=True)
            return
        if key is not None and value is not None:
            stored = set_setting(database, key, value)
            out_console.print(f"{key} = {stored} in {where}", highlight=False, soft_wrap=True)
            return
        if unset:
            raise _usage("--unset needs the setting's name")
        current = read_settings(database)
        if key is not None and key not in SETTINGS:
            set_setting(database, key, "")  # refuses the unknown key with its message
        table = Table(title=f"Clinic settings in {where}")
        for column in ("setting", "value", "meaning"):
            table.add_column(column)
        for name, setting in SETTINGS.items():
            if key is None or key == name:
                table.add_row(name, current.get(name, "off (not set)"), setting.help)
        out_console.print(table)
