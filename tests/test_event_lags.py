"""Anchor-to-event lag pooling (gaitcheck.events.lags) and the toe-off cue's cliff.

The numbers behind these (issue 17's seam, benchmarks/event_lag_study.py, which holds the
pooling variants tried): a tiny change of the landmarks re-times every event of a foot
because (a) the lag is one weighted median over all the foot's stances and (b) the direct
toe-off, a square-root extrapolation through two samples, jumped when a sample crossed
the ground band (now the band crossing with the slope there, continuous in the samples,
and an even count of toe-off lags, and now of equally weighted IC lags, takes the mean
of the middle two).
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


def test_toe_off_moves_little_under_a_tiny_sample_change() -> None:
    # A toe creeping up through a 0.01 ground band; sample 5 moves by 0.0004 (a
    # twentieth of the band) across it. The old square-root extrapolation through the
    # last sample in the band and the next jumped a whole frame (4.0 -> 3.0: both
    # extrapolations ran below the sample before the last one in the band, where it was
    # floored). The crossing of the band with the slope there moves 0.09 frame, and
    # nowhere more than 0.04 frame per 0.0001 of that sample across 0.006-0.012.
    band = 0.01
    h = np.array([0.0, 0.001, 0.0, 0.002, 0.004, 0.0098, 0.0130, 0.030, 0.08, 0.15])
    g = h.copy()
    g[5] = 0.0102
    before, after = cues.lift_index(h, 0.0, band, 1, 8), cues.lift_index(g, 0.0, band, 1, 8)
    assert before == pytest.approx(3.567, abs=0.005)
    assert after == pytest.approx(3.474, abs=0.005)
    sweep = []
    for x in np.linspace(0.006, 0.012, 61):
        g[5] = x
        sweep.append(cues.lift_index(g, 0.0, band, 1, 8))
    assert np.max(np.abs(np.diff(sweep))) < 0.04


@pytest.mark.parametrize("t0", [4.0, 4.3, 4.7])
@pytest.mark.parametrize("a", [0.01, 0.03])
def test_toe_off_of_a_toe_rising_from_rest(t0: float, a: float) -> None:
    # h = a (t - t0)^2 after lift-off at t0, band 0.01: the square root of the height
    # rises linearly, so the estimate is t0 but for the sample straddling t0 (measured:
    # at most 0.2 frame early).
    t = np.arange(14.0)
    h = a * np.maximum(0.0, t - t0) ** 2
    assert -0.2 <= cues.lift_index(h, 0.0, 0.01, 1, 11) - t0 <= 1e-9


def test_toe_off_lag_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    # Two stances of a foot (a walker in a short clip): the lower of the two lags made
    # the anchored toe-offs jump by their difference when one direct estimate moved past
    # the other (the shared walking clip and its mirror: lags +2.69 / -0.53 against
    # +1.41 / +3.03, benchmarks/toe_off_mirror.py).
    x, w = np.array([2.69, -0.53]), np.ones(2)
    assert weighted_median(x, w) == -0.53
    assert weighted_median(x, w, midpoint=True) == pytest.approx(1.08)
    assert weighted_median(np.array([3.0, 1.0, 2.0]), np.ones(3), midpoint=True) == 2.0
    direct = np.array([10.0, 20.0, 31.0, 42.0])
    anchor = np.array([9.0, 20.0, 30.0, 40.0])
    sides = np.array(["left", "right", "left", "right"])
    lag = stance_lags(direct, anchor, np.ones(4), sides, midpoint=True)
    assert lag.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert stance_lags(direct, anchor, np.ones(4), sides).tolist() == [1.0, 0.0, 1.0, 0.0]


def test_ic_lag_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    # Two equally sharp, fully seen contacts per foot: the IC lag is the mean of their
    # two lags (+1.0 and +2.0 frames → +1.5), as for toe-off, where the lower of the two
    # (+1.0, the old rule) jumped to the other lag when one direct IC moved past it.
    from gaitcheck.events.stances import Stance, anchor_calibrated

    def stance(side: str, peak: float, lag: float) -> Stance:
        return Stance(side, np.nan, np.nan, 0.0, 0.0, peak + lag, peak + 12.0, peak,
                      peak + 13.0, 1.0, 1.0)

    stances = [stance("left", 10.0, 1.0), stance("right", 20.0, 1.0),
               stance("left", 30.0, 2.0), stance("right", 40.0, 2.0)]
    out = anchor_calibrated(stances, 20.0)
    # Visibility 1 → half weight on the direct estimate, half on anchor + lag.
    assert [s.ic - s.peak for s in out] == pytest.approx([1.25, 1.25, 1.75, 1.75])
