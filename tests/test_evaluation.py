"""gaitcheck.evaluation on hand-computed cases: event matching and parameter agreement."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import gaitcheck.evaluation
from gaitcheck.evaluation import agreement, icc, match_events, matching, parameter_errors
from gaitcheck.events import GaitEvent


def _pairs(m) -> list[tuple[int, int]]:
    return [tuple(p) for p in m.pairs.tolist()]


def test_one_detection_near_two_labels_serves_one() -> None:
    """Labels at 1.00 and 1.06 s, one detection at 1.03 s, tolerance 0.05 s: one true
    positive and one miss one-to-one; nearest-match scoring counts two hits."""
    m = match_events([1.03], [1.00, 1.06], 0.05)
    assert m.n_true_positives == 1 and m.n_misses == 1 and m.n_false_positives == 0
    assert m.recall == pytest.approx(0.5) and m.precision == pytest.approx(1.0)
    assert m.f1 == pytest.approx(2 / 3)
    lenient = match_events([1.03], [1.00, 1.06], 0.05, one_to_one=False)
    assert lenient.n_true_positives == 2 and lenient.n_misses == 0
    assert lenient.timing_errors_s == pytest.approx([0.03, -0.03])


def test_assignment_is_optimal_not_greedy() -> None:
    """Detections 0.95 and 1.04, labels 1.00 and 1.09 (tolerance 0.06): greedy nearest
    pairs 1.04 with 1.00 (error 0.04) and leaves 1.09 unmatched; the optimal assignment
    pairs 0.95–1.00 and 1.04–1.09 (two hits, errors −0.05 and −0.05)."""
    m = match_events([0.95, 1.04], [1.00, 1.09], 0.06)
    assert _pairs(m) == [(0, 0), (1, 1)]
    assert m.timing_errors_s == pytest.approx([-0.05, -0.05])
    assert m.n_false_positives == 0 and m.n_misses == 0 and m.f1 == 1.0
    # Among equally many pairs the smaller summed error wins: 2.00 → 2.01 not 1.98.
    m = match_events([2.00], [1.98, 2.01], 0.05)
    assert _pairs(m) == [(0, 1)] and m.misses.tolist() == [0]


def test_counts_errors_and_rates() -> None:
    """Hand count: detections 0.10 0.52 0.90 1.60, labels 0.12 0.50 1.30 1.62, tolerance
    0.04 → TP 3 (errors −0.02 +0.02 −0.02), FP 1 (0.90), miss 1 (1.30)."""
    m = match_events([1.60, 0.10, 0.90, 0.52], [0.12, 0.50, 1.30, 1.62], 0.04)
    assert _pairs(m) == [(1, 0), (3, 1), (0, 3)]  # in reference order, input indices
    assert m.false_positives.tolist() == [2] and m.misses.tolist() == [2]
    assert m.timing_errors_s == pytest.approx([-0.02, 0.02, -0.02])
    assert (m.precision, m.recall, m.f1) == pytest.approx((0.75, 0.75, 0.75))
    t = m.timing()
    assert t.n == 3 and t.bias == pytest.approx(-0.02 / 3)
    assert t.max_abs == pytest.approx(0.02)
    d = m.to_dict()
    assert (d["true_positives"], d["false_positives"], d["misses"]) == (3, 1, 1)


def test_tolerance_is_inclusive() -> None:
    assert match_events([1.25], [1.0], 0.25).n_true_positives == 1
    assert match_events([1.2501], [1.0], 0.25).n_true_positives == 0


def test_sides_are_matched_separately() -> None:
    """A right detection 10 ms from a left label is a false positive and a miss when
    sides count, a hit when they do not."""
    det = [GaitEvent("right", "IC", 1.01, 30.3, 0.9), GaitEvent("left", "IC", 1.40, 42.0, 0.9)]
    ref = [{"time_s": 1.00, "side": "left"}, {"time_s": 1.41, "side": "left"}]
    m = match_events(det, ref, 0.05)
    assert _pairs(m) == [(1, 1)] and m.false_positives.tolist() == [0]
    assert m.misses.tolist() == [0]
    m = match_events(det, ref, 0.05, by_side=False)
    assert m.n_true_positives == 2 and m.n_false_positives == 0
    with pytest.raises(ValueError, match="side"):
        match_events([1.0], ref, 0.05, by_side=True)


@pytest.mark.parametrize("one_to_one", [True, False])
def test_empty_inputs(one_to_one: bool) -> None:
    m = match_events([], [], 0.05, one_to_one)
    assert m.n_true_positives == m.n_false_positives == m.n_misses == 0
    assert np.isnan(m.precision) and np.isnan(m.recall) and np.isnan(m.f1)
    assert m.timing().n == 0 and np.isnan(m.timing().bias)
    m = match_events([], [1.0, 2.0], 0.05, one_to_one)
    assert m.n_misses == 2 and m.recall == 0.0 and np.isnan(m.precision) and m.f1 == 0.0
    m = match_events([1.0], [], 0.05, one_to_one)
    assert m.n_false_positives == 1 and m.precision == 0.0 and np.isnan(m.recall)
    side = [{"time_s": 1.0, "side": "left"}]
    assert match_events([], side, 0.05, one_to_one, by_side=True).n_misses == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        match_events([1.0], [1.0], -0.1)
    with pytest.raises(ValueError, match="finite"):
        match_events([float("nan")], [1.0], 0.1)


def test_long_clip_scales() -> None:
    """Thousands of events (a 10-minute run) are matched cluster by cluster."""
    rng = np.random.default_rng(0)
    ref = np.arange(3000) * 0.35
    det = ref + rng.normal(0.0, 0.01, ref.size)
    m = match_events(det, ref, 0.05)
    assert m.n_true_positives == 3000 and m.timing().bias == pytest.approx(0.0, abs=1e-3)


def test_parameter_errors_by_hand() -> None:
    """Estimates 1 above the reference on three subjects: bias 1, no spread, perfect
    consistency ICC(3,1) = 1, absolute agreement ICC(2,1) = 2/3 (MSR 2, MSC 1.5, MSE 0:
    2 / (2 + 0 + 2·1.5/3))."""
    a = parameter_errors([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    assert (a.n, a.bias, a.sd, a.mae, a.rmse, a.max_abs) == (3, 1.0, 0.0, 1.0, 1.0, 1.0)
    assert a.loa_lower == a.loa_upper == 1.0
    assert a.icc_3_1 == pytest.approx(1.0) and a.icc_2_1 == pytest.approx(2 / 3)


def test_limits_of_agreement_and_icc_by_hand() -> None:
    """Differences +1, −1, +1, −1: bias 0, SD √(4/3), limits ±1.96·√(4/3).
    ANOVA of the table [[10, 9], [20, 21], [30, 29], [40, 41]] by hand: row means 9.5,
    20.5, 29.5, 40.5 around 25 → MSR = 2·(240.25 + 20.25 + 20.25 + 240.25)/3 = 1042/3;
    column means both 25 → MSC = 0; residuals ±0.5 → MSE = 8·0.25/3 = 2/3.
    ICC(3,1) = (MSR − MSE)/(MSR + MSE) = 1040/1044; ICC(2,1) adds 2·(0 − MSE)/4 to the
    denominator: 1040/1043."""
    a = parameter_errors([10.0, 20.0, 30.0, 40.0], [9.0, 21.0, 29.0, 41.0])
    assert a.bias == 0.0 and a.sd == pytest.approx(np.sqrt(4 / 3))
    assert a.loa_upper == pytest.approx(1.959964 * np.sqrt(4 / 3), rel=1e-6)
    assert a.loa_lower == pytest.approx(-a.loa_upper)
    assert a.icc_3_1 == pytest.approx(1040 / 1044)
    assert a.icc_2_1 == pytest.approx(1040 / 1043)


def test_parameter_errors_edge_cases() -> None:
    a = parameter_errors([], [])
    assert a.n == 0 and np.isnan(a.bias) and a.to_dict()["bias"] is None
    a = parameter_errors([1.0, np.nan, 3.0], [1.5, 2.0, np.nan])  # one finite pair
    assert a.n == 1 and a.bias == -0.5 and np.isnan(a.sd) and np.isnan(a.icc_2_1)
    assert np.isnan(icc(np.ones((5, 2)))[0])  # no variance: no ICC
    with pytest.raises(ValueError, match="paired"):
        parameter_errors([1.0, 2.0], [1.0])


def test_docstring_examples() -> None:
    for module in (gaitcheck.evaluation, matching, agreement):
        assert doctest.testmod(module).failed == 0, module.__name__
