"""The Python API offers what ``gaitcheck analyze`` offers the clinic: keep_paths,
anonymize (with the database default), clinic/note, patient, session_date, db."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from pathlib import Path

import pytest

from gaitcheck import analyze
from gaitcheck.clinic.db import open_database
from gaitcheck.clinic.settings import set_setting
from gaitcheck.errors import InputError
from helpers import make_video


def test_api_has_the_cli_clinic_options() -> None:
    from gaitcheck.cli.app import analyze as cli_analyze

    api = set(inspect.signature(analyze).parameters)
    cli = set(inspect.signature(cli_analyze).parameters)
    for name in ("anonymize", "clinic", "note", "keep_paths", "patient", "session_date",
                 "db"):
        assert name in api and name in cli, name


def test_api_records_sessions_and_keeps_paths_only_when_asked(
        ffmpeg: str, tmp_path: Path, scripted_pose: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAITCHECK_ANONYMIZE", raising=False)
    video = make_video(ffmpeg, tmp_path / "clip.mp4", seconds=2.0)
    db = tmp_path / "clinic.sqlite"
    with open_database(db) as database:
        set_setting(database, "anonymize", "on")
    result = analyze(video, tmp_path / "a", patient="P1", session_date="2026-04-01", db=db)
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["video"]["path"] == "clip.mp4"
    assert report["privacy"]["anonymize_source"] == "database default"
    assert result.out_dir is not None
    assert Path(result.out_dir).resolve() == (tmp_path / "a").resolve()
    analyze(video, tmp_path / "b", patient="P2", db=db, keep_paths=True, anonymize=False)
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["video"]["path"] == str(video.resolve())
    assert report["privacy"] == {"faces_blurred": False, "anonymize_source": "--no-anonymize"}
    with open_database(db) as database:
        p1, p2 = database.sessions("P1")[0], database.sessions("P2")[0]
    assert (p1["session_date"], p1["session_date_source"]) == (dt.date(2026, 4, 1), "given")
    assert p1["video_path"] is None and p1["anonymized"] is True
    assert p2["video_path"] == str(video.resolve()) and p2["anonymized"] is False
    with pytest.raises(InputError, match="out_dir"):
        analyze(video, patient="P3", db=db)
    with pytest.raises(InputError, match="patient"):
        analyze(video, tmp_path / "c", session_date="2026-04-01")
