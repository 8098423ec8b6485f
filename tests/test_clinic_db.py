"""The clinic's sessions database: location, migrations, upsert, concurrent writers,
privacy (file names, pseudonyms, erasure), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from clinic_helpers import synth_landmarks
from gaitcheck.clinic import db as dbmod
from gaitcheck.clinic import schema
from gaitcheck.clinic.db import Database, SessionRecord, open_database
from gaitcheck.clinic.erase import forget
from gaitcheck.clinic.export import export_csv, load_salt, pseudonym, salt_path
from gaitcheck.clinic.fingerprint import filming_differences
from gaitcheck.clinic.record import record_session
from gaitcheck.errors import InputError


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One analysed synthetic session: (report folder, landmark file)."""
    from gaitcheck.pipeline import analyze_landmarks

    root = tmp_path_factory.mktemp("clinic-db")
    npz = synth_landmarks(root / "anna_run.landmarks.npz", seed=3)
    out = analyze_landmarks(npz, root / "report").out_dir
    return out, npz


def _record(db: Database, patient: str, sha: str, shash: str = "s1",
            date: str = "2026-03-01") -> tuple[int, bool]:
    import datetime as dt

    metrics = {"cadence_spm": {"value": 170.0 + len(sha) % 3, "unit": "steps/min",
                               "ci95_low": None, "ci95_high": None, "confidence": 1.0,
                               "detail": {"value": 170.0}}}
    return db.upsert_session(SessionRecord(patient, dt.date.fromisoformat(date), sha, shash,
                                           {"view": "side"}, metrics))


def test_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAITCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert dbmod.resolve(None) == str(tmp_path / "xdg" / "gaitcheck" / "sessions.sqlite")
    monkeypatch.setenv("GAITCHECK_DB", str(tmp_path / "env.sqlite"))
    assert dbmod.resolve(None) == str(tmp_path / "env.sqlite")
    assert dbmod.resolve(str(tmp_path / "flag.sqlite")) == str(tmp_path / "flag.sqlite")
    url = dbmod.engine_url("postgresql://u:secret@localhost/clinic")
    assert url.drivername == "postgresql+psycopg"
    assert "secret" not in dbmod.describe("postgresql://u:secret@localhost/clinic")
    with pytest.raises(InputError, match="unsupported database"):
        dbmod.engine_url("mysql://u@localhost/clinic")


def test_migrations_create_the_schema_once_and_refuse_a_newer_one(db_location: str) -> None:
    with open_database(db_location) as db:
        pass
    with open_database(db_location) as db:  # a second opening migrates nothing
        with db.engine.connect() as conn:
            versions = conn.execute(sa.select(schema.schema_version.c.version)).scalars().all()
        assert versions == list(range(1, schema.LATEST + 1))
        with db.engine.begin() as conn:
            conn.execute(schema.schema_version.insert().values(version=schema.LATEST + 1,
                                                               applied_utc="x"))
    with pytest.raises(InputError, match="newer than this gaitcheck"):
        open_database(db_location)


def test_upsert_updates_instead_of_duplicating(db_location: str) -> None:
    with open_database(db_location) as db:
        assert _record(db, "P1", "a" * 64) == (1, True)
        assert _record(db, "P1", "a" * 64, date="2026-03-02") == (1, False)
        assert _record(db, "P1", "a" * 64, shash="s2")[1] is True  # other settings
        assert _record(db, "P2", "a" * 64)[1] is True  # same video, other patient
        assert db.counts() == {"sessions": 3, "session_metrics": 3}
        (p1,) = [p for p in db.patients() if p["patient_id"] == "P1"]
        assert p1["sessions"] == 2 and str(p1["last_date"]) == "2026-03-02"


_WRITER = """
import sys
from gaitcheck.clinic.db import open_database, SessionRecord
import datetime as dt
loc, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    db = open_database(loc)  # a new connection per session, as two batches would
    metrics = {f"m{k}": {"value": float(k), "unit": "u", "ci95_low": None,
                         "ci95_high": None, "confidence": 1.0, "detail": {}}
               for k in range(20)}
    shared = len(sys.argv) > 4  # every writer records the same sessions (two batches)
    db.upsert_session(SessionRecord("both" if shared else f"{tag}-{i % 3}",
                                    dt.date(2026, 1, 1 + i % 28),
                                    f"{i:064d}" if shared else f"{tag}{i:062d}", "s",
                                    {"view": tag}, metrics))
    db.close()
"""


