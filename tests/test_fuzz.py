"""Property tests: cleaning, events, analysis and the report never raise on hostile tracks.

Random NaN patterns (dropped frames, missing landmarks, whole body parts gone), degenerate
tracks (0-3 frames, constant, all NaN, huge or negative coordinates, irregular clocks) and
random views/overrides: every stage returns, says what it could not do in warnings, leaves
unmeasurable metrics null, and the report is standard JSON (no NaN). Bounded examples keep
the module under a minute.
"""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitcheck.analysis import RecordingFacts, analyze_tracks
from gaitcheck.events import detect_gait_events
from gaitcheck.landmarks import BODY_PARTS, N_LANDMARKS
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.tracks import LandmarkTracks
from helpers import synthetic_tracks

FUZZ = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VIEWS = [None, "side", "side-left", "side-right", "front", "back", "oblique"]


@lru_cache(maxsize=4)
def _base(view: str) -> LandmarkTracks:
    """A 4 s synthetic runner (120 frames at 30 fps) with realistic pose artefacts."""
    from gaitcheck.synth.artefacts import Artefacts

    return synthetic_tracks(view, Artefacts.realistic(), seed=3, duration_s=4.0)[1]


@st.composite
def hostile_tracks(draw: st.DrawFn) -> LandmarkTracks:
    """Synthetic tracks cut, holed, scaled and re-timed at random."""
    base = _base(draw(st.sampled_from(["side-left", "side-right", "back"])))
    n0 = base.n_frames
    length = draw(st.sampled_from([0, 1, 2, 3, 12, 60, n0, n0, n0]))
    a = draw(st.integers(0, n0 - length))
    b = a + length
    image, world = base.image[a:b].copy(), base.world[a:b].copy()
    n = b - a
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    if n:
        kind = draw(st.sampled_from(["none", "frames", "points", "parts", "all", "const",
                                     "huge", "vis"]))
        if kind == "frames":  # dropped frames: whole rows NaN
            image[rng.random(n) < draw(st.floats(0.0, 1.0))] = np.nan
        elif kind == "points":  # missing landmarks, scattered
            image[rng.random((n, N_LANDMARKS)) < draw(st.floats(0.0, 1.0))] = np.nan
        elif kind == "parts":  # whole body parts never seen
            for part in draw(st.lists(st.sampled_from(sorted(BODY_PARTS)), max_size=8)):
                image[:, BODY_PARTS[part]] = np.nan
                world[:, BODY_PARTS[part]] = np.nan
        elif kind == "all":
            image[:] = np.nan
            world[:] = np.nan
        elif kind == "const":  # a frozen pose
            image[:] = image[:1]
            world[:] = world[:1]
        elif kind == "huge":  # far outside the image, or mirrored to negative coordinates
            image[..., :3] = image[..., :3] * draw(st.sampled_from([-1.0, 1e3, 1e6, -1e6]))
        elif kind == "vis":  # random visibility and presence scores
            image[..., 3:] = rng.random((n, N_LANDMARKS, 2))
    clock = draw(st.sampled_from(["regular", "jitter", "gaps", "fast", "slow"]))
    dt = {"regular": np.full(n, 1 / 30), "jitter": (1 + 0.5 * rng.random(n)) / 30,
          "gaps": np.where(rng.random(n) < 0.1, 0.5, 1 / 30), "fast": np.full(n, 1 / 240),
          "slow": np.full(n, 0.5)}[clock]
    time_s = np.cumsum(dt) - dt[:1].sum() if n else np.zeros(0)
    return LandmarkTracks(image.astype(np.float32), world.astype(np.float32), time_s,
                          np.arange(a, b, dtype=np.int64), base.video, dict(base.source))


def _nonfinite(obj: object, path: str = "") -> list[str]:
    """Paths of NaN/inf floats in a JSON-like object."""
    if isinstance(obj, float):
        return [] if np.isfinite(obj) else [path]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _nonfinite(v, f"{path}.{k}")]
    if isinstance(obj, list | tuple):
        return [p for i, v in enumerate(obj) for p in _nonfinite(v, f"{path}[{i}]")]
    return []


def _json(obj: object) -> str:
    assert not _nonfinite(obj), _nonfinite(obj)
    return json.dumps(obj, allow_nan=False)


@FUZZ
@given(tracks=hostile_tracks(), activity=st.sampled_from([None, "run", "walk"]))
def test_clean_tracks_never_raises(tracks: LandmarkTracks, activity: str | None) -> None:
    result = clean_tracks(tracks, activity)
    assert result.tracks.image.shape == tracks.image.shape
    assert result.interpolated.shape == tracks.image.shape[:2]
    _json(result.report)
    if not tracks.detected.any():
        assert not np.isfinite(result.tracks.image[..., :2]).any()


