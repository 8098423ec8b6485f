"""Without --session-date a session is dated by the video's recording time, else its
file time, else the run's day; the source is stored and shown in history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.clinic import session_date as sd
from gaitcheck.clinic.db import open_database
from helpers import make_video

runner = CliRunner()


def _cli(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def _set_mtime(path: Path, day: dt.date) -> None:
    stamp = dt.datetime.combine(day, dt.time(12, 0)).timestamp()
    os.utime(path, (stamp, stamp))


def test_date_sources_in_order(ffmpeg: str, tmp_path: Path) -> None:
    tagged = make_video(ffmpeg, tmp_path / "tagged.mp4", "-metadata",
                        "creation_time=2025-11-03T12:00:00Z")
    plain = make_video(ffmpeg, tmp_path / "plain.mp4")
    bogus = make_video(ffmpeg, tmp_path / "bogus.mp4", "-metadata",
                       "creation_time=1999-12-31T12:00:00Z")
    for video in (tagged, plain, bogus):
        _set_mtime(video, dt.date(2026, 2, 14))
    assert sd.metadata_times(tagged) == {"creation_time": "2025-11-03T12:00:00.000000Z"}
    assert sd.session_date(None, tagged) == (dt.date(2025, 11, 3), sd.METADATA)
    assert sd.session_date(None, plain) == (dt.date(2026, 2, 14), sd.FILE_TIME)
    assert sd.session_date(None, bogus) == (dt.date(2026, 2, 14), sd.FILE_TIME)
    assert sd.session_date(dt.date(2026, 1, 5), tagged) == (dt.date(2026, 1, 5), sd.GIVEN)
    assert sd.session_date(None, tmp_path / "gone.mp4") == (dt.date.today(), sd.RUN_DAY)
    _set_mtime(plain, dt.date.today() + dt.timedelta(days=30))  # a clock gone wrong
    assert sd.session_date(None, plain) == (dt.date.today(), sd.RUN_DAY)


def test_apple_local_creation_date_wins(monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    # 23:30 in Sydney is the previous day in UTC: the day of filming is the local one.
    monkeypatch.setattr(sd, "metadata_times", lambda video: {
        "creation_time": "2026-03-09T12:30:00.000000Z",
        "com.apple.quicktime.creationdate": "2026-03-09T23:30:00+1100"})
    assert sd.metadata_date(tmp_path / "x.mov") == dt.date(2026, 3, 9)


def test_analyze_patient_dates_the_session_by_the_recording(
        ffmpeg: str, tmp_path: Path, scripted_pose: None) -> None:
    db = str(tmp_path / "clinic.sqlite")
    tagged = make_video(ffmpeg, tmp_path / "monday.mp4", "-metadata",
                        "creation_time=2026-03-02T12:00:00Z", seconds=2.0)
    plain = make_video(ffmpeg, tmp_path / "tuesday.mp4", "-vf", "negate", seconds=2.0)
    _set_mtime(plain, dt.date(2026, 3, 3))
    out = _cli("analyze", str(tagged), "-o", str(tmp_path / "mon"), "--patient", "P",
               "--db", db)
    assert "(2026-03-02, video metadata)" in out
    _cli("analyze", str(plain), "-o", str(tmp_path / "tue"), "--patient", "P", "-q",
         "--db", db)
    _cli("analyze", str(plain), "-o", str(tmp_path / "given"), "--patient", "Q", "-q",
         "--session-date", "2026-03-04", "--db", db)
    with open_database(db) as database:
        sessions = {s["video_name"]: s for s in database.sessions("P")}
        given = database.sessions("Q")[0]
    assert (sessions["monday.mp4"]["session_date"], sessions["monday.mp4"]
            ["session_date_source"]) == (dt.date(2026, 3, 2), "video metadata")
    assert (sessions["tuesday.mp4"]["session_date"], sessions["tuesday.mp4"]
            ["session_date_source"]) == (dt.date(2026, 3, 3), "file time")
    assert (given["session_date"], given["session_date_source"]) == (dt.date(2026, 3, 4),
                                                                     "given")
    # Re-analysing the saved landmarks finds the video beside the report folder.
    _cli("analyze", "--landmarks", str(tmp_path / "mon" / "landmarks.npz"), "-o",
         str(tmp_path / "mon2"), "--patient", "R", "-q", "--db", db)
    with open_database(db) as database:
        again = database.sessions("R")[0]
    assert (again["session_date"], again["session_date_source"]) == (dt.date(2026, 3, 2),
                                                                     "video metadata")
    # History shows where each date came from.
    _cli("history", "P", "--out", str(tmp_path / "hist"), "--db", db)
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "hist" / "history.csv").read_text("utf-8-sig"))))
    assert {(r["session_date"], r["session_date_source"]) for r in rows} == {
        ("2026-03-02", "video metadata"), ("2026-03-03", "file time")}
    html = (tmp_path / "hist" / "history.html").read_text("utf-8")
    assert "(video metadata)" in html and "(file time)" in html
