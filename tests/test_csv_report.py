"""CSV tables: spreadsheet-friendly format, and values equal to report.json."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.landmarks import LANDMARK_NAMES, LM
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report.csv_report import CONTACT_COLUMNS, metric_column, write_csvs
from gaitcheck.result import GaitResult
from gaitcheck.tracks.tracks import LandmarkTracks
from helpers import synthetic_tracks

FILES = {"frames_csv": "frames.csv", "contacts_csv": "contacts.csv",
         "metrics_csv": "metrics_summary.csv"}
#: Column-name endings that state a unit (or a unitless 0..1 score / label column).
UNIT_ENDINGS = ("_s", "_deg", "_px", "_ms", "_spm", "_pct", "_pct_leg", "_cm",
                "_frac_shoulder_width", "_visibility", "_left", "_right")


@pytest.fixture(scope="module")
def side() -> GaitResult:
    _, tracks = synthetic_tracks("side-left", duration_s=6.0)
    return build_result(tracks, AnalyzeOptions())


@pytest.fixture(scope="module")
def front() -> GaitResult:
    _, tracks = synthetic_tracks("front", duration_s=4.0)
    return build_result(tracks, AnalyzeOptions())


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows, read as a spreadsheet would (BOM-aware, any newline)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def num(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def write(result: GaitResult, tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    assert write_csvs(result, tmp_path) == FILES
    return tmp_path


def check_format(out: Path) -> None:
    """BOM, one line ending style, no NaN/inf text, and every file written completely."""
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())  # no temp file
    for name in FILES.values():
        data = (out / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name
        text = data[3:].decode("utf-8")
        assert text.endswith("\r\n") and text.count("\n") == text.count("\r\n"), name
        header, rows = read(out / name)
        assert len(set(header)) == len(header), name
        for row in rows:
            for cell in row.values():
                assert cell.lower() not in ("nan", "inf", "-inf", "none", "null"), name


def test_side_view_tables_match_the_report(side: GaitResult, tmp_path: Path) -> None:
    out = write(side, tmp_path)
    check_format(out)
    report = side.report

    header, rows = read(out / "frames.csv")
    assert len(rows) == side.tracks.n_frames
    assert header[:5] == ["frame", "time_s", "detected", "trunk_lean_deg", "head_forward_deg"]
    assert "knee_flexion_left_deg" in header and "foot_angle_right_deg" in header
    assert header[-3:] == ["right_foot_index_x_px", "right_foot_index_y_px",
                           "right_foot_index_visibility"]
    assert all(h in ("frame", "detected") or h.endswith(UNIT_ENDINGS) for h in header)
    xy = side.cleaned.xy_px()
    for t in (0, 57, len(rows) - 1):
        row = rows[t]
        assert int(row["frame"]) == side.tracks.frame_index[t]
        assert num(row["time_s"]) == pytest.approx(side.tracks.time_s[t], abs=5e-5)
        assert row["detected"] == "1"
        knee = side.angles["knee_flexion_left_deg"][t]
        assert num(row["knee_flexion_left_deg"]) == pytest.approx(knee, abs=0.005)
        assert num(row["left_heel_x_px"]) == pytest.approx(xy[t, LM["left_heel"], 0], abs=0.005)
    assert len(header) == 3 + len(side.angles) + 3 * len(LANDMARK_NAMES)

    header, rows = read(out / "contacts.csv")
    contacts = report["events"]["contacts"]
    assert header == list(CONTACT_COLUMNS) and len(rows) == len(contacts) > 8
    for row, c in zip(rows, contacts, strict=True):
        assert num(row["time_s"]) == c["time_s"] and num(row["frame"]) == c["frame"]
        assert row["side"] == c["side"] and row["strike"] == (c["strike"] or "")
        assert row["strike_inferred"] == str(int(c["strike_inferred"]))
        assert num(row["foot_angle_deg"]) == c["foot_angle_deg"]
        assert num(row["confidence"]) == c["confidence"]
    metrics = report["metrics"]
    for s in ("left", "right"):
        mine = [r for r in rows if r["side"] == s]
        # Per-contact metrics in the order of the report's per-contact lists.
        assert [num(r["knee_flexion_ic_deg"]) for r in mine] == \
            metrics["knee_flexion_ic_deg"]["per_side"][s]["per_stride"]
        assert [num(r["shank_angle_deg"]) for r in mine] == \
            metrics["shank_angle_deg"]["per_side"][s]["per_stride"]
        # Contact times from the matched toe-offs reproduce the reported ones.
        ms = [num(r["contact_ms"]) for r in mine if r["contact_ms"]]
        assert ms == pytest.approx(metrics["ground_contact_ms"]["per_side"][s]["per_stride"],
                                   abs=0.16)
        for r in mine:
            if r["toe_off_time_s"]:
                assert num(r["toe_off_time_s"]) > num(r["time_s"])

    header, rows = read(out / "metrics_summary.csv")
    assert len(rows) == 1
    row = rows[0]
    assert header[:5] == ["video", "view", "facing", "setting", "activity"]
    assert (row["view"], row["facing"]) == ("side", "left")
    assert num(row["cadence_spm"]) == metrics["cadence_spm"]["value"]
    assert num(row["ground_contact_ms"]) == metrics["ground_contact_ms"]["value"]
    assert num(row["ground_contact_ms_right"]) == \
        metrics["ground_contact_ms"]["per_side"]["right"]["mean"]
    assert num(row["knee_flexion_ic_deg_left"]) == \
        metrics["knee_flexion_ic_deg"]["per_side"]["left"]["mean"]
    assert num(row["foot_strike_angle_deg"]) == metrics["foot_strike"]["value"]
    assert row["foot_strike_pattern"] == metrics["foot_strike"]["pattern"]
    assert num(row["vertical_oscillation_pct_leg"]) == metrics["vertical_oscillation"]["value"]
    assert row["vertical_oscillation_cm"] == ""  # no height given
    assert row["arm_crossover_frac_shoulder_width"] == ""  # not measurable from the side
    assert num(row["asymmetry_step_time_si_pct"]) == \
        metrics["asymmetry"]["step_time"]["si_pct"]
    assert "cadence_spm_left" not in header
    assert all(h in ("video", "view", "facing", "setting", "activity", "frames",
                     "foot_strike_pattern")
               or h.removesuffix("_ci95_lo").removesuffix("_ci95_hi").endswith(UNIT_ENDINGS)
               for h in header)
    lo, hi = num(row["trunk_lean_deg_ci95_lo"]), num(row["trunk_lean_deg_ci95_hi"])
    assert [lo, hi] == metrics["trunk_lean_deg"]["ci95"]
    assert lo < num(row["trunk_lean_deg"]) < hi
    # Every metric of the report has its columns.
    for key, m in metrics.items():
        if key != "asymmetry":
            assert metric_column(key, m["unit"]) in header, key


def test_summary_layout_is_the_same_for_every_view(side: GaitResult, front: GaitResult,
                                                   tmp_path: Path) -> None:
    a, b = write(side, tmp_path / "side"), write(front, tmp_path / "front")
    check_format(b)
    side_header, _ = read(a / "metrics_summary.csv")
    front_header, rows = read(b / "metrics_summary.csv")
    assert side_header == front_header  # tables of several runs can be stacked
    row = rows[0]
    assert row["view"] == "front" and row["ground_contact_ms"] == ""
    assert num(row["cadence_spm"]) == front.report["metrics"]["cadence_spm"]["value"]
    assert num(row["lateral_trunk_lean_deg"]) == \
        front.report["metrics"]["lateral_trunk_lean_deg"]["value"]
    header, rows = read(b / "frames.csv")
    assert header[3] == "lateral_trunk_lean_deg" and "knee_flexion_left_deg" not in header
    assert read(b / "contacts.csv")[1] == []  # front views report no contacts


def test_height_gives_oscillation_in_cm(tmp_path: Path) -> None:
    _, tracks = synthetic_tracks("side-right", duration_s=4.0)
    result = build_result(tracks, AnalyzeOptions(height_cm=180.0))
    _, rows = read(write(result, tmp_path) / "metrics_summary.csv")
    osc = result.report["metrics"]["vertical_oscillation"]
    assert osc["unit"] == "cm" and num(rows[0]["vertical_oscillation_cm"]) == osc["value"]
    assert rows[0]["vertical_oscillation_pct_leg"] == ""


def test_degenerate_result_writes_valid_files(side: GaitResult, tmp_path: Path) -> None:
    t = side.tracks
    nan = np.full_like(t.image[:15], np.nan)
    empty = LandmarkTracks(nan, np.full_like(t.world[:15], np.nan), t.time_s[:15],
                           t.frame_index[:15], t.video)
    for name, result in (("built", build_result(empty, AnalyzeOptions())),
                         ("bare", GaitResult({"schema_version": "1.2"}, empty))):
        out = write(result, tmp_path / name)
        check_format(out)
        header, rows = read(out / "frames.csv")
        assert len(rows) == 15 and header[3] == "nose_x_px"  # no angles: view unknown
        assert all(r["detected"] == "0" and r["nose_x_px"] == "" for r in rows)
        header, rows = read(out / "contacts.csv")
        assert header == list(CONTACT_COLUMNS) and rows == []
        header, rows = read(out / "metrics_summary.csv")
        assert len(rows) == 1 and rows[0]["cadence_spm"] == ""