@FUZZ
@given(tracks=hostile_tracks(), facing=st.sampled_from(["left", "right"]),
       activity=st.sampled_from([None, "run", "walk"]))
def test_detect_gait_events_never_raises(tracks: LandmarkTracks, facing: str,
                                         activity: str | None) -> None:
    events = detect_gait_events(tracks, facing, activity)
    _json(events.to_dict())
    if tracks.n_frames < 3 or not tracks.detected.any():
        assert not events.contacts and events.warnings
    times = [e.time_s for e in events.contacts]
    assert times == sorted(times)


def _check_metrics(metrics: dict, nothing_measurable: bool) -> None:
    for key, m in metrics.items():
        if key == "asymmetry":
            continue
        assert m["value"] is None or np.isfinite(m["value"]), key
        if nothing_measurable:
            assert m["value"] is None and not m["measurable"], key
        if m["value"] is None:
            assert not m["measurable"] or m.get("per_side") is not None, key


@FUZZ
@given(tracks=hostile_tracks(), view=st.sampled_from(VIEWS),
       setting=st.sampled_from([None, "treadmill", "overground"]),
       height=st.sampled_from([None, 150.0, 200.0]))
def test_analyze_tracks_never_raises(tracks: LandmarkTracks, view: str | None,
                                     setting: str | None, height: float | None) -> None:
    analysis = analyze_tracks(tracks, RecordingFacts(view, setting, height))
    sections = analysis.report_sections()
    _json({k: v for k, v in sections.items() if k != "metrics"} | {
        "metrics": {k: v for k, v in sections["metrics"].items()}})
    _check_metrics(sections["metrics"], not tracks.detected.any())


@FUZZ
@given(tracks=hostile_tracks(), view=st.sampled_from(VIEWS),
       setting=st.sampled_from([None, "treadmill", "overground"]),
       truncated=st.booleans(), others=st.integers(0, 5))
def test_build_result_report_is_standard_json(tracks: LandmarkTracks, view: str | None,
                                              setting: str | None, truncated: bool,
                                              others: int) -> None:
    result = build_result(tracks, AnalyzeOptions(view=view, setting=setting), truncated,
                          others)
    text = result.to_json()
    report = json.loads(text)
    quality = report["quality"]
    assert quality["frames"] == tracks.n_frames
    _check_metrics(report["metrics"], not tracks.detected.any())
    codes = {w["code"] for w in quality["warnings"]}
    if tracks.n_frames < 10:
        assert "too_few_frames" in codes
    if truncated:
        assert "video_truncated" in codes


@pytest.mark.parametrize("times", [[0.0, 0.1, 0.1], [0.0, 0.2, 0.1], [0.0, np.nan, 0.2]])
def test_irregular_clocks_are_rejected_by_the_container(times: list[float]) -> None:
    """Duplicate, backwards or NaN timestamps never reach the analysis: the container
    refuses them (the video reader never produces them)."""
    base = _base("side-left")
    n = len(times)
    with pytest.raises(ValueError, match="strictly increasing"):
        dataclasses.replace(base, image=base.image[:n], world=base.world[:n],
                            time_s=np.asarray(times), frame_index=base.frame_index[:n])


def test_frames_missing_from_the_file_split_the_analysis() -> None:
    """A damaged stretch leaves a gap in time (rows absent, not NaN): no step, stride or
    contact time may span it, and the cadence stays the runner's."""
    _, tracks = synthetic_tracks("side-left", duration_s=8.0)
    keep = np.r_[0:100, 130:tracks.n_frames]  # 1 s of frames missing
    cut = dataclasses.replace(tracks, image=tracks.image[keep], world=tracks.world[keep],
                              time_s=tracks.time_s[keep], frame_index=tracks.frame_index[keep])
    events = detect_gait_events(cut, "left")
    assert len(events.segments) == 2
    assert any(w.code == "time_gaps" and "gaps in time" in w.message for w in events.warnings)
    report = json.loads(build_result(cut, AnalyzeOptions()).to_json())
    metrics = report["metrics"]
    assert metrics["cadence_spm"]["value"] == pytest.approx(170.0, abs=1.5)
    steps = [v for s in ("left", "right")
             for v in metrics["step_time_ms"]["per_side"][s]["per_stride"]]
    assert max(steps) < 420  # 60 000 / 170 = 353 ms; none spans the missing second
    contact = [v for s in ("left", "right")
               for v in metrics["ground_contact_ms"]["per_side"][s]["per_stride"]]
    assert max(contact) < 400
