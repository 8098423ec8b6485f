"""Outlier detection in landmark time series: a Hampel identifier with a spike test.

Sliding-window medians over every landmark coordinate of a long clip are millions of
small medians; they are computed by one vectorised sort per chunk of rows
(:func:`_nanmedian_last`), not by NumPy's masked-array ``nanmedian``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["hampel_mask"]

#: Rows per chunk of the sliding-window medians: bounds the sorted copies to a few MB
#: however long the clip (the whole clip at once took 16 kB per frame).
_CHUNK = 512
#: Columns (coordinate series) tested together.
_COLUMNS = 8


def _nanmedian_last(a: np.ndarray) -> np.ndarray:
    """Take the median along the last axis, ignoring NaN.

    ``np.nanmedian(a, axis=-1)`` (NaN where all are NaN), by one vectorised sort: NaN
    sort last, so the median is the middle of the first ``n`` finite values. NumPy's
    nanmedian goes through masked arrays, many times slower on millions of windows.
    """
    s = np.sort(a, axis=-1)
    n = np.count_nonzero(~np.isnan(a), axis=-1)[..., None]
    lo = np.take_along_axis(s, np.maximum(n - 1, 0) // 2, axis=-1)[..., 0]
    hi = np.take_along_axis(s, n // 2, axis=-1)[..., 0]
    with np.errstate(invalid="ignore"):
        return np.where(n[..., 0] > 0, (lo + hi) / 2, np.nan)


def hampel_mask(x: np.ndarray, half_window: int, n_sigma: float = 3.0,
                min_sigma: float | np.ndarray = 0.0) -> np.ndarray:
    """Outliers along axis 0: Hampel identifier plus a one-frame spike test.

    Hampel: farther than ``n_sigma`` robust SDs (1.4826 × MAD) from the window median, with
    samples on both sides (an edge's one-sided median lags any trend). As a fast limb's
    window spread hides a one-frame spike, the test also runs on the residual from the
    neighbours' mean, ``r = x[t] − (x[t-1] + x[t+1]) / 2`` (SD over 3 × the window), where
    ``r`` has a spike's signature: both neighbours' residuals of the opposite sign and at
    least a quarter as large (a heel strike's kink or a turning point has not).

    Parameters
    ----------
    x : numpy.ndarray, shape (T, ...)
        Signals, NaN where missing.
    half_window : int
        Window half-width, samples (centred window of ``2 × half_window + 1``).
    n_sigma : float
        Threshold in robust standard deviations.
    min_sigma : float or array broadcastable to ``x.shape[1:]``
        Floor of the robust SD, units of ``x``.

    Returns
    -------
    numpy.ndarray of bool, shape of ``x``
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3 or half_window < 1:
        return np.zeros(x.shape, bool)
    # Each column is an independent series: a few at a time keep the dozen temporary
    # arrays of the test small (all 66 coordinates at once took 7 kB per frame).
    flat = x.reshape(len(x), -1)
    floor = np.broadcast_to(np.asarray(min_sigma, dtype=np.float64), x.shape[1:]).reshape(-1)
    out = np.zeros(flat.shape, bool)
    for c in range(0, flat.shape[1], _COLUMNS):
        out[:, c:c + _COLUMNS] = _hampel_block(flat[:, c:c + _COLUMNS], half_window, n_sigma,
                                               floor[c:c + _COLUMNS])
    return out.reshape(x.shape)


def _hampel_block(x: np.ndarray, half_window: int, n_sigma: float,
                  min_sigma: np.ndarray) -> np.ndarray:
    """:func:`hampel_mask` of a (T, C) block of columns with per-column SD floors."""

    def windows(a: np.ndarray, h: int) -> np.ndarray:
        pad = np.full((h, *a.shape[1:]), np.nan)
        return sliding_window_view(np.concatenate([pad, a, pad]), 2 * h + 1, axis=0)

    win = windows(x, half_window)
    med, mad = np.empty(x.shape), np.empty(x.shape)
    for a in range(0, len(x), _CHUNK):  # chunks bound the sorted copies' memory
        med[a:a + _CHUNK] = _nanmedian_last(win[a:a + _CHUNK])
        mad[a:a + _CHUNK] = _nanmedian_last(np.abs(win[a:a + _CHUNK]
                                                   - med[a:a + _CHUNK, ..., None]))
    ok = np.isfinite(win)
    ok = ok[..., :half_window].any(-1) & ok[..., half_window + 1:].any(-1)
    r = np.concatenate([x[:1] * np.nan, x[1:-1] - (x[:-2] + x[2:]) / 2, x[:1] * np.nan])
    r_win = windows(np.abs(r), 3 * half_window)
    r_med = np.concatenate([_nanmedian_last(r_win[a:a + _CHUNK])
                            for a in range(0, len(x), _CHUNK)])
    r_sigma = np.maximum(1.4826 * r_med, min_sigma)
    before, after = np.roll(r, 1, axis=0), np.roll(r, -1, axis=0)
    with np.errstate(invalid="ignore"):
        spike = ((np.abs(r) > n_sigma * r_sigma) & (r * before < 0) & (r * after < 0)
                 & (np.minimum(np.abs(before), np.abs(after)) > np.abs(r) / 4))
        return (ok & (np.abs(x - med) > n_sigma * np.maximum(1.4826 * mad, min_sigma))) | spike
