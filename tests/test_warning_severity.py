"""Warning severities (info / caution / serious): the table, the view-dependent rules,
report.json, the batch status, report.html and the terminal summary."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from gaitcheck.batch.summary import outcome_from_report
from gaitcheck.cli.app import app
from gaitcheck.cli.summary import print_summary
from gaitcheck.landmarks import BODY_PARTS
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report.html import quality, render_html
from gaitcheck.report.json_report import SCHEMA_VERSION
from gaitcheck.result import GaitResult, load_result
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.tracks.warnings import (
    SEVERITIES,
    WarningContext,
    severity_of,
    warning_severity,
    with_severity,
)
from helpers import synthetic_tracks

SIDE = WarningContext(view="side", near_side="left", analysed_fps=30.0)


def _hidden(tracks: LandmarkTracks, part: str, visibility: float = 0.05) -> LandmarkTracks:
    """``tracks`` with ``part`` (a BODY_PARTS key) barely visible, as MediaPipe reports a
    limb the body hides: the position is guessed, the visibility low."""
    image = tracks.image.copy()
    image[:, list(BODY_PARTS[part]), 3] = visibility
    return dataclasses.replace(tracks, image=image)


def _by_code(result: GaitResult) -> dict[str, dict]:
    return {w["code"]: w for w in result.report["quality"]["warnings"]}


@pytest.fixture(scope="module")
def side_tracks() -> LandmarkTracks:
    """An 8 s runner filmed from the left: the left side is near the camera."""
    return synthetic_tracks("side-left", duration_s=8.0)[1]


@pytest.fixture(scope="module")
def far_arm_hidden(side_tracks: LandmarkTracks) -> GaitResult:
    return build_result(_hidden(side_tracks, "right_arm"), AnalyzeOptions())


# -- the table ------------------------------------------------------------------------------

def test_fixed_codes_and_unknown_default() -> None:
    assert warning_severity("view_unknown") == "serious"
    assert warning_severity("subject_not_upright") == "serious"
    assert warning_severity("implausible_metrics") == "serious"
    assert warning_severity("no_pose") == "serious"
    assert warning_severity("few_strides") == "caution"
    assert warning_severity("other_people") == "caution"
    assert warning_severity("variable_frame_rate") == "info"
    assert warning_severity("some_future_code") == "caution"
    assert SEVERITIES == ("serious", "caution", "info")


def test_limb_visibility_depends_on_the_near_side_and_view() -> None:
    assert warning_severity("low_visibility_right_arm", SIDE) == "info"
    assert warning_severity("low_visibility_right_foot", SIDE) == "info"
    assert warning_severity("low_visibility_left_arm", SIDE) == "caution"  # near side
    assert warning_severity("low_visibility_torso", SIDE) == "caution"
    assert warning_severity("low_visibility_head", SIDE) == "caution"
    oblique = WarningContext(view="oblique", near_side="right")
    assert warning_severity("low_visibility_left_leg", oblique) == "info"
    front = WarningContext(view="front")
    assert warning_severity("low_visibility_right_arm", front) == "caution"
    assert warning_severity("low_visibility_right_arm") == "caution"  # view not known
    assert warning_severity("low_visibility_right_arm",
                            WarningContext(view="side")) == "caution"  # near side unknown


def test_unfilled_gaps_info_only_when_nearly_all_in_far_limbs() -> None:
    def gaps(**counts: int) -> str:
        return warning_severity("unfilled_gaps", dataclasses.replace(
            SIDE, unfilled_by_part=counts))

    assert gaps(right_arm=1800) == "info"
    assert gaps(right_arm=900, right_foot=95, torso=5) == "info"  # 99.5 % far limbs
    assert gaps(right_arm=850, torso=150) == "caution"            # 85 %
    assert gaps(left_arm=1800) == "caution"                      # the near arm
    assert warning_severity("unfilled_gaps", WarningContext(
        view="front", unfilled_by_part={"right_arm": 10})) == "caution"


def test_frame_stride_is_info_only_while_timing_stays_fine() -> None:
    assert warning_severity("frame_stride", WarningContext(analysed_fps=60.0)) == "info"
    assert warning_severity("frame_stride", WarningContext(analysed_fps=15.0)) == "caution"
    assert warning_severity("frame_stride") == "caution"


def test_event_warnings_of_older_reports() -> None:
    """Reports written before gait-event codes stored the messages under the code
    ``events`` (and as plain strings in ``events.warnings``): read by their wording."""
    assert severity_of("the clip looks like slow motion: a cadence of 60 steps/min") \
        == "serious"
    assert severity_of("no reliable gait events: none are reported") == "serious"
    assert severity_of("the subject turns between 2.00 s and 3.00 s") == "info"
    assert severity_of("the pose model exchanged the left and right legs in 2 frames; "
                       "they were relabelled by continuity") == "info"
    assert severity_of("contacts between 1.00 s and 2.00 s were not detected") == "caution"
    assert warning_severity("events", None, "a cadence of 400 steps/min is above") \
        == "serious"


def test_reading_old_warnings_defaults_to_caution() -> None:
    assert severity_of({"code": "variable_frame_rate", "message": "x"}) == "caution"
    assert severity_of({"code": "view_unknown", "message": "x", "severity": "bogus"}) \
        == "caution"
    assert severity_of({"code": "x", "message": "x", "severity": "info"}) == "info"


def test_with_severity_shape_and_idempotence() -> None:
    context = dataclasses.replace(SIDE, unfilled_by_part={"right_arm": 1800})
    raw = [{"code": "low_visibility_right_arm", "message": "The right arm is poorly "
            "visible (mean visibility 0.07); measures that use it get low confidence."},
           {"code": "unfilled_gaps", "message": "1800 landmark positions stay missing."}]
    once = with_severity(raw, context)
    assert [list(w) for w in once] == [["code", "severity", "message"]] * 2
    assert [w["severity"] for w in once] == ["info", "info"]
    assert "usual for the far-side limb" in once[0]["message"]
    assert "far-side (right) limbs" in once[1]["message"]
    assert with_severity(once, context) == once
    near = with_severity([{**raw[0], "code": "low_visibility_left_arm"}], context)
    assert near[0]["severity"] == "caution" and "nearer the camera" in near[0]["message"]


# -- whole analyses ---------------------------------------------------------------------------

def test_far_arm_hidden_is_info_and_batch_ok(far_arm_hidden: GaitResult) -> None:
    report = far_arm_hidden.report
    assert report["schema_version"] == SCHEMA_VERSION == "1.5"
    assert report["view"]["value"] == "side" and report["view"]["near_side"] == "left"
    warnings = _by_code(far_arm_hidden)
    assert warnings["low_visibility_right_arm"]["severity"] == "info"
    assert all(list(w) == ["code", "severity", "message"]
               for w in report["quality"]["warnings"])
    assert {w["severity"] for w in report["quality"]["warnings"]} == {"info"}
    assert report["analysis"]["cleaning"]["unfilled_by_part"].keys() <= {"right_arm"}
    outcome = outcome_from_report(report)
    assert outcome["status"] == "ok"
    assert outcome["warnings"] == 0 and outcome["warning_codes"] == []
    assert outcome["quality_notes"] == len(report["quality"]["warnings"]) >= 1
    assert far_arm_hidden.warnings[0]["severity"] == "info"


def test_near_arm_hidden_is_caution_and_batch_warning(side_tracks: LandmarkTracks) -> None:
    result = build_result(_hidden(side_tracks, "left_arm"), AnalyzeOptions())
    assert result.report["view"]["near_side"] == "left"
    warnings = _by_code(result)
    assert warnings["low_visibility_left_arm"]["severity"] == "caution"
    outcome = outcome_from_report(result.report)
    assert outcome["status"] == "warning"
    assert "low_visibility_left_arm" in outcome["warning_codes"]


def test_two_second_clip_few_strides_is_caution() -> None:
    _, tracks = synthetic_tracks("side-left", duration_s=2.0)
    result = build_result(tracks, AnalyzeOptions())
    warnings = _by_code(result)
    assert warnings["few_strides"]["severity"] == "caution"
    assert warnings["short_clip"]["severity"] == "caution"
    # The analysis section carries the same severities as the quality section.
    assert {w["code"]: w["severity"] for w in result.report["analysis"]["warnings"]}[
        "few_strides"] == "caution"
    assert outcome_from_report(result.report)["status"] == "warning"


def test_view_unknown_is_serious() -> None:
    _, tracks = synthetic_tracks("side-left", duration_s=4.0)
    image = tracks.image.copy()
    image[:, list(BODY_PARTS["torso"])] = np.nan  # the torso is never seen
    result = build_result(dataclasses.replace(tracks, image=image), AnalyzeOptions())
    assert result.report["view"]["value"] == "unknown"
    assert _by_code(result)["view_unknown"]["severity"] == "serious"
    assert "view_unknown" in outcome_from_report(result.report)["warning_codes"]


# -- old reports, HTML and terminal -----------------------------------------------------------

def test_old_report_without_severity_still_loads_and_renders(far_arm_hidden: GaitResult,
                                                             tmp_path: Path) -> None:
    out = far_arm_hidden.save(tmp_path / "old", formats=("html",))
    path = out / "report.json"
    report = json.loads(path.read_text("utf-8"))
    report["schema_version"] = "1.3"
    for w in report["quality"]["warnings"] + report["analysis"]["warnings"]:
        del w["severity"]
    path.write_text(json.dumps(report), "utf-8")
    loaded = load_result(out)
    assert loaded.warnings and {w["severity"] for w in loaded.warnings} == {"caution"}
    assert outcome_from_report(loaded.report)["status"] == "warning"
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text("utf-8")
    section = page[page.index('<section id="quality">'):]
    chips = re.findall(r'<li class="(\w+)"><span class="chip', section)
    assert chips and set(chips) == {"caution"}
    assert "<h3 class=\"notes\">" not in page


def test_html_orders_serious_caution_info(far_arm_hidden: GaitResult) -> None:
    report = json.loads(json.dumps(far_arm_hidden.report))
    report["quality"]["warnings"] = [
        {"code": "variable_frame_rate", "severity": "info", "message": "Note one"},
        {"code": "few_strides", "severity": "caution", "message": "Caution one"},
        {"code": "view_unknown", "severity": "serious", "message": "Serious one"},
        {"code": "old", "message": "Old without severity"},
    ]
    report["events"]["warnings"] = ["the subject turns between 1.00 s and 2.00 s"]
    report["analysis"]["warnings"] = []
    q = quality(report)
    assert [w["severity"] for w in q["warnings"]] == ["serious", "caution", "caution"]
    assert [w["severity"] for w in q["notes"]] == ["info", "info"]
    page = render_html(GaitResult(report, far_arm_hidden.tracks))
    order = [page.index(text) for text in ("Serious one", "Caution one",
                                           "Old without severity", ">Notes<", "Note one",
                                           "The subject turns between")]
    assert order == sorted(order)
    assert '<li class="serious"><span class="chip serious">serious</span> Serious one.' \
        in page


def test_html_without_concerns_says_so(far_arm_hidden: GaitResult) -> None:
    page = render_html(far_arm_hidden)
    assert "None that lowers trust in the results." in page
    assert '<ul class="warnings notes">' in page


def test_terminal_summary_puts_info_on_one_dim_notes_line(far_arm_hidden: GaitResult) -> None:
    report = json.loads(json.dumps(far_arm_hidden.report))
    report["quality"]["warnings"].append(
        {"code": "view_unknown", "severity": "serious", "message": "View not recognised."})
    buffer = io.StringIO()
    print_summary(Console(file=buffer, width=200, color_system=None), report,
                  Path("report.json"))
    lines = buffer.getvalue().splitlines()
    assert [line for line in lines if line.startswith("warning")] == [
        "warning (serious): View not recognised."]
    notes = [line for line in lines if line.startswith("notes:")]
    assert len(notes) == 1 and "The right arm is poorly visible" in notes[0]
    assert "informational" in notes[0]
