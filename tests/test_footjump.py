"""Whole-foot jumps (gaitcheck.tracks.footjump): a foot, ankle included, drawn elsewhere for
a frame or two. Unit tests on synthetic tracks with injected jumps, and the issue 13 repro
(4 s rendered runner, where MediaPipe misplaces landing feet) end to end."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.footjump import FOOT_CHAIN, detect_foot_jumps, foot_jump_frames
from helpers import synthetic_tracks

FOOT = {s: [LM[f"{s}_{p}"] for p in FOOT_CHAIN] for s in ("left", "right")}


def _shank(xy: np.ndarray, side: str) -> float:
    return float(np.nanmedian(np.linalg.norm(xy[:, LM[f"{side}_knee"]]
                                             - xy[:, LM[f"{side}_ankle"]], axis=-1)))


def _with_jumps(tracks, jumps: list[tuple[int, int, str, tuple[float, float]]]):
    """``tracks`` with whole feet moved by (dx, dy) shank lengths in frames [a, b)."""
    xy = tracks.xy_px()
    image = tracks.image.copy()
    scale = np.array([tracks.video.width, tracks.video.height], float)
    for a, b, side, (dx, dy) in jumps:
        shift = np.array([dx, dy]) * _shank(xy, side) / scale
        image[a:b, FOOT[side], :2] += shift.astype(np.float32)
    return dataclasses.replace(tracks, image=image)


def _found(mask: np.ndarray, side: str) -> list[int]:
    return np.flatnonzero(mask[:, LM[f"{side}_ankle"]]).tolist()


@pytest.fixture(scope="module")
def run():
    return synthetic_tracks("side-left", Artefacts(jitter_rel=0.003), seed=3, duration_s=4.0)[1]


def _quiet_start(tracks, side: str, length: int, lo: int, hi: int) -> int:
    """Start in [lo, hi) of the ``length``-frame run whose surrounding frames move least
    (a landing: the foot reverses there; MediaPipe's misplaced feet were all there)."""
    xy = tracks.xy_px()
    v = np.linalg.norm(np.diff(xy[:, FOOT[side]].mean(axis=1), axis=0), axis=-1)
    t = np.arange(lo, hi)
    return int(t[np.argmin(np.maximum(v[t - 2], v[t + length]))])


def test_injected_jumps_are_found_exactly(run) -> None:
    # One-frame and two-frame jumps of 0.35-0.4 shank lengths at landings (the sizes
    # MediaPipe produced on the rendered repro), one onto the other foot, and a
    # 1.5-shank one mid-swing.
    xy = run.xy_px()
    a, b = _quiet_start(run, "left", 1, 5, 30), _quiet_start(run, "left", 2, 35, 55)
    c = _quiet_start(run, "right", 1, 60, 80)
    onto = (xy[c, LM["left_ankle"]] - xy[c, LM["right_ankle"]]) / _shank(xy, "right")
    jumps = [(a, a + 1, "left", (0.0, -0.4)), (b, b + 2, "left", (0.35, -0.2)),
             (c, c + 1, "right", tuple(onto)), (100, 101, "left", (1.5, 0.0))]
    mask = detect_foot_jumps(_with_jumps(run, jumps).xy_px())
    assert _found(mask, "left") == [a, b, b + 1, 100]
    assert _found(mask, "right") == [c]
    # The whole foot, nothing else.
    assert (mask[:, FOOT["left"][0]] == mask[:, FOOT["left"][1]]).all()
    assert mask.sum() == 3 * 5


def test_no_jumps_on_real_motion() -> None:
    # Exact and jittery synthetic feet at various speeds and cadences: their paths bend
    # (landing, toe-off, swing) but never jump.
    fast = {"speed_mps": 4.5, "cadence_spm": 180, "contact_time_ms": 200}
    for view, params in (("side-left", {}), ("side-right", fast),
                         ("side-left", {"cadence_spm": 150, "speed_mps": 2.5}),
                         ("oblique", {}), ("front", {})):
        for art in (None, Artefacts(jitter_rel=0.004)):
            tracks = synthetic_tracks(view, art, seed=1, duration_s=4.0, **params)[1]
            assert not detect_foot_jumps(tracks.xy_px()).any(), (view, params, art)


def test_jump_smaller_than_threshold_or_longer_than_two_frames_is_kept(run) -> None:
    assert _found(detect_foot_jumps(_with_jumps(run, [(20, 21, "left", (0.0, -0.15))])
                                    .xy_px()), "left") == []
    # A four-frame displacement is no jump (a swap or far-foot episode, other tests'
    # business); at most a frame at its edges, judged against a displaced neighbour, is
    # taken out (and gap-filled).
    found = _found(detect_foot_jumps(_with_jumps(run, [(60, 64, "left", (0.6, 0.0))])
                                     .xy_px()), "left")
    assert set(found) <= {59, 64} and not set(range(60, 64)) & set(found), found


def test_degenerate_input() -> None:
    assert not foot_jump_frames(np.zeros((2, 3, 2)), 100.0).any()
    assert not foot_jump_frames(np.full((10, 3, 2), np.nan), 100.0).any()
    assert not foot_jump_frames(np.zeros((10, 3, 2)), float("nan")).any()


def test_cleaning_gap_fills_the_jumped_foot(run) -> None:
    t = _quiet_start(run, "left", 2, 60, 80)
    jumped = _with_jumps(run, [(t, t + 2, "left", (0.5, -0.3))])
    res = clean_tracks(jumped, "run")
    assert res.report["foot_jumps_fixed"] == [[t, t + 2, "left"]]
    assert res.interpolated[t:t + 2, FOOT["left"]].all()
    err = np.linalg.norm(res.tracks.xy_px()[t:t + 2, FOOT["left"]]
                         - run.xy_px()[t:t + 2, FOOT["left"]], axis=-1)
    assert err.max() < 0.1 * _shank(run.xy_px(), "left"), err


@pytest.fixture(scope="module")
def repro(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """Issue 13's repro: a perfectly symmetric 4 s rendered runner through MediaPipe
    (one pose run). Before the whole-foot jump repair: 169.7 spm, one left contact
    dropped, left contacts 15-43 ms late and six asymmetry findings."""
    tmp = tmp_path_factory.mktemp("repro")

    def gaitcheck(*args: str) -> None:
        proc = subprocess.run([sys.executable, "-m", "gaitcheck", *args], cwd=tmp,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr

    gaitcheck("synth", "def.mp4", "--duration", "4")
    gaitcheck("analyze", "def.mp4", "-q")
    return (json.loads((tmp / "def_gaitcheck" / "report.json").read_text()),
            json.loads((tmp / "def.truth.json").read_text()))


def _contact_errors_s(report: dict, truth: dict, side: str) -> list[float]:
    true_t = np.array([c["time_s"] for c in truth["contacts"] if c["side"] == side])
    found = [c["time_s"] for c in report["events"]["contacts"] if c["side"] == side]
    return [t - true_t[np.argmin(abs(true_t - t))] for t in found]


@pytest.mark.slow
def test_short_rendered_runner_glitches_repaired(repro) -> None:
    """Measured: 170.3 spm; all 5 + 5 contacts found; left −42..−21 ms, right −6..+2 ms;
    no asymmetry finding."""
    report, truth = repro
    frame = 1.0 / truth["camera"]["fps"]
    assert report["metrics"]["cadence_spm"]["value"] == pytest.approx(170.0, abs=2.0)
    # The landing foot lifted behind the stance leg (frames 42-43) and drawn onto the
    # other foot (106; the swap repair relabels one of the two feet there), as seen on
    # the frames.
    jumps = report["analysis"]["cleaning"]["foot_jumps_fixed"]
    assert [42, 44, "left"] in jumps and any(j[:2] == [106, 107] for j in jumps), jumps
    for side in ("left", "right"):
        errors = _contact_errors_s(report, truth, side)
        assert len(errors) == 5, side  # contacts at 0 s and 3.88 s are too close to the ends
        assert max(map(abs, errors)) <= 1.5 * frame, (side, np.round(errors, 3))
    # With the glitches repaired and asymmetry judged against its uncertainty (issue 15),
    # the symmetric runner shows none.
    asym = [f["message"] for f in report["findings"] if "asymmetry" in f["metric"]]
    assert asym == []


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="the event cue puts the near (left) foot's heel "
                   "landing 21-42 ms early on this render (right foot within 6 ms)")
def test_short_rendered_runner_contacts_within_one_frame(repro) -> None:
    """Measured (issue 14): left ICs 0.64-1.25 frame early, right within 0.06 frame.
    Not a constant heel offset: MediaPipe's near heel sits 21 px above the true heel
    before IC and 22 px in stance (far heel 19 / 17 px); its near foot_index rises from
    5 to 17 px above the true toe once the foot is flat (far: 6 / 8 px). Cause in the
    event cue not yet found."""
    report, truth = repro
    frame = 1.0 / truth["camera"]["fps"]
    for side in ("left", "right"):
        errors = _contact_errors_s(report, truth, side)
        assert max(map(abs, errors)) <= frame + 1e-3, (side, np.round(errors, 3))