def test_concurrent_writers_lose_nothing(db_location: str) -> None:
    n = 25
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, db_location, tag, str(n)],
                              stderr=subprocess.PIPE, text=True) for tag in ("a", "b", "c")]
    errors = [p.communicate(timeout=240)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with open_database(db_location) as db:
        assert db.counts() == {"sessions": 3 * n, "session_metrics": 3 * n * 20}


def test_concurrent_writers_of_the_same_sessions_neither_duplicate_nor_lose(
        db_location: str) -> None:
    """Two batches of one manifest at once: each session ends as one whole row set."""
    n = 15
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, db_location, tag, str(n),
                               "shared"], stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b", "c")]
    errors = [p.communicate(timeout=240)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with open_database(db_location) as db:
        assert db.counts() == {"sessions": n, "session_metrics": n * 20}
        sessions = db.sessions("both")
    assert len({s["video_sha256"] for s in sessions}) == n
    assert all(len(s["metrics"]) == 20 and s["view"] in "abc" for s in sessions)


def test_record_keeps_the_file_name_not_the_path(db_location: str,
                                                  analysed: tuple[Path, Path]) -> None:
    folder, npz = analysed
    with open_database(db_location) as db:
        record_session(db, folder, "P7", "2026-04-01", "h", source=npz)
        record_session(db, folder, "P8", "2026-04-01", "h", source=npz, keep_paths=True)
        p7, p8 = db.sessions("P7")[0], db.sessions("P8")[0]
    assert p7["video_name"] == npz.name and p7["video_path"] is None
    assert p8["video_path"] == str(npz.resolve())
    report = json.loads((folder / "report.json").read_text())
    assert p7["parameters"] == report["analysis"]["parameters"]
    assert p7["view_label"] == "side-left" and p7["setting"] == report["setting"]["value"]
    cadence = p7["metrics"]["cadence_spm"]
    assert cadence["value"] == report["metrics"]["cadence_spm"]["value"]
    assert "asymmetry.step_time" in p7["metrics"]
    camera = p7["camera"]
    assert camera["fps"] == 30.0 and camera["facing"] == "left"
    # The synthetic camera stands at the runner's hip height, about one leg length up.
    assert 0.8 < camera["camera_height_legs"] < 1.4
    assert 2.0 < camera["frame_height_legs"] < 6.0


def test_ci95_is_stored_when_the_report_has_one(tmp_path: Path,
                                                analysed: tuple[Path, Path]) -> None:
    import shutil

    folder = tmp_path / "r"
    shutil.copytree(analysed[0], folder)
    report = json.loads((folder / "report.json").read_text())
    report["metrics"]["trunk_lean_deg"]["ci95"] = [6.5, 7.5]
    report["metrics"]["cadence_spm"].pop("ci95", None)  # as in reports before schema 1.6
    (folder / "report.json").write_text(json.dumps(report))
    with open_database(tmp_path / "db.sqlite") as db:
        record_session(db, folder, "P1", None, "h", source=analysed[1])
        metrics = db.sessions("P1")[0]["metrics"]
    assert (metrics["trunk_lean_deg"]["ci95_low"], metrics["trunk_lean_deg"]["ci95_high"]) \
        == (6.5, 7.5)
    assert metrics["cadence_spm"]["ci95_low"] is None


def test_pseudonymized_export(tmp_path: Path) -> None:
    location = str(tmp_path / "clinic" / "sessions.sqlite")
    with open_database(location) as db:
        _record(db, "Anna Example", "a" * 64)
        _record(db, "Anna Example", "b" * 64, date="2026-04-01")
        _record(db, "Bob Example", "c" * 64)
        salt_file = salt_path(location)
        assert salt_file == tmp_path / "clinic" / "sessions.sqlite.salt"
        salt = load_salt(salt_file)
        assert load_salt(salt_file) == salt and len(salt) == 32  # created once
        data, patients, sessions = export_csv(db, salt)
    assert (patients, sessions) == (2, 3)
    text = data.decode("utf-8-sig")
    assert "Anna" not in text and "Bob" not in text and salt.hex() not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["patient"] for r in rows} == {pseudonym("Anna Example", salt),
                                            pseudonym("Bob Example", salt)}
    assert pseudonym("Anna Example", b"x" * 32) != pseudonym("Anna Example", salt)
    assert [r["session"] for r in rows if r["patient"] == pseudonym("Anna Example", salt)] \
        == ["1", "2"]


