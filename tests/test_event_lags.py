"""Anchor-to-event lag pooling (gaitcheck.events.lags) and the toe-off cue's cliff.

The numbers behind these (issue 17's seam, benchmarks/event_lag_study.py, which holds the
pooling variants tried): a tiny change of the landmarks re-times every event of a foot
because (a) the lag is one weighted median over all the foot's stances and (b) the direct
toe-off, a square-root extrapolation through two samples, jumps when a sample crosses
the ground band.
"""

from __future__ import annotations

import numpy as np

import gaitcheck.events.cues as cues
from gaitcheck.events.lags import stance_lags, weighted_median


def _old_weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The estimator as it was in gaitcheck.events.stances before the split."""
    order = np.argsort(x)
    x, c = x[order], np.cumsum(w[order])
    return float(x[np.searchsorted(c, 0.5 * c[-1])])


def test_plain_weighted_median_is_the_validated_one() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        x, w = rng.normal(size=n), rng.uniform(0.05, 1.0, size=n)
        assert weighted_median(x, w) == _old_weighted_median(x, w)


def _segment(n: int = 12, period: float = 20.0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    sides = np.array(["left", "right"] * (n // 2))
    anchor = np.arange(n) * period / 2.0
    direct = anchor + np.where(sides == "left", -6.0, -5.0) + rng.normal(0, 0.5, n)
    weight = np.where(sides == "left", 1.0, 0.7)
    return direct, anchor, weight, sides


def test_clip_wide_lags_are_per_foot_medians_with_both_feet_fallback() -> None:
    direct, anchor, weight, sides = _segment()
    lag = stance_lags(direct, anchor, weight, sides)
    for side in ("left", "right"):
        m = sides == side
        assert np.all(lag[m] == _old_weighted_median((direct - anchor)[m], weight[m]))
    # A foot with under 2 of weight borrows both feet's median.
    weak = np.where(sides == "right", 0.1, weight)
    lag = stance_lags(direct, anchor, weak, sides)
    both = _old_weighted_median(direct - anchor, weak)
    assert np.all(lag[sides == "right"] == both)


def test_square_root_toe_off_jumps_under_a_tiny_sample_change() -> None:
    # A toe creeping up through a 0.01 ground band; sample 5 moves by 0.0004 (a
    # twentieth of the band) across it and the toe-off moves by a whole frame: both
    # extrapolations run below the sample before the last one in the band, where the
    # estimate is floored (the band crossing, benchmarks/event_lag_study.py's "cross"
    # variant, moves 0.1 frame).
    band = 0.01
    h = np.array([0.0, 0.001, 0.0, 0.002, 0.004, 0.0098, 0.0130, 0.030, 0.08, 0.15])
    g = h.copy()
    g[5] = 0.0102
    before, after = cues.lift_index(h, 0.0, band, 1, 8), cues.lift_index(g, 0.0, band, 1, 8)
    assert before == 4.0  # through samples 5 and 6, floored at 4
    assert after == 3.0  # through samples 4 and 5, floored at 3
