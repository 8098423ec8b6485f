"""Python API (gaitcheck.analyze / GaitResult / load_result) and `gaitcheck report`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import gaitcheck
from gaitcheck.cli.app import app
from gaitcheck.cli.summary import metrics_table
from gaitcheck.errors import InputError
from gaitcheck.metrics.curves import gait_cycle_curves
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.result import GaitResult, load_result
from gaitcheck.synth.truth import true_metrics
from gaitcheck.tracks.io import save_tracks_npz
from helpers import synthetic_tracks

runner = CliRunner()


@pytest.fixture(scope="module")
def side() -> tuple[object, GaitResult]:
    motion, tracks = synthetic_tracks("side-left", duration_s=6.0, knee_flexion_ic_deg=20.0)
    return motion, build_result(tracks, AnalyzeOptions())


def test_analyze_is_exported_lazily() -> None:
    assert callable(gaitcheck.analyze)
    assert gaitcheck.GaitResult is GaitResult and gaitcheck.load_result is load_result
    with pytest.raises(AttributeError):
        gaitcheck.no_such_thing  # noqa: B018


def test_result_properties(side) -> None:
    motion, result = side
    truth = true_metrics(motion)
    assert result.view == "side" and result.facing == "left" and result.activity == "run"
    assert result.value("cadence_spm") == pytest.approx(truth["cadence_spm"]["value"], abs=0.5)
    assert result.metrics["cadence_spm"]["unit"] == "steps/min"
    assert len(result.events["contacts"]) >= 10
    assert json.loads(result.to_json()) == result.report


def test_angle_series_match_the_metric_at_contact(side) -> None:
    """The per-frame knee curve read at the contacts gives the reported knee flexion."""
    motion, result = side
    knee = result.angles["knee_flexion_left_deg"]
    assert knee.shape == (result.tracks.n_frames,)
    rows = result.contact_rows("left")
    at_ic = [np.interp(r, np.arange(len(knee)), knee) for r in rows]
    reported = result.metrics["knee_flexion_ic_deg"]["per_side"]["left"]["mean"]
    assert np.mean(at_ic) == pytest.approx(reported, abs=1.5)
    # Knee flexion rises ~3°/frame after contact; filtering and IC timing cost ~2°.
    true = true_metrics(motion)["knee_flexion_ic_deg"]["value"]
    assert reported == pytest.approx(true, abs=2.5)


def test_gait_cycle_curves_normalise_strides() -> None:
    t = np.arange(300, dtype=float)
    series = np.sin(2 * np.pi * t / 30.0)  # one cycle every 30 frames
    c = gait_cycle_curves(series, [15.0, 45.0, 75.0, 105.0])
    assert c["n_strides"] == 3 and c["strides"].shape == (3, 101)
    assert np.allclose(c["mean"], np.sin(2 * np.pi * (15 + 30 * c["percent"] / 100) / 30),
                       atol=0.01)  # linear interpolation between frames
    assert np.allclose(c["sd"], 0, atol=1e-9)
    gappy = series.copy()
    gappy[50:70] = np.nan  # the second stride is mostly missing: skipped
    assert gait_cycle_curves(gappy, [15.0, 45.0, 75.0, 105.0])["n_strides"] == 2
    empty = gait_cycle_curves(series, [10.0])
    assert empty["n_strides"] == 0 and np.isnan(empty["mean"]).all()


def test_analyze_landmarks_in_memory_then_save_and_reload(side, tmp_path: Path) -> None:
    _, built = side
    (tmp_path / "in").mkdir()
    npz = save_tracks_npz(built.tracks, tmp_path / "in" / "landmarks.npz")
    result = gaitcheck.analyze(npz, height_cm=175)
    assert result.out_dir is None and not (tmp_path / "out").exists()
    assert result.metrics["vertical_oscillation"]["unit"] == "cm"
    out = result.save(tmp_path / "out")
    for name in ("report.json", "landmarks.npz", "landmarks.csv"):
        assert (out / name).is_file()
    files = json.loads((out / "report.json").read_text())["files"]
    assert all((out / f).exists() for f in files.values())
    again = load_result(out / "report.json")
    assert again.report == json.loads((out / "report.json").read_text())
    assert again.value("cadence_spm") == result.value("cadence_spm")
    np.testing.assert_array_equal(again.tracks.image, result.tracks.image)
    assert load_result(out).out_dir == out.resolve()


def test_load_result_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no report\.json"):
        load_result(tmp_path)
    (tmp_path / "report.json").write_text("{not json")
    with pytest.raises(InputError, match=r"not a readable report\.json"):
        load_result(tmp_path)
    (tmp_path / "report.json").write_text('{"schema_version": "1.2", "files": {}}')
    with pytest.raises(InputError, match=r"landmarks\.npz is missing"):
        load_result(tmp_path)


def test_report_command_rerenders_without_pose(side, tmp_path: Path) -> None:
    _, built = side
    out = built.save(tmp_path / "run")
    before = json.loads((out / "report.json").read_text())
    for name, rel in before["files"].items():
        if name not in ("landmarks_npz",):
            (out / rel).unlink() if (out / rel).is_file() else None
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    after = json.loads((out / "report.json").read_text())
    assert after["metrics"] == before["metrics"] and after["events"] == before["events"]
    assert after["files"] == before["files"]
    assert all((out / f).exists() for f in after["files"].values())
    assert "Cadence" in result.output and "spm" in result.output


def test_report_command_errors(tmp_path: Path, side) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output
    _, built = side
    out = built.save(tmp_path / "run")  # synthetic tracks: there is no source video
    result = runner.invoke(app, ["report", str(out), "--annotate"])
    assert result.exit_code == 2 and "needs the source video" in result.output


def test_metrics_table_marks_values_against_bands(side) -> None:
    _, result = side
    table = metrics_table(result.report)
    labels = list(table.columns[0].cells)
    assert "Cadence" in labels and "Ground contact" in labels
    # A back view has no foot strike, trunk lean or contact time to show.
    _, tracks = synthetic_tracks("back", duration_s=6.0)
    back = metrics_table(build_result(tracks, AnalyzeOptions()).report)
    assert "Foot strike" not in list(back.columns[0].cells)
    assert "Cadence" in list(back.columns[0].cells)


def test_cleaned_tracks_come_from_the_analysis_and_match_a_reload(side, tmp_path: Path) -> None:
    """The writers reuse the analysis' cleaned tracks; reloading recomputes the same."""
    _, result = side
    assert "cleaned" in result.__dict__  # filled by build_result, not recomputed
    again = load_result(result.save(tmp_path / "run"))
    np.testing.assert_array_equal(again.cleaned.image, result.cleaned.image)
    assert result.at(tmp_path).cleaned is result.cleaned


def test_save_is_all_or_nothing(side, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing writer during GaitResult.save leaves the previous folder as it was."""
    import gaitcheck.report.csv_report as csv_report
    from gaitcheck.errors import OutputError

    _, result = side
    out = result.save(tmp_path / "run")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full_disk(*args: object, **kwargs: object) -> dict[str, str]:
        raise OutputError("no space left on device")

    monkeypatch.setattr(csv_report, "write_csvs", full_disk)
    _, tracks = synthetic_tracks("side-left", duration_s=4.0)  # other landmarks to write
    with pytest.raises(OutputError):
        build_result(tracks, AnalyzeOptions()).save(out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
