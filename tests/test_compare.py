"""``gaitcheck compare``: changes, noise (smallest detectable change), views, outputs.

Reports come from synthetic landmark tracks (no pose), so the module takes seconds.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.errors import InputError
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.pipeline import AnalyzeOptions, analyze_landmarks
from gaitcheck.report.compare import (
    EXCEEDS,
    NOT_COMPARABLE,
    UNKNOWN,
    WITHIN,
    compare_metric,
    compare_reports,
    load_report,
    standard_error,
)
from gaitcheck.tracks.io import save_tracks_npz
from helpers import synthetic_tracks

runner = CliRunner()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("compare")
    specs = {  # name: (view, seed, GaitParams, height_cm, formats)
        "before": ("side-left", 1, {"cadence_spm": 160}, None, ("csv",)),
        "after": ("side-left", 2, {"cadence_spm": 178}, None, None),  # with report.html
        "same": ("side-left", 3, {"cadence_spm": 160}, None, ("csv",)),
        "back": ("back", 4, {"cadence_spm": 178}, None, ("csv",)),
        "tall": ("side-left", 5, {"cadence_spm": 160}, 180.0, ("csv",)),
    }
    out = {}
    for name, (view, seed, params, height, formats) in specs.items():
        _, tracks = synthetic_tracks(view, seed=seed, duration_s=8.0, **params)
        folder = root / name
        folder.mkdir()
        save_tracks_npz(tracks, folder / "landmarks.npz")
        analyze_landmarks(folder / "landmarks.npz", folder,
                          AnalyzeOptions(height_cm=height, formats=formats))
        out[name] = folder
    return out


def _row(comparison, key):
    return next(r for r in comparison.rows if r.key == key)


def _strides(report: dict, key: str) -> list[float]:
    sides = report["metrics"][key]["per_side"].values()
    return [v for side in sides for v in side["per_stride"] if v is not None]


def test_cadence_change_exceeds_the_fixed_floor(reports) -> None:
    comparison = compare_reports(reports["before"], reports["after"] / "report.json")
    cadence = _row(comparison, "cadence_spm")
    assert cadence.a == pytest.approx(160, abs=1) and cadence.b == pytest.approx(178, abs=1)
    assert cadence.change == pytest.approx(cadence.b - cadence.a)
    assert cadence.change_pct == pytest.approx(cadence.change / cadence.a * 100)
    # The smallest detectable change is the reports' own 95 % intervals combined.
    halves = [(r["metrics"]["cadence_spm"]["ci95"][1] - r["metrics"]["cadence_spm"]["ci95"][0])
              / 2 for r in (comparison.a, comparison.b)]
    assert (cadence.noise, cadence.noise_source, cadence.verdict) == (
        pytest.approx(math.hypot(*halves)), "95 % intervals", EXCEEDS)
    assert cadence.noise >= REGISTRY["cadence_spm"].uncertainty_floor
    contact = _row(comparison, "ground_contact_ms")
    assert contact.noise_source == "95 % intervals"
    floor_ms = REGISTRY["ground_contact_ms"].uncertainty_floor * 1000 / 30
    assert contact.noise >= math.sqrt(2) * floor_ms * 0.999
    assert contact.verdict == (EXCEEDS if abs(contact.change) > contact.noise else WITHIN)
    # Nothing neither session measured is listed (arm crossover from the side).
    assert "arm_crossover" not in {r.key for r in comparison.rows}


def test_same_runner_again_is_within_noise(reports) -> None:
    comparison = compare_reports(reports["before"], reports["same"])
    assert _row(comparison, "cadence_spm").verdict == WITHIN
    identical = compare_reports(reports["before"], reports["before"])
    for row in identical.rows:
        assert row.change == 0 and row.verdict in (WITHIN, UNKNOWN), row


def test_other_view_makes_view_specific_metrics_incomparable(reports) -> None:
    comparison = compare_reports(reports["before"], reports["back"])
    assert _row(comparison, "cadence_spm").verdict == EXCEEDS  # every view measures it
    # (Contact time is measured in side and back views since issue 15.)
    for key in ("trunk_lean_deg", "foot_strike", "arm_crossover"):
        row = _row(comparison, key)
        assert row.verdict == NOT_COMPARABLE and row.change is None, key
        assert row.note == "views differ (side vs back)"


def test_units_must_match(reports) -> None:
    row = _row(compare_reports(reports["before"], reports["tall"]), "vertical_oscillation")
    assert row.verdict == NOT_COMPARABLE and "units differ" in row.note


def _report(view: str, metrics: dict) -> dict:
    return {"view": {"value": view}, "metrics": metrics}


def test_noise_formula_and_edge_cases() -> None:
    assert standard_error([1.0]) is None
    assert standard_error([1.0, 3.0]) == pytest.approx(math.sqrt(2) / math.sqrt(2))
    a = _report("side", {"m": {"value": 10.0, "unit": "deg", "valid_for_view": ["side"],
                               "per_side": {"left": {"per_stride": [9.0, 11.0, None]},
                                            "right": {"per_stride": [10.0]}}},
                         "z": {"value": 0.0, "unit": "deg"}, "q": {"value": 1.0, "unit": "x"}})
    b = _report("side", {"m": {"value": 13.0, "unit": "deg", "valid_for_view": ["side"],
                               "per_side": {"left": {"per_stride": [12.0, 14.0]}}},
                         "z": {"value": 1.0, "unit": "deg"}, "q": {"value": 1.5, "unit": "x"}})
    row = compare_metric("m", a, b)
    se_a, se_b = 1.0 / math.sqrt(3), math.sqrt(2) / math.sqrt(2)
    assert row.noise == pytest.approx(1.96 * math.sqrt(se_a ** 2 + se_b ** 2))
    assert row.change == 3.0 and row.change_pct == pytest.approx(30.0)
    assert row.verdict == EXCEEDS
    zero = compare_metric("z", a, b)  # no per-stride data and no floor: noise unknown
    assert zero.change_pct is None and zero.noise is None and zero.verdict == UNKNOWN
    cadence = compare_metric("cadence_spm", _report("side", {"cadence_spm": {
        "value": 170.0, "unit": "steps/min"}}), _report("back", {"cadence_spm": {
            "value": 171.5, "unit": "steps/min", "valid_for_view": ["side", "back"]}}))
    assert cadence.verdict == WITHIN and cadence.noise == 2.0


def test_cli_table_csv_and_html(reports, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(reports["before"]),
                                 str(reports["after"] / "report.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Cadence" in result.output and "compare.csv" in result.output
    raw = (out / "compare.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    cadence = next(r for r in table if r["key"] == "cadence_spm")
    assert cadence["verdict"] == EXCEEDS and cadence["noise_source"] == "95 % intervals"
    assert 0 < float(cadence["noise"]) < 2.0
    assert {"a", "b", "change", "change_pct", "noise", "noise_source", "note"} <= set(table[0])
    html = (out / "compare.html").read_text("utf-8")  # "after" has a report.html
    assert "Cadence" in html and EXCEEDS in html and "<script" not in html
    assert "http://" not in html and "https://" not in html  # nothing from the network
    link = Path(out / html.split('href="')[2].split('"')[0]).resolve()  # [1] is the icon
    assert link == (reports["after"] / "report.html").resolve()


def test_cli_without_report_html_writes_csv_only(reports, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compare", str(reports["before"]), str(reports["back"]),
                                 "-q"])
    assert result.exit_code == 0 and result.output == ""
    out = tmp_path / "compare_before_vs_back"
    assert (out / "compare.csv").is_file() and not (out / "compare.html").exists()


def test_cli_bad_input_is_one_line_exit_2(reports, tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(tmp_path), str(reports["after"])])
    assert result.exit_code == 2 and "no report.json in" in result.output
    assert len(result.output.strip().splitlines()) == 1
    (tmp_path / "report.json").write_text("{not json")
    with pytest.raises(InputError, match=r"not a readable report\.json"):
        load_report(tmp_path)
