"""history.html in headless Chromium: what a clinician opening the page sees.

Three synthetic sessions of one patient (the second filmed from the front), with key
frames: no console error, nothing fetched, every image decoded, every trend plot laid
out, the numbers equal to history.csv, the front-view session marked not comparable
and the real changes flagged. A screenshot is kept in
``artifacts/history_screenshot.png``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_browser import open_page

from clinic_helpers import synth_landmarks
from helpers import REPO

pytestmark = [pytest.mark.browser]
SCREENSHOT = REPO / "artifacts" / "history_screenshot.png"


def _add_keyframes(folder: Path, shade: int) -> None:
    import cv2

    frames = folder / "keyframes"
    frames.mkdir()
    entries = []
    for k, side in enumerate(("left", "right")):
        image = np.full((96, 96, 3), shade + 40 * k, np.uint8)
        cv2.imwrite(str(frames / f"ic_{side}.jpg"), image)
        entries.append({"file": f"ic_{side}.jpg", "side": side, "strike": "rearfoot",
                        "time_s": 1.0 + k, "frame": 30 + 30 * k})
    (frames / "keyframes.json").write_text(json.dumps({"keyframes": entries}))


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gaitcheck.clinic.db import open_database
    from gaitcheck.clinic.history import build_history
    from gaitcheck.clinic.history_html import write_history
    from gaitcheck.clinic.record import record_session
    from gaitcheck.pipeline import analyze_landmarks

    root = tmp_path_factory.mktemp("history-browser")
    with open_database(root / "db.sqlite") as db:
        for i, (view, cadence) in enumerate([("side-left", 160), ("front", 166),
                                             ("side-left", 172)], start=1):
            npz = synth_landmarks(root / f"s{i}.landmarks.npz", seed=40 + i, view=view,
                                  cadence_spm=cadence)
            out = analyze_landmarks(npz, root / f"r{i}").out_dir
            _add_keyframes(out, 60 * i)
            record_session(db, out, "P-42", f"2026-0{i}-15", "h", source=npz)
        table = build_history("P-42", db.sessions("P-42"))
    write_history(table, root / "history", clinic="Physio Nord")
    return root / "history"


@pytest.fixture(scope="module")
def page(history_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from open_page(history_dir / "history.html",
                         tmp_path_factory.mktemp("chromium-profile"))


def test_history_page_renders_offline(page: Any, history_dir: Path) -> None:
    page, log = page
    assert log["errors"] == []
    assert [u for u in log["requests"] if not u.startswith(("file://", "data:"))] == []
    assert page.title() == "gaitcheck progress: P-42"
    images = page.eval_on_selector_all(
        "#keyframes img", "els => els.map(e => [e.complete, e.naturalWidth])")
    assert len(images) == 4 and all(done and w == 96 for done, w in images)  # 1st + latest
    boxes = page.eval_on_selector_all(
        "svg.plot", "els => els.map(e => { const r = e.getBoundingClientRect();"
                    " return [r.width, r.height]; })")
    metrics = page.eval_on_selector_all("#metrics tbody tr", "els => els.length")
    assert len(boxes) == metrics > 15
    assert all(w > 200 and h > 90 for w, h in boxes)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_history_page_matches_the_csv(page: Any, history_dir: Path) -> None:
    page, _ = page
    rows = list(csv.DictReader(io.StringIO(
        (history_dir / "history.csv").read_text(encoding="utf-8-sig"))))
    comparable = page.eval_on_selector_all(
        "#sessions tbody tr", "els => els.map(e => e.dataset.comparable)")
    assert comparable == ["yes", "no", "yes"]
    assert {r["session"]: r["comparable"] for r in rows} == {"1": "yes", "2": "no", "3": "yes"}
    cadence = page.eval_on_selector(
        '#metrics tr[data-metric="cadence_spm"]',
        "e => [...e.querySelectorAll('td')].map(td => [td.innerText, td.className,"
        " td.dataset.verdict || ''])")
    latest = next(r for r in rows if r["metric"] == "cadence_spm" and r["session"] == "3")
    assert cadence[4][0].splitlines()[0] == f"{float(latest['value']):.1f}"
    since_first = cadence[5]
    assert since_first[2] == latest["verdict_since_first"] == "exceeds noise"
    assert "flag" in since_first[1]
    assert since_first[0].startswith(f"+{float(latest['change_since_first']):.1f}")
    assert "not-comparable" in cadence[3][1]
