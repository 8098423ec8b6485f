"""A clinic day end to end, through the real commands, on SQLite and on PostgreSQL.

Two patients × three sessions: five synthetic runners as landmark tracks (re-analysed
without pose, to stay fast) and one sample video through the pose model. A batch from
a manifest fills the database; then ``patients``, ``history`` (HTML, CSV, and the PDF
when the PDF writer is installed), ``export --pseudonymize`` and ``forget``. Also: a
batch killed mid-way leaves the database consistent and a re-run completes it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clinic_helpers import synth_landmarks
from gaitcheck.cli.app import app
from gaitcheck.clinic.db import open_database
from helpers import REPO

SAMPLE = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"
ANNA, BOB = "ANNA-0001", "BOB-0002"
runner = CliRunner()


def _cli(*args: str) -> Any:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def clinic_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Session files and the day's manifest."""
    root = tmp_path_factory.mktemp("clinic-day")
    # Anna improves over three treadmill sessions: cadence up 6 steps/min, trunk lean
    # down 2° each time; her head carriage does not change.
    for i, (cadence, lean) in enumerate([(160, 13.0), (166, 11.0), (172, 9.0)], start=1):
        synth_landmarks(root / f"anna_s{i}.landmarks.npz", seed=10 + i, cadence_spm=cadence,
                        trunk_lean_deg=lean, head_forward_deg=15.0)
    # Bob: first filmed from the front (not comparable), then side views.
    synth_landmarks(root / "bob_s1.landmarks.npz", seed=21, view="front")
    synth_landmarks(root / "bob_s2.landmarks.npz", seed=22, view="side-right")
    shutil.copy(SAMPLE, root / "bob_s3.mp4")
    rows = [("anna_s1.landmarks.npz", ANNA, "2026-01-12"),
            ("anna_s2.landmarks.npz", ANNA, "2026-02-09"),
            ("anna_s3.landmarks.npz", ANNA, "2026-03-09"),
            ("bob_s1.landmarks.npz", BOB, "2026-01-14"),
            ("bob_s2.landmarks.npz", BOB, "2026-02-11"),
            ("bob_s3.mp4", BOB, "2026-03-11")]
    with (root / "day.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video", "patient_id", "session_date", "treadmill"])
        writer.writerows([(v, p, d, "yes") for v, p, d in rows])
    return root


@pytest.fixture(scope="module")
def analysed_batch(clinic_inputs: Path) -> Path:
    """The day's analyses, done once (the pose run is the slow part); each database
    test copies them, and its batch re-run reuses them and records the sessions."""
    out = clinic_inputs / "analysed"
    _cli("batch", str(clinic_inputs / "day.csv"), "--out", str(out), "--workers", "2",
         "--no-record", "--quiet")
    return out


