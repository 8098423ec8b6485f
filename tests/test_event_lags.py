"""Anchor-to-event lag pooling (gaitcheck.events.lags) and the toe-off cue's cliff.

The numbers behind these (issue 17's seam, benchmarks/event_lag_study.py): a tiny change of
the landmarks re-times every event of a foot because (a) the lag is one weighted median
over all the foot's stances and (b) the direct toe-off, a square-root extrapolation
through two samples, jumps when a sample crosses the ground band.
"""

from __future__ import annotations

import numpy as np
import pytest

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


def test_soft_median_moves_continuously_where_the_plain_one_jumps() -> None:
    # Four lags of equal weight; one stance's weight grows by 1 %.
    x = np.array([0.0, 1.0, 2.0, 3.0])
    w = np.ones(4)
    v = w.copy()
    v[3] = 1.01
    assert abs(weighted_median(x, v) - weighted_median(x, w)) == pytest.approx(1.0)
    assert abs(weighted_median(x, v, 1.0) - weighted_median(x, w, 1.0)) < 0.02
    # One value moved by 0.3: the soft median moves by no more than its weight's share.
    y = x.copy()
    y[2] = 1.7
    assert abs(weighted_median(y, w, 1.0) - weighted_median(x, w, 1.0)) <= 0.3 / 4 * 4
    # The price of continuity: an outlier moving far pulls a little, where the plain
    # median of the heel-striker's seven left TO lags (frames) stays put.
    lags = np.array([-6.93, -5.24, -8.10, -6.14, -6.11, -6.13, -3.85])
    out = lags.copy()
    out[6] = -7.43
    ones = np.ones(7)
    assert weighted_median(out, ones) - weighted_median(lags, ones) == pytest.approx(-0.01)
    assert -1.0 < weighted_median(out, ones, 4.0) - weighted_median(lags, ones, 4.0) < -0.2


def test_soft_median_of_symmetric_values_is_their_centre() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_median(x, np.ones(4), 0.5) == pytest.approx(2.5)
    assert weighted_median(np.array([5.0]), np.ones(1), 2.0) == pytest.approx(5.0)


def _segment(n: int = 12, period: float = 20.0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    at = np.arange(n) * period / 2.0
    sides = np.array(["left", "right"] * (n // 2))
    anchor = at.copy()
    direct = anchor + np.where(sides == "left", -6.0, -5.0) + rng.normal(0, 0.5, n)
    weight = np.where(sides == "left", 1.0, 0.7)
    return direct, anchor, weight, sides, at


def test_clip_wide_lags_are_per_foot_medians_with_both_feet_fallback() -> None:
    direct, anchor, weight, sides, at = _segment()
    lag = stance_lags(direct, anchor, weight, sides, at, 20.0)
    for side in ("left", "right"):
        m = sides == side
        assert np.all(lag[m] == _old_weighted_median((direct - anchor)[m], weight[m]))
    # A foot with under 2 of weight borrows both feet's median.
    weak = np.where(sides == "right", 0.1, weight)
    lag = stance_lags(direct, anchor, weak, sides, at, 20.0)
    both = _old_weighted_median(direct - anchor, weak)
    assert np.all(lag[sides == "right"] == both)


def test_local_lags_leave_far_stances_untouched() -> None:
    direct, anchor, weight, sides, at = _segment(n=24)
    moved = direct.copy()
    moved[-4:] += 2.0  # the last two strides re-timed (a seam near the end)
    for window in (2.0, 3.0):
        a = stance_lags(direct, anchor, weight, sides, at, 20.0, window)
        b = stance_lags(moved, anchor, weight, sides, at, 20.0, window)
        far = at < at[-4] - window * 20.0
        assert far.sum() >= 12
        assert np.array_equal(a[far], b[far])
        assert not np.array_equal(a[~far], b[~far])
    # The clip-wide lag re-times stances far from the change too.
    a = stance_lags(direct, anchor, weight, sides, at, 20.0)
    b = stance_lags(moved, anchor, weight, sides, at, 20.0)
    far = at < at[-4] - 3.0 * 20.0
    assert not np.array_equal(a[far], b[far])


def test_square_root_toe_off_jumps_where_the_band_crossing_does_not() -> None:
    # A toe creeping up through a 0.01 ground band; sample 5 moves by 0.0004 (a
    # twentieth of the band) across it.
    band = 0.01
    h = np.array([0.0, 0.001, 0.0, 0.002, 0.004, 0.0098, 0.0130, 0.030, 0.08, 0.15])
    g = h.copy()
    g[5] = 0.0102
    try:
        jumps = {}
        for crossing in (False, True):
            cues.LIFT_CROSSING = crossing
            jumps[crossing] = abs(cues.lift_index(g, 0.0, band, 1, 8)
                                  - cues.lift_index(h, 0.0, band, 1, 8))
    finally:
        cues.LIFT_CROSSING = False
    assert jumps[False] > 0.5  # frames, from one sample moved by a twentieth of the band
    assert jumps[True] < 0.2
