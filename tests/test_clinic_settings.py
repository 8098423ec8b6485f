"""Clinic defaults in the database (``gaitcheck clinic-settings``): face blurring as a
database default that ``analyze --patient`` and ``batch`` follow, a run's option
overriding it, the reason kept in report.json and the session; the schema-1 → 2
migration (session keys without rendering options). SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.clinic.db import open_database
from gaitcheck.clinic.keys import session_settings_hash
from gaitcheck.clinic.schema import LATEST
from gaitcheck.clinic.settings import read_settings
from helpers import make_video

runner = CliRunner()


def _cli(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.output


def privacy(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text("utf-8")).get("privacy") or {}


def test_clinic_settings_command(db_location: str) -> None:
    assert "off (not set)" in _cli("clinic-settings", "--db", db_location)
    assert "anonymize = on" in _cli("clinic-settings", "anonymize", "yes", "--db", db_location)
    shown = _cli("clinic-settings", "--db", db_location)
    assert "anonymize" in shown and " on " in shown
    with open_database(db_location) as db:
        assert read_settings(db) == {"anonymize": "on"}
    _cli("clinic-settings", "anonymize", "maybe", "--db", db_location, code=2)
    _cli("clinic-settings", "colour", "on", "--db", db_location, code=2)
    assert "unset" in _cli("clinic-settings", "anonymize", "--unset", "--db", db_location)
    with open_database(db_location) as db:
        assert read_settings(db) == {}


def test_database_default_blurs_recorded_runs_and_a_run_overrides_it(
        db_location: str, ffmpeg: str, tmp_path: Path, scripted_pose: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAITCHECK_ANONYMIZE", raising=False)
    video = make_video(ffmpeg, tmp_path / "run.mp4", seconds=2.0)
    _cli("clinic-settings", "anonymize", "on", "--db", db_location)
    db = ["--db", db_location]
    # Recorded into the database: its default applies, and says so.
    _cli("analyze", str(video), "-o", str(tmp_path / "a"), "-q", "--patient", "P1", *db)
    assert privacy(tmp_path / "a")["faces_blurred"] is True
    assert privacy(tmp_path / "a")["anonymize_source"] == "database default"
    assert ('<span id="privacy">faces blurred (database default)</span>'
            in (tmp_path / "a" / "report.html").read_text("utf-8"))
    keyframes = json.loads((tmp_path / "a" / "keyframes" / "keyframes.json").read_text())
    assert keyframes["faces_blurred"] is True
    # Not recorded: the database is not consulted.
    _cli("analyze", str(video), "-o", str(tmp_path / "b"), "-q", *db)
    assert not privacy(tmp_path / "b").get("faces_blurred")
    # The run's own option wins, and the report says why faces are not blurred.
    _cli("analyze", str(video), "-o", str(tmp_path / "c"), "-q", "--patient", "P1",
         "--no-anonymize", *db)
    assert privacy(tmp_path / "c") == {"faces_blurred": False,
                                       "anonymize_source": "--no-anonymize"}
    monkeypatch.setenv("GAITCHECK_ANONYMIZE", "0")
    _cli("analyze", str(video), "-o", str(tmp_path / "d"), "-q", "--patient", "P1", *db)
    assert privacy(tmp_path / "d")["anonymize_source"] == "$GAITCHECK_ANONYMIZE"
    monkeypatch.delenv("GAITCHECK_ANONYMIZE")
    with open_database(db_location) as database:
        sessions = database.sessions("P1")
    # Blurring changes the files, not the measurement: one session, updated each time.
    assert len(sessions) == 1
    assert sessions[0]["anonymized"] is False  # the last run (d) did not blur
    assert sessions[0]["anonymize_source"] == "$GAITCHECK_ANONYMIZE"

    # A batch recording into the database follows its default too; a manifest cell wins.
    manifest = tmp_path / "day.csv"
    manifest.write_text(f"video,patient_id,anonymize\n{video},P2,\n"
                        f"{make_video(ffmpeg, tmp_path / 'run2.mp4', seconds=2.0)},P3,no\n")
    _cli("batch", str(manifest), "-o", str(tmp_path / "batch"), "-q", "--workers", "1", *db)
    assert privacy(tmp_path / "batch" / "run")["anonymize_source"] == "database default"
    assert privacy(tmp_path / "batch" / "run")["faces_blurred"] is True
    assert privacy(tmp_path / "batch" / "run2") == {"faces_blurred": False,
                                                    "anonymize_source": "manifest"}
    with open_database(db_location) as database:
        assert database.sessions("P2")[0]["anonymized"] is True
        assert database.sessions("P3")[0]["anonymized"] is False
    # --no-record: nothing goes into the database, so its default does not apply.
    _cli("batch", str(manifest), "-o", str(tmp_path / "batch2"), "-q", "--workers", "1",
         "--no-record", *db)
    assert not privacy(tmp_path / "batch2" / "run").get("faces_blurred")


V1_SESSIONS = """CREATE TABLE sessions (id INTEGER PRIMARY KEY {auto}, patient_id VARCHAR(200)
 NOT NULL, session_date DATE NOT NULL, video_sha256 VARCHAR(64) NOT NULL, settings_hash
 VARCHAR(32) NOT NULL, video_name VARCHAR(500), video_path TEXT, view VARCHAR(20),
 view_label VARCHAR(20), setting VARCHAR(20), activity VARCHAR(20), report_dir TEXT,
 gaitcheck_version VARCHAR(40), model_sha256 VARCHAR(64), settings {json}, parameters
 {json}, findings {json}, warnings {json}, reference_bands {json}, camera {json},
 analysed_utc VARCHAR(32), recorded_utc VARCHAR(32) NOT NULL,
 CONSTRAINT uq_session UNIQUE (patient_id, video_sha256, settings_hash))"""


def test_schema_1_database_is_migrated_and_rekeyed(db_location: str) -> None:
    from gaitcheck.batch.jobs import settings_hash
    from gaitcheck.clinic.db import engine_url

    if "://" not in db_location:
        Path(db_location).parent.mkdir(parents=True)
    engine = sa.create_engine(engine_url(db_location))
    pg = engine.dialect.name == "postgresql"
    plain = {"max_people": 1, "slowmo": 1.0}
    with_pdf = plain | {"formats": ["html", "csv", "pdf"], "clinic": "Physio Nord"}
    blurred = plain | {"anonymize": True, "height_cm": 170.0}
    rows = [  # id, settings, recorded: the two first are one session under schema 2
        (1, plain, "2026-01-01T10:00:00+00:00"), (2, with_pdf, "2026-01-02T10:00:00+00:00"),
        (3, blurred, "2026-01-03T10:00:00+00:00")]
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                             "applied_utc VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO schema_version VALUES (1, '2026-01-01')")
        conn.exec_driver_sql(V1_SESSIONS.format(auto="" if pg else "AUTOINCREMENT",
                                                json="JSON"))
        conn.exec_driver_sql("CREATE TABLE session_metrics (session_id INTEGER REFERENCES "
                             "sessions(id) ON DELETE CASCADE, metric VARCHAR(80), value "
                             "FLOAT, unit VARCHAR(40), ci95_low FLOAT, ci95_high FLOAT, "
                             "confidence FLOAT, detail JSON, PRIMARY KEY (session_id, metric))")
        for sid, settings, recorded in rows:
            conn.execute(sa.text(
                "INSERT INTO sessions (id, patient_id, session_date, video_sha256, "
                "settings_hash, settings, recorded_utc) VALUES (:i, 'P', '2026-01-01', "
                ":sha, :h, :s, :r)"), {"i": sid, "sha": "a" * 64, "h": settings_hash(settings),
                                        "s": json.dumps(settings), "r": recorded})
            conn.execute(sa.text("INSERT INTO session_metrics (session_id, metric, value) "
                                 "VALUES (:i, 'cadence_spm', :v)"), {"i": sid, "v": 170 + sid})
    engine.dispose()
    with open_database(db_location) as db:
        sessions = db.sessions("P")
        assert db.counts() == {"sessions": 2, "session_metrics": 2}
        with db.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
    assert version == LATEST == 2
    # The PDF re-run (the latest recorded) stays; the blurred one keeps its own key as
    # its height changes the numbers.
    assert [s["id"] for s in sessions] == [2, 3]
    assert sessions[0]["settings_hash"] == session_settings_hash(plain) == settings_hash(plain)
    assert sessions[1]["settings_hash"] == session_settings_hash(blurred)
    assert sessions[0]["metrics"]["cadence_spm"]["value"] == 172
    assert sessions[0]["session_date_source"] is None and sessions[0]["anonymized"] is None


def test_batch_stops_before_analysing_when_the_clinic_default_cannot_be_read(
        ffmpeg: str, tmp_path: Path, scripted_pose: None) -> None:
    video = make_video(ffmpeg, tmp_path / "run.mp4", seconds=2.0)
    manifest = tmp_path / "day.csv"
    manifest.write_text(f"video,patient_id\n{video},P1\n")
    unreadable = tmp_path / "not-a-db"
    unreadable.mkdir()  # a folder where the database file should be
    res = runner.invoke(app, ["batch", str(manifest), "-o", str(tmp_path / "out"), "-q",
                              "--db", str(unreadable)])
    assert res.exit_code == 2, res.output
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "out" / "run").exists()