@pytest.mark.slow
def test_clinic_day(db_location: str, clinic_inputs: Path, analysed_batch: Path,
                    tmp_path: Path) -> None:
    batch_out = tmp_path / "batch"
    shutil.copytree(analysed_batch, batch_out)
    out = _cli("batch", str(clinic_inputs / "day.csv"), "--out", str(batch_out),
               "--db", db_location).output
    assert "6 sessions recorded" in out

    listing = _cli("patients", "--db", db_location).output
    assert ANNA in listing and BOB in listing and "2026-03-11" in listing
    with open_database(db_location) as db:
        assert {p["patient_id"]: p["sessions"] for p in db.patients()} == {ANNA: 3, BOB: 3}
        sessions = db.sessions(BOB)
    real = sessions[-1]
    assert real["video_name"] == "bob_s3.mp4" and real["video_path"] is None
    assert real["model_sha256"] and len(real["video_sha256"]) == 64
    assert real["camera"]["fps"] and real["camera"]["camera_height_legs"] is not None

    # History: HTML and CSV (and the PDF when the PDF writer is installed).
    pdf_args = []
    try:
        import gaitcheck.report.pdf  # noqa: F401

        pdf_args = ["--pdf", "--clinic", "Physio Nord", "--note", "Keep the cadence up."]
    except ImportError:
        pass  # the PDF is checked once the PDF writer is merged
    hist = tmp_path / "anna_history"
    _cli("history", ANNA, "--out", str(hist), "--db", db_location, *pdf_args)
    table = list(csv.DictReader(io.StringIO(
        (hist / "history.csv").read_text(encoding="utf-8-sig"))))
    by = {(r["metric"], r["session"]): r for r in table}
    assert by[("cadence_spm", "3")]["verdict_since_first"] == "exceeds noise"
    assert float(by[("cadence_spm", "3")]["change_since_first"]) == pytest.approx(12, abs=1.5)
    assert by[("trunk_lean_deg", "3")]["verdict_since_first"] == "exceeds noise"
    assert float(by[("trunk_lean_deg", "3")]["change_since_first"]) == pytest.approx(-4,
                                                                                    abs=1)
    # Unchanged head carriage: any change stays within the smallest detectable change.
    head = by[("head_forward_deg", "3")]
    assert abs(float(head["change_since_first"])) < 2.0
    assert head["verdict_since_first"] in ("within noise", "exceeds noise")
    assert {r["comparable"] for r in table} == {"yes"}
    html = (hist / "history.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    if pdf_args:
        assert (hist / "history.pdf").read_bytes()[:5] == b"%PDF-"
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(hist / "history.pdf"), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert ANNA in text and "Physio Nord" in text and "Cadence" in text

    bob = tmp_path / "bob_history"
    _cli("history", BOB, "--out", str(bob), "--db", db_location)
    rows = list(csv.DictReader(io.StringIO(
        (bob / "history.csv").read_text(encoding="utf-8-sig"))))
    comparable = {r["session"]: r["comparable"] for r in rows}
    assert comparable == {"1": "no", "2": "yes", "3": "yes"}
    assert all(r["verdict_since_first"] == "" for r in rows if r["session"] == "1")
    assert "not comparable" in (bob / "history.html").read_text(encoding="utf-8")
    assert 'id="keyframes"' in (bob / "history.html").read_text(encoding="utf-8")

    # Pseudonymized export: no patient id, no file name, no salt in it.
    export = tmp_path / "study.csv"
    _cli("export", "--pseudonymize", "--out", str(export), "--db", db_location,
         "--salt-file", str(tmp_path / "clinic.salt"))
    text = export.read_text(encoding="utf-8-sig")
    assert ANNA not in text and BOB not in text and "bob_s3" not in text
    assert len({r["patient"] for r in csv.DictReader(io.StringIO(text))}) == 2

    # Forget Anna: her sessions and report folders go, Bob stays.
    folders = [batch_out / f"anna_s{i}.landmarks" for i in (1, 2, 3)]
    assert all((f / "report.json").is_file() for f in folders)
    refused = runner.invoke(app, ["forget", ANNA, "--db", db_location], input="n\n")
    assert refused.exit_code == 1 and all(f.is_dir() for f in folders)
    gone = _cli("forget", ANNA, "--yes", "--db", db_location).output
    assert "erased 3 session(s)" in gone and all(not f.exists() for f in folders)
    with open_database(db_location) as db:
        assert [p["patient_id"] for p in db.patients()] == [BOB]
    assert (batch_out / "bob_s3").is_dir()


_KILLED_BATCH = """
import os, signal, sys
from pathlib import Path
from gaitcheck.batch.inputs import discover
from gaitcheck.batch.jobs import run_job
from gaitcheck.batch.runner import BatchSettings, run_batch

done = []

def job_then_die(job):
    outcome = run_job(job)
    done.append(job.name)
    if len(done) == 2:  # the 2nd analysis is in place, its session not yet recorded
        os.kill(os.getpid(), signal.SIGKILL)
    return outcome

entries, _ = discover(sys.argv[1])
run_batch(entries, Path(sys.argv[2]), BatchSettings(workers=1, database=sys.argv[3]),
          job_fn=job_then_die)
"""


def test_killed_batch_leaves_a_consistent_database_and_a_rerun_completes_it(
        db_location: str, clinic_inputs: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "anna.csv"
    rows = (clinic_inputs / "day.csv").read_text().splitlines()
    manifest.write_text("\n".join([rows[0]] + [
        r.replace("anna_s", str(clinic_inputs / "anna_s")) for r in rows[1:4]]) + "\n")
    out = tmp_path / "batch"
    killed = subprocess.run([sys.executable, "-c", _KILLED_BATCH, str(manifest), str(out),
                             db_location], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with open_database(db_location) as db:
        counts = db.counts()
        sessions = db.sessions(ANNA)
        if db.backend == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert counts["sessions"] == 1 and len(sessions) == 1
    assert len(sessions[0]["metrics"]) == counts["session_metrics"] > 10
    assert (out / "anna_s2.landmarks" / "report.json").is_file()  # analysed, not recorded

    rerun = _cli("batch", str(manifest), "--out", str(out), "--db", db_location).output
    assert "1 to analyse" in rerun and "2 sessions recorded, 1 updated" in rerun
    _cli("batch", str(manifest), "--out", str(out), "--db", db_location)
    with open_database(db_location) as db:
        sessions = db.sessions(ANNA)
        assert db.counts()["sessions"] == 3
    assert [str(s["session_date"]) for s in sessions] == ["2026-01-12", "2026-02-09",
                                                          "2026-03-09"]
    assert len({s["id"] for s in sessions}) == 3
    assert json.loads(json.dumps(sessions[0]["settings"])) == sessions[0]["settings"]
    assert Path(sessions[0]["report_dir"]).name == "anna_s1.landmarks"
