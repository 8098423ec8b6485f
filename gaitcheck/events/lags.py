"""Anchor-to-event lags of one segment's stances (see :mod:`gaitcheck.events.stances`).

An anchored event is ``anchor + lag``: the Zeni extremum of the foot plus this
subject's own anchor-to-event lag, measured on the direct estimates (``direct − anchor``)
of the well-seen, sharp contacts. How the lag is pooled decides how far a landmark
change reaches:

* **clip-wide** (``window_strides = inf``, ``soft = 0``; the default): one weighted
  median per foot over the whole segment. A change of the landmarks anywhere (a
  restarted landmarker after a seam, a re-encode, a foot the model flips in one stance)
  re-times every event of that foot, and a weighted median jumps between sample values.
* **local** (``window_strides`` finite): each stance's lag is pooled from the stances
  within that many strides of it, with tricube weights in time, so a change moves only
  the events within the window.
* **soft** (``soft > 0``): the weighted median of the lags each spread over a uniform
  kernel ``soft`` strides wide, continuous in the lags and the weights.

Measured (``benchmarks/event_lag_study.py``, issue 17's seam cache): neither the local
nor the soft pooling is both as accurate and more stable on every clip. The lag moves
mostly because the direct toe-offs after a seam move, by up to 3.6 frames, and appear
or vanish (:func:`gaitcheck.events.cues.lift_index`), so every estimator over them moves.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.events.signals import SIDES

#: Least summed weight (cue quality × visibility weight) of a foot's own stances for the
#: foot to be calibrated by itself: fewer than about two well-seen, sharp contacts fall
#: back to both feet's lag.
MIN_WEIGHT = 2.0
#: Least summed (time-windowed) weight for a local lag; below it the segment's is used.
MIN_LOCAL_WEIGHT = 0.5


def weighted_median(x: np.ndarray, w: np.ndarray, soft: float = 0.0) -> float:
    """Weighted median of ``x`` (the lower one where two values tie).

    With ``soft > 0`` each value is spread uniformly over ``x ± soft / 2`` (same unit as
    ``x``) and the median is that mixture's, so it moves continuously with ``x`` and
    ``w`` instead of jumping between sample values.
    """
    if soft <= 0.0:
        order = np.argsort(x)
        xs, c = x[order], np.cumsum(w[order])
        return float(xs[np.searchsorted(c, 0.5 * c[-1])])
    half = 0.5 * soft
    # The mixture CDF is piecewise linear between the kernel edges: find the segment
    # where it crosses one half and interpolate.
    knots = np.unique(np.concatenate([x - half, x + half]))
    cdf = (w[None, :] * np.clip((knots[:, None] - (x - half)) / soft, 0.0, 1.0)).sum(
        axis=1) / w.sum()
    k = int(np.searchsorted(cdf, 0.5, side="left"))
    if k == 0:
        return float(knots[0])
    c0, c1 = cdf[k - 1], cdf[k]
    t = 0.0 if c1 == c0 else (0.5 - c0) / (c1 - c0)
    left = float(knots[k - 1] + t * (knots[k] - knots[k - 1]))
    # Where the CDF rests at one half (a gap between kernels) the median is the middle
    # of that stretch, which moves continuously with the values.
    last = int(np.searchsorted(cdf, 0.5, side="right")) - 1
    return 0.5 * (left + float(knots[last])) if last > k else left


def _tricube(d: np.ndarray) -> np.ndarray:
    """Tricube kernel of ``d`` in window half-widths: 1 at 0, 0 from 1 on, smooth."""
    return np.clip(1.0 - np.abs(d) ** 3, 0.0, None) ** 3


def stance_lags(direct: np.ndarray, anchor: np.ndarray, weight: np.ndarray,
                sides: np.ndarray, at: np.ndarray, period: float,
                window_strides: float = np.inf, soft: float = 0.0) -> np.ndarray:
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
    at : numpy.ndarray, (n,)
        Where each stance is, fractional rows (for the time window).
    period : float
        Stride period, samples.
    window_strides : float
        Half-width of the tricube time window, strides; ``inf``: the whole segment.
    soft : float
        Width of the soft median's kernel, strides; 0: the plain weighted median.

    Returns
    -------
    numpy.ndarray, (n,)
        The lag of each stance (its foot's own when that foot has ``MIN_WEIGHT`` of
        evidence in the window, else both feet's); NaN where neither has.
    """
    lag_of = direct - anchor
    ok = np.isfinite(lag_of) & (weight > 0)
    width = soft * period if np.isfinite(period) else 0.0
    out = np.full(len(direct), np.nan)

    def pooled(mask: np.ndarray, w: np.ndarray) -> float:
        use = mask & ok & (w > 0)
        if w[use].sum() < MIN_WEIGHT:
            return float("nan")
        return weighted_median(lag_of[use], w[use], width)

    if not np.isfinite(window_strides):
        both = pooled(np.ones(len(direct), bool), weight)
        own = {s: pooled(sides == s, weight) for s in SIDES}
        for k in range(len(direct)):
            out[k] = own[sides[k]] if np.isfinite(own[sides[k]]) else both
        return out
    # Which stances calibrate a foot is decided on the whole segment, as the clip-wide
    # estimator does: a foot the model barely sees borrows both feet's lag everywhere.
    both_ok = pooled(np.ones(len(direct), bool), weight)
    mask = {s: (sides == s) if np.isfinite(pooled(sides == s, weight))
            else np.ones(len(direct), bool) for s in SIDES}
    span = window_strides * period
    for k in range(len(direct)):
        if not np.isfinite(at[k]) or not np.isfinite(both_ok):
            continue
        use = mask[sides[k]] & ok
        w = weight * np.where(np.isfinite(at), _tricube((at - at[k]) / span), 0.0)
        if w[use].sum() < MIN_LOCAL_WEIGHT:
            # Nothing well seen nearby (a long occlusion): the segment's lag.
            w = weight
        out[k] = weighted_median(lag_of[use & (w > 0)], w[use & (w > 0)], width)
    return out
