"""Gait-event warnings are coded at the source; their severity comes from the code."""

from __future__ import annotations

import dataclasses
import json

import pytest

import gaitcheck.tracks.warnings as warnings_module
from gaitcheck.analysis import analyze_tracks
from gaitcheck.events import EVENT_CODES, EventWarning, detect_gait_events
from gaitcheck.events.signals import LEG_PARTS
from gaitcheck.landmarks import LM
from gaitcheck.report.html import quality
from gaitcheck.tracks.warnings import SEVERITY, severity_of, warning_severity, with_severity
from helpers import synthetic_tracks


def test_every_event_code_has_a_severity() -> None:
    assert set(EVENT_CODES) <= set(SEVERITY)
    assert not hasattr(warnings_module, "EVENT_SEVERITY")
    assert SEVERITY["slowmo_suspected"] == SEVERITY["no_events"] == "serious"
    assert SEVERITY["legs_swapped"] == SEVERITY["subject_turns"] == "info"
    assert SEVERITY["contacts_missed"] == "caution"


def test_unknown_event_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown gait-event warning code"):
        EventWarning("slow_motion", "typo in the code")


def test_severity_follows_the_code_not_the_wording() -> None:
    reworded = [{"code": "legs_swapped", "message": "Legs were mixed up; fixed."},
                {"code": "slowmo_suspected", "message": "Looks slowed down."},
                {"code": "contacts_missed", "message": "the clip looks like slow motion"}]
    assert [w["severity"] for w in with_severity(reworded)] == ["info", "serious", "caution"]
    assert warning_severity("subject_turns", None, "anything at all") == "info"


def _swapped_legs():
    _, tracks = synthetic_tracks("side-left", duration_s=6.0)
    image = tracks.image.copy()
    left, right = ([LM[f"{s}_{p}"] for p in LEG_PARTS] for s in ("left", "right"))
    image[100:105, left + right] = tracks.image[100:105, right + left]
    return dataclasses.replace(tracks, image=image)


def test_analysis_reports_event_codes() -> None:
    """The event detector's codes reach ``analysis.warnings`` with their severity;
    ``events.warnings`` of the report keeps the plain messages of schema 1.4."""
    tracks = _swapped_legs()
    events = detect_gait_events(tracks, "left")
    assert [w.code for w in events.warnings] == ["legs_swapped"]
    assert json.loads(json.dumps(events.to_dict()))["warnings"] == [
        {"code": "legs_swapped", "message": events.warnings[0].message}]
    a = analyze_tracks(tracks)
    coded = [w for w in a.warnings if w["code"] == "legs_swapped"]
    assert len(coded) == 1 and coded[0]["severity"] == "info"
    assert coded[0]["message"] == events.warnings[0].message
    sections = a.report_sections()
    assert sections["events"]["warnings"] == [events.warnings[0].message]
    assert not any(w["code"] == "events" for w in a.warnings)


def test_slow_motion_is_serious_by_code() -> None:
    _, tracks = synthetic_tracks("side-left", duration_s=6.0, fps=120.0)
    slowed = dataclasses.replace(tracks, time_s=tracks.time_s * 4)
    a = analyze_tracks(slowed)
    codes = {w["code"]: w["severity"] for w in a.warnings}
    assert codes.get("slowmo_suspected") == "serious", a.warnings


def test_older_reports_still_read() -> None:
    """Schema ≤ 1.4 stored event messages under code ``events`` and as plain strings in
    ``events.warnings``: the HTML still ranks them as it did."""
    old = {"quality": {"warnings": [
        {"code": "events", "message": "the subject turns between 1.00 s and 2.00 s"}]},
        "events": {"warnings": ["the clip looks like slow motion: a cadence of 40 steps/min",
                                "the subject turns between 1.00 s and 2.00 s"]}}
    assert severity_of(old["quality"]["warnings"][0]) == "caution"  # no severity stored
    assert warning_severity("events", None, old["events"]["warnings"][0]) == "serious"
    assert severity_of(old["events"]["warnings"][1]) == "info"
    found = {w["text"][:20]: w["severity"] for w in quality(old)["warnings"]}
    assert found == {"The clip looks like ": "serious", "The subject turns be": "caution"}
