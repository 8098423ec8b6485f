"""report.html, its plots and the key-frame crops, on synthetic results (no pose model)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report import keyframes as kf
from gaitcheck.report.html import SECTIONS, SUMMARY_KEYS, render_html, write_html
from gaitcheck.report.plots import band_gauge, to_svg
from gaitcheck.result import GaitResult
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.video._cv import cv2
from helpers import make_video, resolve, synthetic_tracks


class _Page(HTMLParser):
    """Elements of a page: ids, data-metric numbers, resource references, tags."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.numbers: list[tuple[str, str]] = []
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.append(a["id"])
        if "data-metric" in a:
            self.numbers.append((a["data-metric"], a.get("data-value")))
        for key in ("src", "href", "xlink:href", "action", "poster"):
            if a.get(key) is not None:
                self.refs.append((tag, key, a[key]))


def same(page_value: str, json_value: Any) -> bool:
    if isinstance(json_value, list):  # a 95 % interval
        return json.loads(page_value) == json_value
    if isinstance(json_value, bool) or not isinstance(json_value, int | float):
        return page_value == json_value
    return float(page_value) == json_value


def article(page: str, key: str) -> str:
    """The HTML of one metric card."""
    match = re.search(rf'<article[^>]*id="m-{re.escape(key)}">(.*?)</article>', page, re.S)
    assert match, f"no card for {key}"
    return match.group(1)


@pytest.fixture(scope="module")
def side() -> GaitResult:
    _, tracks = synthetic_tracks("side-left", duration_s=6.0)
    return build_result(tracks, AnalyzeOptions())


@pytest.fixture(scope="module")
def back() -> GaitResult:
    _, tracks = synthetic_tracks("back", duration_s=6.0, arm_crossover=0.15)
    return build_result(tracks, AnalyzeOptions())


@pytest.fixture(scope="module")
def side_page(side: GaitResult) -> str:
    return render_html(side)


def test_side_page_has_every_section_and_the_report_numbers(side: GaitResult,
                                                            side_page: str) -> None:
    page = _Page(side_page)
    for section in SECTIONS:
        assert section in page.ids
    assert side.events["contacts"], "the synthetic side view must have contacts"
    assert len(page.numbers) > 50
    for path, value in page.numbers:
        assert same(value, resolve(side.report, path)), path
    shown = {p for p, _ in page.numbers}
    measurable = [k for k in SUMMARY_KEYS if (side.metrics.get(k) or {}).get("measurable")]
    assert {"cadence_spm", "ground_contact_ms", "foot_strike", "trunk_lean_deg"} <= set(
        measurable)
    assert set(measurable) <= shown
    assert "foot_strike.pattern" in shown
    # Every per-side mean and the n of a measurable metric is on the page.
    for key, m in side.metrics.items():
        for s, st in (m.get("per_side") or {}).items() if m.get("measurable") else ():
            assert f"{key}.per_side.{s}.n" in shown
            if st["mean"] is not None:
                assert f"{key}.per_side.{s}.mean" in shown
    # Plots: a per-stride plot per metric with strides, the timeline, curves, stick figures.
    assert side_page.count("<svg") >= 10
    for name in ("timeline", "cycle", "stick"):
        assert f'id="{name}-' in side_page


def test_findings_worst_first_with_severity_chips(side: GaitResult, side_page: str) -> None:
    findings = side.findings
    assert findings
    summary = side_page.split('id="metrics"')[0]
    positions = [summary.index(f["message"].replace("'", "&#39;")) for f in findings]
    order = {"moderate": 0, "mild": 1, "info": 2}
    ranked = sorted(zip(positions, findings, strict=True), key=lambda pf: pf[0])
    assert [order[f["severity"]] for _, f in ranked] == sorted(order[f["severity"]]
                                                                for f in findings)
    for f in findings:
        assert f'class="chip {f["severity"]}"' in summary


