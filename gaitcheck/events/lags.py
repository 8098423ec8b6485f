"""Anchor-to-event lags of one segment's stances (see :mod:`gaitcheck.events.stances`).

An anchored event is ``anchor + lag``: the Zeni extremum of the foot plus this
subject's own anchor-to-event lag, measured on the direct estimates (``direct − anchor``)
of the well-seen, sharp contacts. The lag is one weighted median per foot over the whole
segment (both feet's where one foot has too little evidence), so a change of the
landmarks anywhere (a restarted landmarker after a seam, a re-encode, a foot the model
flips in one stance) re-times every event of that foot, and a weighted median jumps
between sample values.

Measured (``benchmarks/event_lag_study.py``, issue 17's seam cache): neither a
time-windowed (local) nor a soft (kernel-smoothed) median is both as accurate and more
stable on every clip; the study patches them in. The lag moves mostly because the direct
toe-offs after a seam move, by up to 3.6 frames, and appear or vanish
(:func:`gaitcheck.events.cues.lift_index`), so every estimator over them moves.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.events.signals import SIDES

#: Least summed weight (cue quality × visibility weight) of a foot's own stances for the
#: foot to be calibrated by itself: fewer than about two well-seen, sharp contacts fall
#: back to both feet's lag.
MIN_WEIGHT = 2.0


def weighted_median(x: np.ndarray, w: np.ndarray, midpoint: bool = False) -> float:
    """Weighted median of ``x``.

    Where the cumulative weight reaches exactly half at one value (an even number of
    equal weights), the lower of the two middle values, or with ``midpoint`` their mean:
    the usual median. The lower one is a choice between two samples: a toe-off lag over
    a walker's two or three stances per foot then jumps between them as one direct
    estimate moves past the other (``benchmarks/toe_off_mirror.py``).
    """
    order = np.argsort(x)
    xs, c = x[order], np.cumsum(w[order])
    half = 0.5 * c[-1]
    k = int(np.searchsorted(c, half))
    if midpoint and k + 1 < len(xs) and c[k] == half:
        return float(0.5 * (xs[k] + xs[k + 1]))
    return float(xs[k])


def stance_lags(direct: np.ndarray, anchor: np.ndarray, weight: np.ndarray,
                sides: np.ndarray, midpoint: bool = False) -> np.ndarray:
    """Anchor-to-event lag of every stance of one segment, samples.

    Parameters
    ----------
    direct, anchor : numpy.ndarray, (n,)
        Direct estimate and Zeni anchor of one event kind per stance, fractional rows
        (NaN where missing).
    weight : numpy.ndarray, (n,)
        Evidence weight of each stance's direct estimate, ≥ 0.
    sides : numpy.ndarray of str, (n,)
        ``"left"`` / ``"right"`` per stance.
    midpoint : bool
        An even tie takes the mean of the two middle lags (:func:`weighted_median`);
        both the toe-off lags (unit weights) and the IC lags do.

    Returns
    -------
    numpy.ndarray, (n,)
        The lag of each stance: its foot's weighted median when that foot has
        ``MIN_WEIGHT`` of evidence, else both feet's; NaN where neither has.
    """
    lag_of = direct - anchor
    ok = np.isfinite(lag_of) & (weight > 0)

    def pooled(mask: np.ndarray) -> float:
        use = mask & ok
        if weight[use].sum() < MIN_WEIGHT:
            return float("nan")
        return weighted_median(lag_of[use], weight[use], midpoint)

    both = pooled(np.ones(len(direct), bool))
    own = {s: pooled(sides == s) for s in SIDES}
    out = np.full(len(direct), np.nan)
    for k in range(len(direct)):
        out[k] = own[sides[k]] if np.isfinite(own[sides[k]]) else both
    return out
