"""The SVG kit of the report (gaitcheck.report.svg) and the figures drawn with it."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report.plots import SIDE_COLOURS, stride_plot, timeline_plot
from gaitcheck.report.plots_body import cycle_panels, cycle_plot, stick_figures
from gaitcheck.report.svg import MINUS, Figure, esc, nice_ticks, num, tick_label, to_svg
from gaitcheck.result import GaitResult
from helpers import synthetic_tracks

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The figure as XML, checking the contract of an inline figure on the way."""
    assert svg.startswith('<svg class="plot" role="img" aria-label="')
    assert "xmlns" not in svg and "<?xml" not in svg and "http" not in svg
    assert "<script" not in svg and "href" not in svg
    root = ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))
    w, h = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {num(w)} {num(h)}" and w > 50 and h > 50
    # At most 2 decimals in every attribute (geometry): the page stays small.
    assert not [v for v in re.findall(r'="([^"]*)"', svg) if re.search(r"\d\.\d{3}", v)]
    return root


def ids(svg: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', svg)


def polylines(root: ET.Element, colour: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}polyline") if e.get("stroke") == colour]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{NS}text")]


def simple(name: str, title: str = "a plot") -> str:
    fig = Figure(name, 300, 200, title)
    ax = fig.axes(50, 10, 200, 150)
    ax.set_xlim(0, 10)
    ax.set_ylim(-1, 1)
    ax.line([0, 5, 10], [1, -1, 0.5], "#123456", label="curve")
    ax.x_axis(label="x")
    ax.y_axis(label="y")
    fig.legend(ax.legend_items, ax)
    return to_svg(fig)


@pytest.mark.parametrize(("lo", "hi", "most", "expected"), [
    (0, 7.3, 5, [0, 2, 4, 6]),
    (0, 8, 5, [0, 2, 4, 6, 8]),
    (0, 8, 9, [0, 1, 2, 3, 4, 5, 6, 7, 8]),
    (-103.5, 22.0, 7, [-100, -80, -60, -40, -20, 0, 20]),
    (0.11, 0.42, 4, [0.2, 0.3, 0.4]),
    (7.3, 0, 5, [0, 2, 4, 6]),
    (3, 3, 5, [3]),
])
def test_nice_ticks(lo: float, hi: float, most: int, expected: list[float]) -> None:
    assert nice_ticks(lo, hi, most) == pytest.approx(expected)


def test_nice_ticks_are_1_2_5_steps_and_integers_when_asked() -> None:
    rng = np.random.default_rng(1)
    for _ in range(300):
        lo = float(rng.uniform(-50, 50))
        hi = lo + float(10 ** rng.uniform(-2, 3))
        most = int(rng.integers(3, 10))
        ticks = nice_ticks(lo, hi, most)
        assert 1 <= len(ticks) <= most and lo - 1e-9 <= ticks[0] and ticks[-1] <= hi + 1e-9
        if len(ticks) > 1:
            step = ticks[1] - ticks[0]
            mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
            assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6
            assert np.allclose(np.diff(ticks), step)
        whole = nice_ticks(lo, lo + float(rng.uniform(0, 6)), most, integer=True)
        assert all(t == int(t) for t in whole)
    assert nice_ticks(0.9, 3.1, 8, integer=True) == [1, 2, 3]
    assert nice_ticks(math.nan, 1) == []


def test_numbers_and_tick_labels() -> None:
    assert [num(v) for v in (1.0, 2.5, 3.14159, -0.001, 100.0, -2.499)] == \
        ["1", "2.5", "3.14", "0", "100", "-2.5"]
    ticks = nice_ticks(-0.3, 0.3, 7)
    assert [tick_label(t, ticks) for t in ticks] == \
        [f"{MINUS}0.3", f"{MINUS}0.2", f"{MINUS}0.1", "0.0", "0.1", "0.2", "0.3"]
    assert tick_label(20.0, [0.0, 20.0, 40.0]) == "20"


def test_data_to_pixel_mapping() -> None:
    ax = Figure("map", 300, 200).axes(50, 10, 200, 100)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    assert float(ax.px(5)) == 150 and float(ax.px(0)) == 50 and float(ax.px(10)) == 250
    # y points up: the bottom limit is at the bottom edge of the box.
    assert float(ax.py(0)) == 110 and float(ax.py(5)) == 10 and float(ax.py(2.5)) == 60
    ax.set_ylim(5, 0)  # image rows: y grows downward
    assert float(ax.py(0)) == 10 and float(ax.py(5)) == 110
    ax.set_ylim(0, 20)
    ax.set_aspect_equal()  # 20 px per unit on x, 5 on y: x is widened
    assert ax.ylim == (0, 20) and ax.xlim == pytest.approx((-15, 25))
    assert float(ax.px(1)) - float(ax.px(0)) == pytest.approx(float(ax.py(0)) - float(ax.py(1)))


