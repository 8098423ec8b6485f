"""Issue 15: an uncertainty on every metric, findings only beyond it, asymmetry that
means asymmetry, sourced bands and cues.

On landmark tracks of the synthetic runner with realistic artefacts (jitter, dropped
frames, leg swaps, far-foot errors, stride-to-stride variability): fast, no pose model;
and on the shared real clip and its mirror through the pose model (../shared/videos).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from gaitcheck.analysis import Analysis, analyze_tracks
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.findings import band_status
from gaitcheck.metrics.systematic import FLOOR_SCALE, event_time_floor, load_systematic
from gaitcheck.metrics.uncertainty import statistical_half_width
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks
from helpers import shared_video

SEEDS = range(5)


def run(view: str, seed: int, **params) -> Analysis:
    """A synthetic runner with realistic artefacts and stride-to-stride variability."""
    gait = GaitParams(seed=seed, step_time_cv=0.02, angle_sd_deg=1.5, duration_s=12.0,
                      **params)
    camera = camera_for_view(view, subject_height_m=gait.body_height_m, fps=gait.fps,
                             fill=0.6)
    tracks = motion_to_tracks(generate_motion(gait), camera, Artefacts.realistic(),
                              seed=seed)
    return analyze_tracks(tracks)


def serious(analysis: Analysis) -> list[dict]:
    return [f for f in analysis.findings if f["severity"] in ("mild", "moderate")]


def test_t_interval_and_floors() -> None:
    values = [10.0, 12.0, 11.0, 13.0]
    half, n = statistical_half_width(values)
    sd = float(np.std(values, ddof=1))
    assert n == 4 and half == pytest.approx(stats.t.ppf(0.975, 3) * sd / 2)
    assert math.isnan(statistical_half_width([1.0, 2.0])[0])  # too few values
    table = json.loads((Path(__file__).parents[1] / "gaitcheck" / "metrics"
                        / "systematic.json").read_text())["metrics"]
    changes = [v for k, v in table["trunk_lean_deg"]["per_transform"].items()
               if not k.endswith("-half")]
    assert REGISTRY["trunk_lean_deg"].uncertainty_floor == pytest.approx(
        FLOOR_SCALE * float(np.median(changes)), abs=1e-3)
    assert REGISTRY["trunk_lean_deg"].floor_origin == "measured"
    # Every side-view metric is measured by the suite; frontal-only ones fall back.
    assert REGISTRY["arm_swing_deg"].floor_origin == "measured"
    assert REGISTRY["arm_crossover"].floor_origin == "fallback"
    assert load_systematic(Path("/nonexistent/systematic.json")) == {}
    # The single pass started later is part of the measured spread.
    assert any(k.endswith("/start+3") for k in table["knee_flexion_ic_deg"]["per_transform"])
    assert 0 < event_time_floor() < 2.0


def test_band_status_needs_the_whole_interval_outside() -> None:
    band = {"low": None, "high": 14.5}
    assert band_status(16.0, [15.0, 17.0], band) == "above"
    assert band_status(16.0, [14.0, 18.0], band) == "borderline"
    assert band_status(16.0, None, band) == "borderline"
    assert band_status(10.0, [9.0, 11.0], band) == "inside"
    assert band_status(150.0, [148.0, 152.0], {"low": 155.0, "high": None}) == "below"


@pytest.mark.parametrize("view", ["side-left", "side-right", "back", "front"])
def test_healthy_runners_have_no_findings(view: str) -> None:
    for seed in SEEDS:
        a = run(view, seed)
        assert not serious(a), (view, seed, serious(a))
        for key, m in a.metrics.items():
            if m.measurable and m.value is not None and (m.uncertainty or {}).get("n", 0) >= 3:
                lo, hi = m.ci95
                assert lo <= m.value <= hi, key


@pytest.mark.parametrize(("key", "views", "params"), [
    ("trunk_lean_deg", ("side-left", "side-right"), {"trunk_lean_deg": 20.0}),
    ("cadence_spm", ("side-left", "side-right"), {"cadence_spm": 150.0, "speed_mps": 2.7}),
    ("arm_crossover", ("back",), {"arm_crossover": 0.3}),
])
def test_one_real_deviation_is_found(key: str, views: tuple[str, ...], params: dict) -> None:
    runs = [run(v, s, **params) for v in views for s in SEEDS]
    hits = [a for a in runs if any(f["metric"] == key for f in serious(a))]
    assert len(hits) >= 0.9 * len(runs), key
    finding = next(f for f in hits[0].findings if f["metric"] == key)
    # How sure, on what evidence, and what to try.
    assert finding["ci95"] and finding["evidence"]["view"] and finding["certainty"]
    assert "coach" in finding["cue"]
    # Nothing else fires.
    assert all({f["metric"] for f in serious(a)} == {key} for a in hits)


@pytest.mark.parametrize(("key", "params"), [
    ("head_forward_deg", {"head_forward_deg": 35.0}),
    ("overstride_pct", {"overstride_pct": 35.0}),
])
def test_deviation_without_a_published_band_is_measured_not_judged(key: str,
                                                                   params: dict) -> None:
    """Head forward and overstride have no published band for what gaitcheck measures
    (the registry's ``band_note`` says which sources were checked), so a deviated runner
    gets no finding; the deviation is still measured: on every seed its whole interval
    lies above the healthy runner's."""
    entry = REGISTRY[key]
    assert entry.band is None and entry.cue is None and entry.band_note
    for view in ("side-left", "side-right"):
        for seed in SEEDS:
            deviated, healthy = run(view, seed, **params), run(view, seed)
            assert key not in {f["metric"] for f in deviated.findings}, (view, seed)
            assert deviated.metrics[key].ci95[0] > healthy.metrics[key].ci95[1], (view, seed)


def test_side_view_asymmetry_only_on_seen_timing() -> None:
    a = run("side-left", 0)
    si = a.asymmetry
    for name in ("arm_swing", "knee_flexion_ic", "foot_strike_angle"):
        assert not si[name]["measurable"] and "not measurable in this view" in \
            si[name]["reason"]
    seen = si["contact_time"]
    if seen["measurable"]:
        assert seen["n_left"] >= 4 and seen["n_right"] >= 4
        assert seen["ci95"][0] <= seen["si_pct"] <= seen["ci95"][1]
    report = a.report_sections()
    assert report["metrics"]["trunk_lean_deg"]["ci95"] == a.metrics["trunk_lean_deg"].ci95
    assert "ci95" in report["metrics"]["ground_contact_ms"]["per_side"]["left"]


def test_values_read_at_an_event_carry_its_timing() -> None:
    """Knee flexion at contact carries the contacts' systematic timing, propagated through
    how fast the knee flexes there; trunk lean (a mean over the clip) does not. At 60 fps
    the same timing floor in frames is half the time, so the knee's share is smaller."""
    timing = {}
    for fps in (30.0, 60.0):
        a = run("side-left", 0, fps=fps)
        knee = a.metrics["knee_flexion_ic_deg"]
        u = knee.uncertainty
        timing[fps] = u["event_timing_half_width"]
        assert timing[fps] > 0 and "event timing" in u["method"]
        half = math.sqrt(u["statistical_half_width"] ** 2 + u["systematic_floor"] ** 2
                         + timing[fps] ** 2)
        assert knee.ci95 == pytest.approx([knee.value - half, knee.value + half], abs=2e-3)
        assert "event_timing_half_width" not in a.metrics["trunk_lean_deg"].uncertainty
        assert "event_timing_half_width" not in knee.to_dict()  # only in the block
    assert timing[60.0] < timing[30.0]


def _shared_findings(landmarks: dict[str, Path], videos: dict[str, Path] | None = None
                     ) -> dict[str, set[str]]:
    """The serious findings of each landmarks file, re-analysed from the landmarks alone
    or, with ``videos``, with the scene lines measured on the video again."""
    from gaitcheck.tracks.io import load_tracks
    from gaitcheck.tracks.tracks import LandmarkTracks
    from gaitcheck.video.lines import scene_lines_from_video

    out = {}
    for name, npz in landmarks.items():
        tracks = load_tracks(npz)
        if videos is not None:  # as `gaitcheck analyze` sees it: with the scene's lines
            lines = scene_lines_from_video(videos[name], tracks)
            tracks = LandmarkTracks(tracks.image, tracks.world, tracks.time_s,
                                    tracks.frame_index, tracks.video,
                                    tracks.source | {"scene_lines": lines})
        out[name] = {f["metric"] for f in serious(analyze_tracks(tracks))}
    return out


@pytest.mark.slow
@pytest.mark.shared
def test_shared_clip_and_its_mirror_agree(pose_run, treadmill_mirror: Path) -> None:
    """Re-analysed from landmarks alone (`gaitcheck analyze --landmarks`) and with the
    video's scene lines. Pose runs on the shared clip (the session's run, which the other
    real-clip tests share) and on its mirror, made as the consistency benchmark makes it
    (the landmarks were bit-identical to the benchmark's cache when this test moved off
    it). The closest call is the knee at contact, borderline on both: measured 11.5°
    (interval 7.8-15.3°) on the clip and 10.5° (7.4-13.7°) on the mirror, against the
    band's lower end of 10°; the mirror's contacts come 0.05 frame from the clip's.
    Before canonical facing they came 0.9 frame early and the knee read 3.8° straighter:
    the contacts' timing uncertainty (metrics/event_timing) kept that from becoming a
    finding the clip itself did not have."""
    from gaitcheck.pipeline import AnalyzeOptions

    videos = {"base": shared_video("treadmill_side_30fps.mp4"), "mirror": treadmill_mirror}
    # The mirror's run writes no HTML or CSV: only its landmarks are read.
    outputs = {"base": pose_run(videos["base"], AnalyzeOptions(max_people=1)),
               "mirror": pose_run(videos["mirror"], AnalyzeOptions(max_people=1, formats=()))}
    landmarks = {name: out.out_dir / "landmarks.npz" for name, out in outputs.items()}
    for out in (_shared_findings(landmarks), _shared_findings(landmarks, videos)):
        assert out["base"] == out["mirror"]
        # The hand-marked angles (trunk 3.8 ± 3°, head 31.7 ± 5°) contradict any trunk
        # or head finding: there is none.
        assert not out["base"] & {"trunk_lean_deg", "head_forward_deg"}


def test_metric_card_says_why_there_is_no_band() -> None:
    """The HTML card of a metric without a band gives the reason and its sources; a
    metric with a band shows the band instead."""
    import html

    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.report.html import render_html
    from helpers import synthetic_tracks

    _, tracks = synthetic_tracks("side-left", duration_s=6.0)
    page = html.unescape(render_html(build_result(tracks, AnalyzeOptions())))
    for key in ("head_forward_deg", "overstride_pct"):
        card = page[page.index(f'id="m-{key}"'):]
        card = card[:card.index("</article>")]
        assert "none, so no verdict" in card and "doi:10." in card, key
        assert REGISTRY[key].band_note in card
    trunk = page[page.index('id="m-trunk_lean_deg"'):]
    assert "no verdict" not in trunk[:trunk.index("</article>")]