def test_forget_removes_folders_and_rows_but_only_report_folders(
        db_location: str, analysed: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    report = tmp_path / "session1"
    shutil.copytree(analysed[0], report)
    with open_database(db_location) as db:
        record_session(db, report, "P9", "2026-01-01", "h", source=analysed[1])
        _record(db, "P9", "f" * 64)  # a session whose folder is unknown
        _record(db, "P10", "e" * 64)
        stranger = tmp_path / "not_a_report"
        stranger.mkdir()
        with db.engine.begin() as conn:  # a database edited to point elsewhere
            conn.execute(schema.sessions.update().where(
                schema.sessions.c.video_sha256 == "f" * 64).values(report_dir=str(stranger)))
        done = forget(db, db.sessions("P9"))
        assert done.sessions == 2 and done.folders == [report.resolve()]
        assert not report.exists() and stranger.is_dir()
        assert [folder for folder, _ in done.kept] == [stranger]
        assert db.sessions("P9") == [] and len(db.sessions("P10")) == 1
        assert db.counts()["session_metrics"] == 1


def test_filming_differences() -> None:
    base = {"view": "side", "facing": "left", "setting": "treadmill", "fps": 60.0,
            "camera_height_legs": 1.0, "frame_height_legs": 4.0}
    assert filming_differences(base, dict(base)) == []
    notes = filming_differences(base, base | {"camera_height_legs": 0.5, "fps": 30.0,
                                              "frame_height_legs": 6.0})
    assert len(notes) == 3 and "camera height" in notes[0]
    assert filming_differences(base, base | {"camera_height_legs": 1.2}) == []


def test_compare_warns_when_sessions_were_filmed_differently(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gaitcheck.cli.app import app
    from gaitcheck.pipeline import analyze_landmarks

    folders = []
    for fps in (30.0, 60.0):
        npz = synth_landmarks(tmp_path / f"fps{fps:.0f}.landmarks.npz", seed=5, fps=fps,
                              duration_s=6.0)
        folders.append(str(analyze_landmarks(npz, tmp_path / f"r{fps:.0f}").out_dir))
    result = CliRunner().invoke(app, ["compare", *folders, "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "filmed differently" in result.output and "frame rate 30 vs 60 fps" in result.output
    same = CliRunner().invoke(app, ["compare", folders[0], folders[0], "--out",
                                    str(tmp_path / "c2")])
    assert same.exit_code == 0 and "filmed differently" not in same.output


def test_analyze_patient_records_one_session_shared_with_batch(
        tmp_path: Path, analysed: tuple[Path, Path]) -> None:
    from typer.testing import CliRunner

    from gaitcheck.cli.app import app

    npz, db = analysed[1], str(tmp_path / "db.sqlite")
    run = CliRunner().invoke
    args = ["analyze", "--landmarks", str(npz), "--out", str(tmp_path / "a"), "--db", db,
            "--patient", "P1", "--session-date", "2026-05-04"]
    first = run(app, args)
    assert first.exit_code == 0 and "recorded session 1 of patient P1" in first.output
    again = run(app, args)
    assert again.exit_code == 0 and "updated session 1" in again.output
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"video,patient_id,session_date\n{npz},P1,2026-05-04\n")
    batch = run(app, ["batch", str(manifest), "--out", str(tmp_path / "b"), "--db", db])
    assert batch.exit_code == 0 and "0 sessions recorded, 1 updated" in batch.output
    with open_database(db) as database:
        (session,) = database.sessions("P1")
    assert Path(session["report_dir"]).parent == (tmp_path / "b").resolve()
    for bad, message in ((["--session-date", "4 May"], "not a date"),
                         (["--patient", " "], "patient id is empty")):
        refused = run(app, ["analyze", "--landmarks", str(npz), "--out",
                            str(tmp_path / "c"), "--db", db, "--patient", "P2", *bad])
        assert refused.exit_code == 2 and message in refused.output
        assert not (tmp_path / "c").exists()
    orphan = run(app, ["analyze", "--landmarks", str(npz), "--session-date", "2026-05-04"])
    assert orphan.exit_code == 2 and "give --patient" in orphan.output


def test_history_table_for_the_patient_pdf(tmp_path: Path,
                                            analysed: tuple[Path, Path]) -> None:
    from gaitcheck.clinic.history import build_history
    from gaitcheck.clinic.history_pdf import pdf_history

    with open_database(tmp_path / "db.sqlite") as db:
        for i, date in enumerate(("2026-01-05", "2026-02-05")):
            record_session(db, analysed[0], "P1", date, f"h{i}", source=analysed[1])
        table = build_history("P1", db.sessions("P1"))
    data = pdf_history(table)
    assert data["patient"] == "P1"
    assert [s["date"] for s in data["sessions"]] == ["2026-01-05", "2026-02-05"]
    lean = data["sessions"][1]["metrics"]["trunk_lean_deg"]
    cell = next(r for r in table.rows if r.key == "trunk_lean_deg").cells[1]
    assert lean["value"] == cell.value and lean["ci95"] == [cell.low, cell.high]
    assert lean["sdc"] == cell.since_previous.noise > 0 and lean["label"]
    assert not any(k.startswith("asymmetry.") for k in data["sessions"][0]["metrics"])
    assert json.dumps(table.to_dict())  # plain values throughout