def test_nan_breaks_lines_and_areas() -> None:
    fig = Figure("gaps", 300, 200)
    ax = fig.axes(50, 10, 200, 150)
    ax.set_xlim(0, 6)
    ax.set_ylim(0, 10)
    ax.line([1, 2, 3, 4, 5], [1, 2, math.nan, 4, 5], "#111111", marker="o")
    ax.line([1, 2, 3], [1, math.nan, 3], "#222222")  # no two neighbours: no line at all
    ax.fill_between([1, 2, 3, 4, 5], [0, 0, math.nan, 0, 0], [1, 2, 3, 4, 5], "#333333")
    root = parse(to_svg(fig))
    assert len(polylines(root, "#111111")) == 2 and not polylines(root, "#222222")
    assert len(root.findall(f".//{NS}polygon")) == 2
    assert len(root.findall(f".//{NS}circle")) == 4  # markers at the finite points only


def test_shapes_are_clamped_to_the_axes() -> None:
    fig = Figure("clamp", 300, 200)
    ax = fig.axes(50, 10, 200, 100)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.hband(None, 5, "#2e9e5b")  # open below: down to the bottom edge
    ax.hline(50, "#444444")  # outside the limits: not drawn
    ax.vline(5, "#555555", dash="4 3")
    root = parse(to_svg(fig))
    band = root.find(f"{NS}rect")
    assert band is not None
    assert [float(band.get(k)) for k in ("x", "y", "width", "height")] == [50, 60, 200, 50]
    assert not polylines(root, "#444444")
    (v,) = polylines(root, "#555555")
    assert v.get("points") == "150,110 150,10" and v.get("stroke-dasharray") == "4 3"


def test_text_is_escaped_and_output_is_stable_with_prefixed_ids() -> None:
    assert esc('a & <b> "c"') == "a &amp; &lt;b&gt; &quot;c&quot;"
    one = simple("one", 'a "plot" <x> & y')
    assert one.startswith('<svg class="plot" role="img" '
                          'aria-label="a &quot;plot&quot; &lt;x&gt; &amp; y" ')
    fig = Figure("esc", 200, 100)
    fig.text(100, 50, "<b> & </b>")
    root = parse(to_svg(fig))
    assert texts(root) == ["<b> & </b>"]
    assert one == simple("one", 'a "plot" <x> & y')
    two = simple("two")
    for name, svg in (("one", one), ("two", two)):
        parse(svg)
        assert ids(svg) and all(i.startswith(f"{name}-") for i in ids(svg))
    assert not set(ids(one)) & set(ids(two))
    assert {"curve", "x", "y"} <= set(texts(parse(one)))


def test_stride_plot_with_a_gap() -> None:
    per_side = {"left": {"per_stride": [300.0, 310.0, None, 305.0, 320.0]},
                "right": {"per_stride": [290.0, 295.0, 300.0]}}
    svg = stride_plot("stride-x", per_side, "ms", 303.0, {"low": 180.0, "high": None})
    assert svg is not None and svg == stride_plot("stride-x", per_side, "ms", 303.0,
                                                  {"low": 180.0, "high": None})
    root = parse(svg)
    assert ids(svg) == ["stride-x-plot"]
    assert len(polylines(root, SIDE_COLOURS["left"])) == 2
    assert len(polylines(root, SIDE_COLOURS["right"])) == 1
    words = texts(root)
    assert {"left (n=4)", "right (n=3)", "typical range", "overall", "ms",
            "stride (per side, in time order)"} <= set(words)
    x_ticks = [e.text for g in root.iter(f"{NS}g") if g.get("text-anchor") == "middle"
               for e in g]
    assert x_ticks and all(t.isdigit() and 1 <= int(t) <= 5 for t in x_ticks)
    # Markers: circles on the left, squares on the right (legend handles included).
    assert len(root.findall(f".//{NS}circle")) == 4 + 1
    assert stride_plot("s", {"left": {"per_stride": [None]}}, "ms", None, None) is None
    assert stride_plot("s", {"left": {"per_stride": [5.0]}}, "deg", 5.0, None) is not None


def _contact(t: float, side: str, strike: str | None, inferred: bool = False) -> dict:
    return {"time_s": t, "side": side, "strike": strike, "strike_inferred": inferred}


