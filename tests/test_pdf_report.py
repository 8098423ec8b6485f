"""report.pdf and the history PDF: text checked with pdftotext, every page rasterised with
pdftoppm (Debian's poppler-utils; .ci/run installs it, tests skip where it is absent)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report.html_metrics import fmt, label
from gaitcheck.report.keyframes import extract_keyframes
from gaitcheck.report.pdf import render_report_pdf, write_history_pdf, write_report_pdf
from gaitcheck.report.writers import save_result
from gaitcheck.result import GaitResult, load_result
from gaitcheck.video._cv import cv2
from helpers import clip_for, synthetic_tracks

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="pdftotext/pdftoppm not installed (Debian poppler-utils; .ci/run installs it)")

CUE = "Run tall: imagine a string lifting the crown of your head."
NOTE = "Anna: cadence drills twice a week.\nRetest in four weeks."
CLINIC = "Physio Nord – Laufanalyse"


def pdf_text(path: Path) -> str:
    """The PDF's text, whitespace collapsed (pdftotext breaks lines where the layout
    does)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", out)


def pages(path: Path, tmp: Path) -> list[np.ndarray]:
    """Every page rasterised at 40 dpi (grey), in order."""
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(path), str(tmp / "page")],
                   check=True, capture_output=True)
    files = sorted(tmp.glob("page-*.png"))
    return [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def folder(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[GaitResult, Path]:
    """A synthetic side-view analysis with key frames (test-pattern video) and a finding
    carrying a cue."""
    _, tracks = synthetic_tracks("side-left", duration_s=6.0)
    result = build_result(tracks, AnalyzeOptions())
    out = tmp_path_factory.mktemp("pdf")
    clip = clip_for(ffmpeg, out / "run.mp4", tracks)
    extract_keyframes(result, clip, out)
    result.report["findings"] = [
        {"metric": "head_forward_deg", "severity": "mild", "cue": CUE,
         "message": "Head-forward angle 28° is above the typical limit 25°."},
        {"metric": "foot_strike", "severity": "info",
         "message": "Heel strike on 100 % of left-foot contacts (foot angle 15° at contact)."},
        *result.report.get("findings", [])]
    return result, out


@needs_poppler
def test_report_pdf_text_pages_and_rasters(folder: tuple[GaitResult, Path],
                                           tmp_path: Path) -> None:
    result, out = folder
    path = render_report_pdf(result, tmp_path / "report.pdf", out, CLINIC, NOTE)
    text = pdf_text(path)
    for expected in (CLINIC, "Your running analysis", "At a glance", "What we found",
                     "Note from your clinician", *NOTE.splitlines(), CUE,
                     "Your foot at landing", "Joint angles over one stride",
                     "All measurements", "How far to trust these numbers", "page 1 of"):
        assert squash(expected) in text, expected
    for finding in result.report["findings"]:
        assert squash(finding["message"]) in text, finding["message"]
    # The headline numbers as the report has them.
    metrics = result.report["metrics"]
    for key in ("cadence_spm", "ground_contact_ms", "trunk_lean_deg"):
        m = metrics[key]
        assert label(key) in text
        assert fmt(m["value"], m["unit"]) in text, key
    images = pages(path, tmp_path)
    assert 2 <= len(images) <= 4
    for img in images:
        assert img is not None and img.shape[0] > img.shape[1]  # A4 portrait
        assert img.shape[1] / img.shape[0] == pytest.approx(210 / 297, abs=0.01)
        assert (img < 250).mean() > 0.01  # ink on every page: no blank page
    # The key frames are embedded as images.
    raw = path.read_bytes()
    index = json.loads((out / "keyframes" / "keyframes.json").read_text())
    assert index["keyframes"]
    assert raw.count(b"/Subtype /Image") >= min(8, len(index["keyframes"]))


def test_pdf_is_deterministic_and_survives_odd_text(folder: tuple[GaitResult, Path],
                                                    tmp_path: Path) -> None:
    result, out = folder
    a = render_report_pdf(result, tmp_path / "a.pdf", out, "Clinic → Ünïcode ✓", "x < y & z")
    b = render_report_pdf(result, tmp_path / "b.pdf", out, "Clinic → Ünïcode ✓", "x < y & z")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes().startswith(b"%PDF-")


@needs_poppler
def test_anonymized_pdf_leaves_out_the_file_name(folder: tuple[GaitResult, Path],
                                                 tmp_path: Path) -> None:
    result, out = folder
    name = Path(result.report["video"]["path"]).name
    assert name in pdf_text(render_report_pdf(result, tmp_path / "a.pdf", out))
    result.report["privacy"] = {"faces_blurred": True}
    try:
        text = pdf_text(render_report_pdf(result, tmp_path / "b.pdf", out))
    finally:
        del result.report["privacy"]
    assert name not in text and "side view" in text


@needs_poppler
def test_pdf_without_key_frames_or_findings_still_has_two_pages(tmp_path: Path) -> None:
    _, tracks = synthetic_tracks("back", duration_s=6.0)
    result = build_result(tracks, AnalyzeOptions())
    result.report["findings"] = []
    path = write_report_pdf(result, tmp_path)["pdf"]
    text = pdf_text(tmp_path / path)
    assert "Nothing stood out" in text and "Your foot at landing" not in text
    assert 2 <= len(pages(tmp_path / path, tmp_path)) <= 4


def _history(folder: Path) -> dict:
    frames = sorted(str(p) for p in (folder / "keyframes").glob("ic_*.jpg"))
    metric = {"unit": "steps/min", "label": "Cadence", "sdc": 4.0,
              "band": {"low": 160.0, "high": 190.0}}
    lean = {"unit": "deg", "label": "Forward trunk lean", "sdc": 3.0}
    return {"patient": "P-017", "sessions": [
        {"date": "2026-10-01", "view": "side", "setting": "treadmill", "keyframes": frames,
         "metrics": {"cadence_spm": {**metric, "value": 158.0, "ci95": [155.0, 161.0]},
                     "trunk_lean_deg": {**lean, "value": 6.0, "ci95": [5.0, 7.0]}}},
        {"date": "2026-11-15", "view": "side", "setting": "treadmill",
         "metrics": {"cadence_spm": {**metric, "value": 166.0, "ci95": [163.0, 169.0]},
                     "trunk_lean_deg": {**lean, "value": 7.0, "ci95": [6.0, 8.0]}}},
        {"date": "2026-11-01", "view": "front", "setting": "treadmill", "comparable": False,
         "metrics": {"cadence_spm": {**metric, "value": 162.0, "ci95": None}}},
        {"date": "2026-11-29", "view": "side", "setting": "treadmill", "keyframes": frames,
         "findings": [{"severity": "mild", "message": "Cadence is near the low end.",
                       "cue": "Quick, light steps."}],
         "metrics": {"cadence_spm": {**metric, "value": 168.0, "ci95": [165.0, 171.0]},
                     "trunk_lean_deg": {**lean, "value": 7.5, "ci95": [6.5, 8.5]}}},
    ]}


@needs_poppler
def test_history_pdf(folder: tuple[GaitResult, Path], tmp_path: Path) -> None:
    _, out = folder
    path = write_history_pdf(_history(out), tmp_path / "history.pdf", clinic=CLINIC,
                             note="Good progress.")
    text = pdf_text(path)
    for expected in ("Progress report: P-017", "4 sessions", "2026-10-01 to 2026-11-29",
                     "Good progress.", "Cadence", "Forward trunk lean", "not comparable",
                     "Cadence is near the low end.", "Quick, light steps.", "Trends",
                     "first and latest session", CLINIC):
        assert expected in text, expected
    # 168 ± 3 steps/min now; +10 since the first (beyond the SDC of 4: marked), +2 since
    # the previous (2026-11-15; within the SDC: not marked). Trunk lean +1.5° is within.
    assert "168 ± 3 steps/min" in text and "7.5 ± 1.0°" in text
    assert "+10 steps/min *" in text and "+2 steps/min *" not in text
    assert "+2 steps/min" in text and "+1.5° *" not in text and "+1.5°" in text
    images = pages(path, tmp_path)
    assert 2 <= len(images) <= 4
    assert all((img < 250).mean() > 0.01 for img in images)
    with pytest.raises(ValueError):
        write_history_pdf([], tmp_path / "none.pdf")


@needs_poppler
def test_cli_report_pdf_and_analyze_formats(folder: tuple[GaitResult, Path],
                                            tmp_path: Path) -> None:
    result, _ = folder
    out = save_result(result, tmp_path / "run")
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(out), "--pdf", "--clinic", CLINIC, "--note",
                              "Line one\\nLine two", "-q"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["files"]["pdf"] == "report.pdf"
    text = pdf_text(out / "report.pdf")
    assert CLINIC in text and "Line one Line two" in text
    loaded = load_result(out)
    assert loaded.report["files"]["pdf"] == "report.pdf"
    bad = runner.invoke(app, ["analyze", "--landmarks", str(out / "landmarks.npz"),
                              "--formats", "html,docx"])
    assert bad.exit_code == 2 and "docx" in bad.output
    res = runner.invoke(app, ["analyze", "--landmarks", str(out / "landmarks.npz"),
                              "--formats", "csv,pdf", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "report.pdf").is_file() and not (out / "report.html").exists()


def test_key_frames_shown_are_both_feet_spread_over_the_clip() -> None:
    from gaitcheck.report.pdf import _balanced

    alternating = [{"side": "right" if i % 2 == 0 else "left"} for i in range(24)]
    picks = _balanced(alternating, 8)
    assert len(picks) == 8 and picks == sorted(picks)
    assert sum(alternating[i]["side"] == "left" for i in picks) == 4
    assert picks[0] <= 1 and picks[-1] >= 22  # from the start to the end of the clip
    lopsided = [{"side": "right"}] * 3 + [{"side": "left"}] * 20
    picks = _balanced(lopsided, 8)
    assert len(picks) == 8 and {0, 1, 2} <= set(picks)  # every right one, left fills up
    assert _balanced([{"side": "left"}] * 3, 8) == [0, 1, 2]
