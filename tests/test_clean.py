"""Track cleaning against the synthetic runner's exact truth (gaitcheck.tracks.clean)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.signal import butter, sosfilt

from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.tracks.clean import (
    ARM_PARTS,
    LEG_PARTS,
    clean_tracks,
    fill_gaps,
    hampel_mask,
    lowpass,
)
from gaitcheck.tracks.scene import body_height_px
from gaitcheck.tracks.settings import CleaningSettings
from gaitcheck.tracks.swaps import detect_swaps, swap_states
from helpers import synthetic_tracks

LEFT = [LM[f"left_{p}"] for p in LEG_PARTS]
RIGHT = [LM[f"right_{p}"] for p in LEG_PARTS]


def _truth(view: str = "side-left", **params):
    return synthetic_tracks(view, **params)[1]


def _errors_bh(tracks, truth) -> np.ndarray:
    """Image distance of every landmark from the truth, in % of body height (T, 33)."""
    height = body_height_px(truth.xy_px())
    return 100 * np.linalg.norm(tracks.xy_px() - truth.xy_px(), axis=-1) / height


def _applied(tracks) -> dict:
    return tracks.source["artefacts"]["applied"]


def _ranges(mask: np.ndarray) -> list[list[int]]:
    """[start, stop) ranges of the True runs of a 1-D mask."""
    edges = np.flatnonzero(np.diff(np.r_[0, np.asarray(mask, int), 0]))
    return edges.reshape(-1, 2).tolist()


@pytest.fixture(scope="module")
def truth_run():
    return _truth()


# --- Gap filling ---------------------------------------------------------------------------

def test_dropped_frames_are_restored_close_to_the_truth(truth_run) -> None:
    raw = synthetic_tracks("side-left", Artefacts(dropped_frames=0.08), seed=4)[1]
    dropped = _applied(raw)["dropped_frames"]
    res = clean_tracks(raw, "run", cutoff_hz=0)  # no low-pass: the filling alone
    err = _errors_bh(res.tracks, truth_run)[dropped]
    assert np.isfinite(err).all()
    assert np.median(err) < 0.3 and err.max() < 3.0, (np.median(err), err.max())
    assert res.interpolated[dropped].all()
    # Downstream weighting needs a visibility wherever there is a position.
    assert np.isfinite(res.tracks.image[dropped][:, :, 3:]).all()
    assert res.report["filled_frames"] == len(dropped)


def test_gaps_up_to_the_limit_are_filled_longer_ones_stay_nan(truth_run) -> None:
    image = truth_run.image.copy()
    image[50:57] = np.nan    # 7 frames = 233 ms ≤ 250 ms: filled
    image[100:108] = np.nan  # 8 frames = 267 ms > 250 ms: kept missing
    image[200:230] = np.nan  # 1 s
    raw = dataclasses.replace(truth_run, image=image)
    res = clean_tracks(raw, "run", max_gap_ms=250.0)
    out = res.tracks.image
    assert np.isfinite(out[50:57, :, :2]).all()
    assert np.isnan(out[100:108, :, :2]).all() and np.isnan(out[200:230, :, :2]).all()
    assert np.isfinite(out[108:200, :, :2]).all()  # edges of the long gaps kept
    assert res.report["unfilled_points"] == 38 * 33
    # A longer limit fills the 8-frame gap too.
    assert np.isfinite(clean_tracks(raw, max_gap_ms=300.0).tracks.image[100:108, :, :2]).all()


def test_fill_gaps_pchip_on_a_sine_and_no_extrapolation() -> None:
    t = np.arange(100) / 30.0
    y = np.sin(2 * np.pi * 1.5 * t)
    y_gap = y.copy()
    y_gap[[0, 1, 40, 41, 42, 43, 99]] = np.nan
    filled = fill_gaps(y_gap, t, max_gap_s=0.2)
    assert np.abs(filled[40:44] - y[40:44]).max() < 0.02
    assert np.isnan(filled[[0, 1, 99]]).all()  # edges are never extrapolated


# --- Outliers -------------------------------------------------------------------------------

def test_hampel_removes_injected_spikes(truth_run) -> None:
    rng = np.random.default_rng(7)
    image = truth_run.image.copy()
    frames = rng.choice(np.arange(5, truth_run.n_frames - 5), size=40, replace=False)
    points = rng.integers(0, 33, size=40)
    image[frames, points, 0] += rng.choice([-1, 1], size=40) * 0.08  # 58 px ≈ 8 % height
    raw = dataclasses.replace(truth_run, image=image)
    res = clean_tracks(raw, "run")
    before = _errors_bh(raw, truth_run)[frames, points]
    after = _errors_bh(res.tracks, truth_run)[frames, points]
    assert before.min() > 5.0
    assert after.max() < 2.0 and np.median(after) < 0.3, np.sort(after)
    assert res.report["outliers"] >= 40


def test_hampel_flags_nothing_on_clean_side_view_tracks(truth_run) -> None:
    xy = truth_run.xy_px()
    mask = hampel_mask(xy, 3, 3.0, 0.006 * body_height_px(xy))
    assert mask.sum() == 0


# --- Swap repair ----------------------------------------------------------------------------

def _label_correct(tracks, truth) -> np.ndarray:
    """Per frame, whether the leg labels match the truth (the assignment nearer to it)."""
    xy, true = tracks.xy_px(), truth.xy_px()
    same = np.linalg.norm(xy[:, LEFT] - true[:, LEFT], axis=-1).sum(1) + np.linalg.norm(
        xy[:, RIGHT] - true[:, RIGHT], axis=-1).sum(1)
    crossed = np.linalg.norm(xy[:, LEFT] - true[:, RIGHT], axis=-1).sum(1) + np.linalg.norm(
        xy[:, RIGHT] - true[:, LEFT], axis=-1).sum(1)
    return np.where(np.isfinite(same + crossed), same <= crossed, True)


@pytest.mark.parametrize(("view", "activity"), [("side-left", "run"), ("side-right", "walk"),
                                                ("front", "run"), ("oblique", "walk")])
def test_leg_swaps_are_repaired(view: str, activity: str) -> None:
    truth = _truth(view, activity=activity)
    fixed = total = 0
    for seed in (1, 2):
        raw = synthetic_tracks(view, Artefacts(swap_count=4, jitter_rel=0.005), seed=seed,
                               activity=activity)[1]
        swapped = np.zeros(raw.n_frames, bool)
        for a, b in _applied(raw)["swaps"]:
            swapped[a:b] = True
        assert not _label_correct(raw, truth)[swapped].any()  # the artefact did swap
        res = clean_tracks(raw, activity)
        correct = _label_correct(res.tracks, truth)
        fixed += int(correct[swapped].sum())
        total += int(swapped.sum())
        assert correct[~swapped].all()  # no new swaps
        assert res.report["arm_swaps_repaired"] == []
    assert fixed / total >= 0.95, f"{fixed}/{total} swapped frames repaired"


def test_no_swaps_reported_on_unswapped_jittery_tracks() -> None:
    for view, seed in (("side-left", 0), ("back", 1)):
        raw = synthetic_tracks(view, Artefacts(jitter_rel=0.01, dropped_frames=0.03), seed=seed)[1]
        report = clean_tracks(raw, "run").report
        assert report["swaps_repaired"] == [] and report["arm_swaps_repaired"] == []


@pytest.mark.parametrize("activity", ["run", "walk"])
def test_swaps_that_start_and_end_where_the_legs_cross(activity: str) -> None:
    """The worst case for ordering-based repair: a whole step swapped between two
    crossings of the ankles, so the labels are continuous in position; only velocity
    continuity can tell."""
    truth = _truth(activity=activity, duration_s=5.0)
    image = truth.image.copy()
    dx = image[:, LM["left_ankle"], 0] - image[:, LM["right_ankle"], 0]
    cross = np.flatnonzero(np.sign(dx[1:]) != np.sign(dx[:-1])) + 1
    expected = [[int(cross[2]), int(cross[3])], [int(cross[5]), int(cross[7])]]
    for a, b in expected:
        image[a:b, LEFT + RIGHT] = image[a:b, RIGHT + LEFT]
    xy = image[:, :, :2] * [truth.video.width, truth.video.height]
    xy /= body_height_px(xy)
    found = detect_swaps(xy[:, LEFT], xy[:, RIGHT], truth.time_s)
    assert _ranges(found) == expected


LOWER = [LM[f"{s}_{p}"] for s in ("left", "right") for p in ("ankle", "heel", "foot_index")]
LOWER_X = LOWER[3:] + LOWER[:3]


def _wrong_runs(states: np.ndarray, raw: np.ndarray, truth: np.ndarray) -> list[list[int]]:
    """[start, stop) runs of frames whose lower-leg labels are wrong after applying
    ``states`` (T, 2: thigh, foot) to ``raw`` (T, 10, 2: left then right LEG_PARTS)."""
    lo, lx = [2, 3, 4, 7, 8, 9], [7, 8, 9, 2, 3, 4]
    fixed = np.where(states[:, 1, None, None], raw[:, lx], raw[:, lo])
    same = np.linalg.norm(fixed - truth[:, lo], axis=-1).sum(1)
    crossed = np.linalg.norm(fixed - truth[:, lx], axis=-1).sum(1)
    return _ranges(crossed < same)


def test_crf35_glitches_do_not_swap_the_correct_frames_between_them() -> None:
    """Real MediaPipe landmarks of a rendered runner re-encoded at CRF 35 (frames 25–100,
    legs only, with the render's truth). The model exchanged the lower legs (knees right)
    at frames 34 and 42–44 and at 76 and 92; whole-leg repair exchanged the correct frames
    between them instead (35–41 and 77–91: foot angle off by 16°, overstride by 17 % of
    leg length). Repair by segments with the skip-one-frame prediction leaves at most
    isolated wrong frames (left to the outlier stage)."""
    from gaitcheck.tracks.clean import LEG_SEGMENTS

    data = np.load(Path(__file__).parent / "fixtures" / "crf35_legs.npz")
    raw, truth = data["raw_px"].astype(float), data["truth_px"].astype(float)
    xy = raw / float(data["body_height_px"])
    first = int(data["first_frame"])
    none = np.zeros((len(raw), 2), bool)
    assert [[a + first, b + first] for a, b in _wrong_runs(none, raw, truth)] == [
        [34, 35], [42, 45], [76, 77], [92, 93], [94, 96]]  # what the model got wrong
    whole = detect_swaps(xy[:, :5], xy[:, 5:], data["time_s"])
    runs = _wrong_runs(np.stack([whole, whole], 1), raw, truth)
    assert max(b - a for a, b in runs) >= 7  # the failure: a long wrongly exchanged run
    states = swap_states(xy[:, :5], xy[:, 5:], data["time_s"], segments=LEG_SEGMENTS)
    runs = _wrong_runs(states, raw, truth)
    assert max(b - a for a, b in runs) <= 3 and sum(b - a for a, b in runs) <= 4, runs


@pytest.mark.parametrize(("fps", "gap"), [(60.0, 8), (30.0, 4)])
def test_lower_leg_glitches_do_not_swap_the_frames_between_them(fps: float, gap: int) -> None:
    """The CRF 35 pattern on synthetic tracks: lower legs exchanged for one frame where the
    feet are apart, then exchanged, collapsed onto each other, exchanged (three frames)
    ``gap`` frames later. Every frame must end with the lower legs right."""
    truth = _truth(fps=fps, duration_s=4.0)
    raw = synthetic_tracks("side-left", Artefacts(jitter_rel=0.004), seed=3, fps=fps,
                           duration_s=4.0)[1]
    image = raw.image.copy()
    dx = truth.image[:, LM["left_ankle"], 0] - truth.image[:, LM["right_ankle"], 0]
    glitches = 0
    for start in range(int(fps) // 2, raw.n_frames - 3 * gap, int(fps)):
        a = start + int(np.argmax(np.abs(dx[start:start + gap])))
        for f in (a, a + gap, a + gap + 2):
            image[f, LOWER] = image[f, LOWER_X]
        mid = (raw.image[a + gap + 1, LOWER[:3]] + raw.image[a + gap + 1, LOWER[3:]]) / 2
        image[a + gap + 1, LOWER] = np.concatenate([mid, mid])
        glitches += 1
    res = clean_tracks(dataclasses.replace(raw, image=image), "run")
    xy, true = res.tracks.xy_px(), truth.xy_px()
    wrong = (np.linalg.norm(xy[:, LOWER] - true[:, LOWER_X], axis=-1).sum(1)
             < np.linalg.norm(xy[:, LOWER] - true[:, LOWER], axis=-1).sum(1))
    assert glitches >= 3
    assert np.flatnonzero(wrong).tolist() == []
    assert _label_correct(res.tracks, truth).all()
    assert all(b - a <= 3 for a, b in res.report["swaps_repaired"])
    foot_err = _errors_bh(res.tracks, truth)[:, LOWER]
    assert np.percentile(foot_err, 99) < 3.0, np.percentile(foot_err, 99)


def test_swap_states_one_segment_equals_detect_swaps() -> None:
    raw = synthetic_tracks("side-left", Artefacts(swap_count=4, jitter_rel=0.005), seed=1)[1]
    xy = raw.xy_px() / body_height_px(raw.xy_px())
    whole = detect_swaps(xy[:, LEFT], xy[:, RIGHT], raw.time_s)
    both = swap_states(xy[:, LEFT], xy[:, RIGHT], raw.time_s, segments=[(0, 1), (2, 3, 4)])
    assert _ranges(whole) == [list(r) for r in _applied(raw)["swaps"]]
    assert (both[:, 0] == both[:, 1]).all() and (both[:, 0] == whole).all()


def test_arm_swaps_are_repaired_too(truth_run) -> None:
    left = [LM[f"left_{p}"] for p in ARM_PARTS]
    right = [LM[f"right_{p}"] for p in ARM_PARTS]
    image = truth_run.image.copy()
    image[120:126, left + right] = image[120:126, right + left]
    res = clean_tracks(dataclasses.replace(truth_run, image=image), "run", min_visibility=0.0)
    assert res.report["arm_swaps_repaired"] == [[120, 126]]
    assert res.report["swaps_repaired"] == []


# --- Far-foot misplacement ------------------------------------------------------------------

@pytest.mark.parametrize("view", ["side-left", "side-right"])
def test_far_foot_misplacement_is_detected_and_fixed(view: str) -> None:
    truth = _truth(view)
    art = Artefacts(far_foot_count=8, far_foot_frames=(2, 6), jitter_rel=0.003)
    raw = synthetic_tracks(view, art, seed=5)[1]
    res = clean_tracks(raw, "run")
    hit = total = 0
    errors_raw, errors_clean = [], []
    for a, b, side in _applied(raw)["far_foot"]:
        found = np.zeros(raw.n_frames, bool)
        for c, d, s in res.report["far_foot_fixed"]:
            found[c:d] |= s == side
        hit, total = hit + int(found[a:b].sum()), total + b - a
        feet = [LM[f"{side}_heel"], LM[f"{side}_foot_index"]]
        errors_raw.append(_errors_bh(raw, truth)[a:b, feet])
        errors_clean.append(_errors_bh(res.tracks, truth)[a:b, feet])
    raw_err, clean_err = np.concatenate(errors_raw, None), np.concatenate(errors_clean, None)
    assert hit / total >= 0.9, f"{hit}/{total} misplaced frames detected"
    assert np.median(raw_err) > 15.0
    assert np.isfinite(clean_err).all()
    assert np.median(clean_err) < 2.0 and np.percentile(clean_err, 90) < 5.0, clean_err


def test_no_far_foot_flags_on_clean_tracks() -> None:
    for view in ("side-left", "front", "back", "oblique"):
        raw = synthetic_tracks(view, Artefacts(jitter_rel=0.005), seed=2)[1]
        assert clean_tracks(raw).report["far_foot_fixed"] == [], view


# --- Low-pass filter ------------------------------------------------------------------------

def test_cutoff_follows_activity_and_fps() -> None:
    for fps, activity, expected in ((60, "run", 12.0), (30, "walk", 6.0), (60, None, 12.0),
                                    (30, "run", 12.0), (20, "run", 8.0), (12, "walk", 4.8)):
        tracks = _truth(fps=fps, duration_s=2.0, activity=activity or "run")
        assert clean_tracks(tracks, activity).report["cutoff_hz"] == pytest.approx(expected)
    assert CleaningSettings().cutoff_walk_hz < CleaningSettings().cutoff_run_hz


def test_lowpass_gain_is_minus_3db_at_the_cutoff_and_zero_phase() -> None:
    fps, t = 60.0, np.arange(600) / 60.0
    for freq, gain in ((2.0, 1.0), (10.0, 2 ** -0.5), (20.0, 0.0)):
        x = np.sin(2 * np.pi * freq * t)
        y = lowpass(x, fps, 10.0)[100:-100]
        assert np.std(y) / np.std(x[100:-100]) == pytest.approx(gain, abs=0.03), freq
        if gain > 0.5:  # zero phase: the output is in phase with the input
            assert np.corrcoef(y, x[100:-100])[0, 1] > 0.999


def test_filter_has_zero_lag_against_the_truth(truth_run) -> None:
    raw = synthetic_tracks("side-left", Artefacts(jitter_rel=0.005), seed=3)[1]
    clean = clean_tracks(raw, "run").tracks
    truth = truth_run.image[:, LM["left_ankle"], 0].astype(float)

    def peak_lag(signal: np.ndarray) -> int:
        lags = range(-5, 6)
        a, b = signal - signal.mean(), truth - truth.mean()
        corr = [np.dot(np.roll(a, lag)[10:-10], b[10:-10]) for lag in lags]
        return lags[int(np.argmax(corr))]

    assert peak_lag(clean.image[:, LM["left_ankle"], 0].astype(float)) == 0
    # The test can fail: a causal filter of the same cutoff lags the truth.
    causal = sosfilt(butter(4, 10.0 / 15.0 * 0.8, output="sos"),
                     raw.image[:, LM["left_ankle"], 0].astype(float))
    assert peak_lag(causal) < 0
    # And the filter removes jitter.
    err_raw = _errors_bh(raw, truth_run)
    assert np.median(_errors_bh(clean, truth_run)) < 0.92 * np.median(err_raw)


def test_filter_does_not_cross_gaps() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=80)
    x[40:45] = np.nan
    y = lowpass(x, 30.0, 6.0)
    assert np.isnan(y[40:45]).all()
    np.testing.assert_allclose(y[:40], lowpass(x[:40], 30.0, 6.0))
    np.testing.assert_allclose(y[45:], lowpass(x[45:], 30.0, 6.0))


# --- End to end -----------------------------------------------------------------------------

@pytest.mark.parametrize(("view", "activity", "seed"), [("side-left", "run", 0),
                                                        ("side-right", "walk", 1),
                                                        ("front", "run", 2)])
def test_realistic_artefacts_cleaned_error_is_lower(view: str, activity: str, seed: int) -> None:
    truth = _truth(view, activity=activity)
    raw = synthetic_tracks(view, Artefacts.realistic(), seed=seed, activity=activity)[1]
    res = clean_tracks(raw, activity)
    err_raw, err_clean = _errors_bh(raw, truth), _errors_bh(res.tracks, truth)
    numbers = (f"median error raw {np.nanmedian(err_raw):.3f} → clean "
               f"{np.nanmedian(err_clean):.3f} % height; 99th percentile "
               f"{np.nanpercentile(err_raw, 99):.2f} → {np.nanpercentile(err_clean, 99):.2f}")
    assert np.nanmedian(err_clean) < 0.92 * np.nanmedian(err_raw), numbers
    assert np.nanpercentile(err_clean, 99) < 0.25 * np.nanpercentile(err_raw, 99), numbers
    assert np.isfinite(err_clean).mean() > 0.99, numbers
    json.dumps(res.report, allow_nan=False)
    assert res.tracks.source["cleaning"] == res.report


# --- Degenerate input -----------------------------------------------------------------------

def _with_image(tracks, image: np.ndarray):
    n = len(image)
    return dataclasses.replace(tracks, image=image.astype(np.float32),
                               world=np.full((n, 33, 3), np.nan, np.float32),
                               time_s=tracks.time_s[:n], frame_index=tracks.frame_index[:n])


@pytest.fixture(scope="module")
def short_truth():
    return _truth(duration_s=1.5)


def test_degenerate_inputs_give_warnings_not_errors(short_truth) -> None:
    image = short_truth.image
    cases = {
        "no frame": image[:0],
        "one frame": image[:1],
        "two frames": image[:2],
        "all nan": np.full_like(image, np.nan),
        "constant": np.broadcast_to(image[:1], image.shape),
        "one landmark": np.where(np.arange(33)[None, :, None] == 0, image, np.nan),
    }
    for name, img in cases.items():
        res = clean_tracks(_with_image(short_truth, img))
        assert res.tracks.image.shape == img.shape, name
        json.dumps(res.report, allow_nan=False)
    assert {w["code"] for w in clean_tracks(_with_image(
        short_truth, np.full_like(image, np.nan))).report["warnings"]} >= {"no_pose"}
    constant = clean_tracks(_with_image(short_truth, cases["constant"])).tracks.image
    np.testing.assert_allclose(constant[:, :, :2], cases["constant"][:, :, :2], atol=1e-6)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.integers(0, 45), seed=st.integers(0, 2**31 - 1),
       missing=st.floats(0.0, 1.0), dropped=st.floats(0.0, 1.0))
def test_random_nan_patterns_never_raise(short_truth, frames, seed, missing, dropped) -> None:
    rng = np.random.default_rng(seed)
    image = short_truth.image[:frames].copy()
    image[rng.random(image.shape[:2]) < missing] = np.nan
    image[rng.random(frames) < dropped] = np.nan
    res = clean_tracks(_with_image(short_truth, image), rng.choice(["run", "walk", None]))
    assert res.tracks.image.shape == image.shape
    assert res.interpolated.shape == image.shape[:2]
    # Nothing is invented before the first or after the last frame with a pose.
    seen = np.flatnonzero(np.isfinite(image[:, :, 0]).any(axis=1))
    out = np.isfinite(res.tracks.image[:, :, 0]).any(axis=1)
    assert not out[: seen[0] if seen.size else frames].any()
    assert not seen.size or not out[seen[-1] + 1:].any()
    json.dumps(res.report, allow_nan=False)


def test_fast_sliding_median_matches_numpy() -> None:
    from gaitcheck.tracks.outliers import _nanmedian_last

    rng = np.random.default_rng(5)
    for shape in [(40, 7), (25, 3, 2, 8), (6, 1), (0, 5)]:
        a = rng.normal(size=shape)
        a[rng.random(shape) < 0.4] = np.nan
        with warnings.catch_warnings():  # NumPy warns about all-NaN windows
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(a, axis=-1) if a.size else np.zeros(shape[:-1])
        np.testing.assert_allclose(_nanmedian_last(a), expected, rtol=0, atol=1e-15)


def test_hampel_in_column_blocks_equals_all_at_once() -> None:
    """Blocks of columns and of rows bound memory on long clips, and change nothing."""
    import gaitcheck.tracks.outliers as outliers

    xy = _truth(artefacts=Artefacts.realistic(), duration_s=4.0).xy_px()
    floor = np.linspace(1.0, 3.0, 33)[:, None]
    blocked = hampel_mask(xy, 3, 3.0, floor)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(outliers, "_COLUMNS", 10**6)
        mp.setattr(outliers, "_CHUNK", 10**6)
        whole = hampel_mask(xy, 3, 3.0, floor)
    np.testing.assert_array_equal(blocked, whole)
    assert blocked.any()