def test_page_is_self_contained(side_page: str) -> None:
    page = _Page(side_page)
    assert "http://" not in side_page and "https://" not in side_page
    for tag, key, ref in page.refs:
        assert ref.startswith(("#", "data:")), (tag, key, ref)
    assert not [t for t, _ in page.tags if t in ("script", "iframe", "object", "embed")]
    assert not [a for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert "@media print" in side_page and "break-inside: avoid" in side_page
    assert len(page.ids) == len(set(page.ids)), "inline SVGs must not share ids"
    # Internal links all land on an element of the page.
    targets = {ref[1:] for _, _, ref in page.refs if ref.startswith("#")}
    assert targets <= set(page.ids)


def test_render_is_deterministic(side: GaitResult, side_page: str) -> None:
    again = GaitResult(json.loads(json.dumps(side.report)), side.tracks)
    assert render_html(again) == side_page
    assert render_html(side) == side_page


def test_back_view_cards_say_not_measurable_without_a_number(back: GaitResult) -> None:
    text = render_html(back)
    page = _Page(text)
    for path, value in page.numbers:
        assert same(value, resolve(back.report, path)), path
    hidden = [k for k, m in back.metrics.items()
              if k != "asymmetry" and not m.get("measurable")]
    assert {"foot_strike", "trunk_lean_deg"} <= set(hidden)
    for key in hidden:
        card = article(text, key)
        assert "Not measurable in this view." in card
        reason = back.metrics[key]["reason"]
        assert reason[:1].upper() + reason[1:] in card
        assert "data-value" not in card and "<svg" not in card and 'class="gauge"' not in card
    quality = text.split('id="quality"')[1]
    for key in hidden:
        assert f'href="#m-{key}"' in quality
    assert 'data-metric="arm_crossover"' in text.split('id="metrics"')[0]
    # Issue 15: both feet's contacts are found from behind (events/frontal.py), so
    # contact time has a card with a number; the subject is drawn.
    assert back.metrics["ground_contact_ms"]["measurable"]
    assert 'data-metric="ground_contact_ms"' in text
    assert 'id="stick-' in text


def test_front_view_renders(tmp_path: Path) -> None:
    _, tracks = synthetic_tracks("front", duration_s=4.0)
    result = build_result(tracks, AnalyzeOptions())
    files = write_html(result, tmp_path)
    assert files == {"html": "report.html"}
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "front view" in text and text.rstrip().endswith("</html>")


def test_result_without_contacts_or_pose_still_renders() -> None:
    _, tracks = synthetic_tracks("side-left", duration_s=3.0)
    still = np.repeat(tracks.image[:1], tracks.n_frames, axis=0)
    standing = LandmarkTracks(still, tracks.world, tracks.time_s, tracks.frame_index,
                              tracks.video, tracks.source)
    result = build_result(standing, AnalyzeOptions())
    assert not result.events["contacts"]
    text = render_html(result)
    assert "No gait events were detected" in text
    assert "No complete gait cycle" in text
    assert "Mid-clip (no gait events)" in text
    assert 'data-metric="cadence_spm"' not in text
    # Nothing at all: no pose in any frame, a report with almost no sections.
    empty = LandmarkTracks(np.full_like(tracks.image, np.nan), tracks.world, tracks.time_s,
                           tracks.frame_index, tracks.video, tracks.source)
    bare = render_html(GaitResult({"schema_version": "1.2", "video": {"path": "a.mp4"}}, empty))
    assert "No metric could be measured" in bare and "No frame has a pose" in bare
    for section in SECTIONS:
        assert f'id="{section}"' in bare


def test_missing_video_says_so_and_keeps_the_stick_figures(side: GaitResult,
                                                           tmp_path: Path) -> None:
    result = GaitResult(json.loads(json.dumps(side.report)), side.tracks)
    out = result.save(tmp_path / "run", formats=("html",))
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "was not available when this page was rendered" in text
    assert 'id="stick-' in text and "<img" not in text
    assert not (out / "keyframes").exists()
    footer = text.split('id="files"')[1]
    for name in ("report.json", "landmarks.npz", "landmarks.csv", "report.html"):
        assert f"<code>{name}</code>" in footer
    assert json.loads((out / "report.json").read_text())["files"]["html"] == "report.html"


def test_band_gauge_positions_and_status() -> None:
    g = band_gauge(170.0, {"low": 160.0, "high": 190.0}, {"left": 168.0, "right": None})
    assert g["status"] == "within" and 0 < g["band"]["left"] < g["value_pos"] < 100
    assert g["band"]["left"] + g["band"]["width"] < 100
    assert [s["side"] for s in g["sides"]] == ["left"]
    assert band_gauge(28.0, {"low": None, "high": 25.0}, {})["status"] == "above"
    open_low = band_gauge(28.0, {"low": None, "high": 25.0}, {})["band"]
    assert open_low["left"] == 0.0 and open_low["open_low"] and not open_low["open_high"]
    assert band_gauge(150.0, {"low": 160.0, "high": None}, {})["status"] == "below"
    zones = band_gauge(15.0, None, {}, (8.0, -1.6))
    assert [z["label"] for z in zones["zones"]] == ["forefoot", "midfoot", "rearfoot"]
    assert zones["zones"][2]["left"] < zones["value_pos"] and zones["status"] is None
    assert band_gauge(5.0, None, {"left": 5.0})["value_pos"] == 50.0


def test_svg_ids_are_prefixed_and_output_is_stable() -> None:
    from gaitcheck.report.svg import Figure

    def draw(name: str) -> str:
        fig = Figure(name, 200, 100, 'a "plot" <x>')
        ax = fig.axes(40, 10, 150, 60)
        ax.line([0, 1], [1, 0], "#0072B2")
        ax.x_axis()
        ax.y_axis()
        return to_svg(fig)

    a, b = draw("one"), draw("two")
    assert a.startswith("<svg ") and 'aria-label="a &quot;plot&quot; &lt;x&gt;"' in a
    assert a == draw("one") and "xmlns" not in a
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    assert ids_a and all(i.startswith("one-") for i in ids_a)
    assert not ids_a & set(re.findall(r'\bid="([^"]+)"', b))
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', a):
        assert ref in ids_a


def test_chosen_contacts_are_capped_and_spread() -> None:
    assert kf.chosen_contacts([{}] * 5) == [0, 1, 2, 3, 4]
    picked = kf.chosen_contacts([{}] * 100)
    assert len(picked) == kf.MAX_CROPS and picked[0] == 0 and picked[-1] == 99
    gaps = np.diff(picked)
    assert gaps.min() >= 4 and gaps.max() <= 5


def test_foot_box_is_square_inside_the_frame() -> None:
    pts = np.array([[100.0, 200.0], [160.0, 210.0], [110.0, 150.0]])
    x0, y0, x1, y1 = kf.foot_box(pts, 720, 1280)
    assert x1 - x0 == y1 - y0 and x0 < 100 and x1 > 160 and y0 < 150 and y1 > 210
    # At the frame's edge the box is shifted inside, not cut.
    x0, y0, x1, y1 = kf.foot_box(pts - [95.0, 0.0], 720, 1280)
    assert x0 == 0 and x1 - x0 == y1 - y0
    assert kf.foot_box(np.array([[1.0, 2.0], [np.nan, np.nan], [np.nan, 3.0]]), 720, 1280) \
        is None


@pytest.fixture(scope="module")
def clip(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory,
         side: GaitResult) -> Path:
    """A test-pattern video as long as the synthetic run, at its frame size."""
    video = side.tracks.video
    path = tmp_path_factory.mktemp("clip") / "run.mp4"
    return make_video(ffmpeg, path, "-preset", "ultrafast", seconds=video.duration_s,
                      size=f"{video.width}x{video.height}", rate=round(video.fps))


def test_keyframes_crops_index_and_embedding(side: GaitResult, clip: Path,
                                             tmp_path: Path) -> None:
    contacts = side.events["contacts"]
    (tmp_path / "keyframes").mkdir()
    (tmp_path / "keyframes" / "ic_999_left.jpg").write_bytes(b"stale")
    (tmp_path / "keyframes" / "notes.txt").write_text("not ours")
    files = kf.extract_keyframes(side, clip, tmp_path)
    assert files == {"keyframes": "keyframes/keyframes.json"}
    index = json.loads((tmp_path / files["keyframes"]).read_text())
    entries = index["keyframes"]
    assert index["note"] is None and 0 < len(entries) == min(len(contacts), kf.MAX_CROPS)
    by_frame = {(c["side"], c["frame"]): c for c in contacts}
    for e in entries:
        assert set(e) >= {"file", "time_s", "frame", "side", "strike"}
        c = by_frame[(e["side"], e["frame"])]
        assert e["strike"] == c["strike"] and e["time_s"] == c["time_s"]
        img = cv2.imread(str(tmp_path / "keyframes" / e["file"]))
        assert img is not None and max(img.shape[:2]) == kf.CROP_SIZE
        assert min(img.shape[:2]) >= kf.CROP_SIZE // 2
    assert not (tmp_path / "keyframes" / "ic_999_left.jpg").exists()
    assert (tmp_path / "keyframes" / "notes.txt").exists()
    write_html(side, tmp_path)
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert text.count('src="data:image/jpeg;base64,') == len(entries)
    assert "keyframes/keyframes.json" in text.split('id="files"')[1]
    for _, _, ref in _Page(text).refs:
        assert ref.startswith(("#", "data:"))


def test_keyframes_index_is_checked_against_the_result(side: GaitResult,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "keyframes"
    folder.mkdir()
    c = side.events["contacts"][0]
    _, jpeg = cv2.imencode(".jpg", np.full((40, 40, 3), 128, np.uint8))
    (folder / "ic_000_left.jpg").write_bytes(jpeg.tobytes())
    (tmp_path / "secret.jpg").write_bytes(jpeg.tobytes())
    entries = [{"file": "ic_000_left.jpg", "frame": c["frame"], "side": c["side"],
                "time_s": c["time_s"], "strike": c["strike"]},
               {"file": "ic_000_left.jpg", "frame": 12345.5, "side": "left",
                "time_s": 1.0, "strike": "rearfoot"},  # another analysis's contact
               {"file": "../secret.jpg", "frame": c["frame"], "side": c["side"],
                "time_s": c["time_s"], "strike": c["strike"]}]
    (folder / "keyframes.json").write_text(json.dumps({"keyframes": entries}))
    text = render_html(side, tmp_path)
    assert text.count("data:image/jpeg;base64,") == 1


def test_unreadable_video_gives_a_note_not_an_error(side: GaitResult, tmp_path: Path) -> None:
    bogus = tmp_path / "broken.mp4"
    bogus.write_bytes(b"this is not a video" * 100)
    files = kf.extract_keyframes(side, bogus, tmp_path)
    index = json.loads((tmp_path / files["keyframes"]).read_text())
    assert index["keyframes"] == [] and "could not be read" in index["note"]
    assert "could not be read" in render_html(side, tmp_path)