def test_timeline_plot() -> None:
    events = {"contacts": [_contact(0.2, "right", "rearfoot"), _contact(0.55, "left", "forefoot"),
                           _contact(0.9, "right", "midfoot", inferred=True),
                           _contact(1.25, "left", None)],
              "toe_offs": [{"time_s": 0.45, "side": "right"}, {"time_s": 0.8, "side": "left"}]}
    svg = timeline_plot(events, 1.6)
    assert svg is not None
    root = parse(svg)
    assert ids(svg) == ["timeline-plot"]
    words = texts(root)
    assert [w for w in words if w in "RMF?"] == ["F", "?", "R", "M"]
    assert {"left", "right", "time (s)"} <= set(words)
    groups = [g for g in root.iter(f"{NS}g") if g.find(f"{NS}path") is not None]
    hollow = [g for g in groups if g.get("fill") == "#fff"]
    assert len(hollow) == 1 and hollow[0].get("stroke") == SIDE_COLOURS["right"]
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill-opacity") == "0.25"]
    assert len(bars) == 4  # one stance per contact, shaded
    assert timeline_plot({"contacts": [], "toe_offs": []}, 3.0) is None
    many = {"contacts": [_contact(0.1 * k, ("left", "right")[k % 2], "rearfoot")
                         for k in range(41)], "toe_offs": []}
    assert 'font-size="7.5"' in timeline_plot(many, None)


def _panel(title: str, toe_off: float | None = 62.0) -> dict:
    pct = np.linspace(0, 100, 101)
    mean = 20 * np.sin(pct / 16)
    mean[40:43] = np.nan
    return {"series": title, "title": title,
            "sides": {s: {"percent": pct, "mean": mean + k, "sd": np.full(101, 3.0),
                          "n_strides": 4, "toe_off_pct": toe_off}
                      for k, s in enumerate(("left", "right"))}}


def test_cycle_plot_grid_and_legend() -> None:
    svg = cycle_plot([_panel("Knee <one>"), _panel("Hip"), _panel("Trunk", None)])
    assert svg is not None
    root = parse(svg)
    assert ids(svg) == ["cycle-plot"] and root.get("width") == "960"
    words = texts(root)
    assert {"Knee <one>", "Hip", "Trunk"} <= set(words)
    assert words.count("left mean ± SD") == 1 and words.count("right toe-off") == 1
    assert words.count("degrees") == 3
    # The x label under the lowest panel of each column (two columns).
    assert sum(w.startswith("% of gait cycle") for w in words) == 2
    # Mean lines break at the NaN; bands too; toe-offs dashed in two panels.
    assert len(polylines(root, SIDE_COLOURS["left"])) == 3 * 2 + 2
    assert len([e for e in root.iter(f"{NS}polyline") if e.get("stroke-dasharray")]) == 4
    assert len(list(root.iter(f"{NS}polygon"))) == 3 * 2 * 2
    assert cycle_plot([]) is None
    assert parse(cycle_plot([_panel("Lateral lean")])).get("width") == "580"


@pytest.fixture(scope="module")
def side() -> GaitResult:
    _, tracks = synthetic_tracks("side-left", duration_s=4.0)
    return build_result(tracks, AnalyzeOptions())


def test_stick_figures_and_cycle_panels_of_a_run(side: GaitResult) -> None:
    out = stick_figures(side)
    assert out is not None and set(out) == {"svg", "side", "snapshots"}
    assert [s["label"] for s in out["snapshots"]] == ["Initial contact", "Mid-stance", "Toe-off"]
    root = parse(out["svg"])
    assert ids(out["svg"]) == ["stick-plot"] and root.get("width") == "720"
    words = texts(root)
    for snap in out["snapshots"]:
        assert snap["label"] in words and f"{snap['time_s']:.2f} s" in words
    heads = [c for c in root.iter(f"{NS}circle") if c.get("fill") == "none"]
    assert len(heads) == 3
    lines = list(root.iter(f"{NS}polyline"))
    assert all(e.get("stroke-linecap") == "round" for e in lines if e.get("stroke") != "#6b7785"
               or e.get("stroke-width") != "0.8")
    stance = SIDE_COLOURS[out["side"]]
    assert any(e.get("stroke") == stance and e.get("stroke-width") == "4" for e in lines)
    # The ground line sits under the lowest foot point of each panel.
    assert sum(e.get("stroke-width") == "0.8" for e in lines) == 3
    panels = cycle_panels(side)
    assert panels and parse(cycle_plot(panels)) is not None
