"""report.html of the bundled sample, opened in headless Chromium.

Runs the real pipeline (pose model included) on ``sample_videos/`` and checks what a
person opening the page would see: no console errors, every image decoded, every plot
laid out, the numbers equal to report.json, nothing fetched from the network, a clean
print layout. A full-page screenshot is kept in ``artifacts/report_screenshot.png``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, resolve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"
SCREENSHOT = REPO / "artifacts" / "report_screenshot.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _need_browser() -> Any:
    """The playwright module, or skip (fail in CI, which installs Chromium)."""
    reason = None
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        from playwright import sync_api
    except ImportError:
        reason = reason or "the playwright package is not installed"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must provide it")
        pytest.skip(reason)
    return sync_api


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gaitcheck.pipeline import analyze_video

    out = tmp_path_factory.mktemp("browser") / "sample_gaitcheck"
    analyze_video(SAMPLE, out)
    return out


def open_page(html: Path, profile: Path) -> Any:
    """Yield ``(page, log)`` for ``html`` in headless Chromium with a fresh profile;
    ``log`` collects console/page errors and every requested URL."""
    sync_api = _need_browser()
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(profile), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1200, "height": 900})
        try:
            page = context.new_page()
            log: dict[str, list[str]] = {"errors": [], "requests": []}
            page.on("console", lambda m: log["errors"].append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: log["errors"].append(str(e)))
            page.on("request", lambda r: log["requests"].append(r.url))
            page.goto(html.as_uri())
            page.wait_for_load_state("load")
            yield page, log
        finally:
            context.close()


@pytest.fixture(scope="module")
def browser_page(sample_report: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from open_page(sample_report / "report.html",
                         tmp_path_factory.mktemp("chromium-profile"))


def test_page_loads_without_errors_or_network(browser_page: Any) -> None:
    page, log = browser_page
    assert log["errors"] == []
    assert [u for u in log["requests"] if not u.startswith(("file://", "data:"))] == []
    assert page.title().startswith("Running gait report")


def test_images_and_plots_are_rendered(browser_page: Any, sample_report: Path) -> None:
    page, _ = browser_page
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
    index = json.loads((sample_report / "keyframes" / "keyframes.json").read_text())
    assert len(images) == len(index["keyframes"]) > 0
    assert all(done and w > 0 and h > 0 for done, w, h in images)
    boxes = page.eval_on_selector_all(
        "svg", "els => els.map(e => { const r = e.getBoundingClientRect();"
               " return [r.width, r.height]; })")
    assert len(boxes) >= 15
    assert all(w > 50 and h > 50 for w, h in boxes)


def test_numbers_in_the_page_equal_report_json(browser_page: Any,
                                               sample_report: Path) -> None:
    page, _ = browser_page
    report = json.loads((sample_report / "report.json").read_text())
    pairs = page.eval_on_selector_all(
        "[data-metric]", "els => els.map(e => [e.dataset.metric, e.dataset.value,"
                         " !!e.closest('#summary')])")
    assert len(pairs) > 100
    for path, value, _ in pairs:
        expected = resolve(report, path)
        if isinstance(expected, int | float) and not isinstance(expected, bool):
            assert float(value) == expected, path
        elif isinstance(expected, list):  # a 95 % interval
            assert json.loads(value) == expected, path
        else:
            assert value == expected, path
    in_summary = {path for path, _, summary in pairs if summary}
    assert {"cadence_spm", "ground_contact_ms", "flight_ms", "duty_factor_pct",
            "trunk_lean_deg", "head_forward_deg", "foot_strike", "foot_strike.pattern",
            "overstride_pct", "knee_flexion_ic_deg", "vertical_oscillation"} <= in_summary


def test_print_layout_and_screenshot(browser_page: Any) -> None:
    page, _ = browser_page
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 50_000
    page.emulate_media(media="print")
    try:
        style = page.evaluate(
            "() => { const c = document.querySelector('.card.metric');"
            " return [getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(c).breakInside,"
            " getComputedStyle(document.querySelector('nav.toc')).display]; }")
        assert style == ["rgb(255, 255, 255)", "avoid", "none"]
        assert page.pdf(format="A4")[:5] == b"%PDF-"
    finally:
        page.emulate_media(media="screen")
