"""Fits that time the back-view gait events on landmark image heights.

* :func:`hinge_fit`: the break point of a continuous two-piece linear fit (the foot's
  descent stopping at initial contact), to a fraction of a sample;
* :func:`ground_rise`: a landmark's height above its ground path (``1 / (y − horizon)``
  is linear in time for a point carried by a belt under a level camera);
* :func:`ground_crossing` and :func:`lift_onset`: when that height leaves the jitter band,
  and the onset of the lift fitted as ``k · max(0, t − τ)²``.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import savgol_filter

#: The toe's lift is fitted up to this many jitter bands above its ground path. A longer
#: fit averages more jitter (per-stride TO error, realistic artefacts, 30 fps, robust
#: SD 13.5 ms at 6 bands, 10.4 at 16) but times the longer of two unequal stances earlier
#: and so shrinks a contact-time asymmetry more (15 % reads 10.5 % instead of 12 %).
LIFT_FIT_BANDS = 6.0


def hinge_fit(y: np.ndarray, centre: float, half: int, sign: int = 0,
              reach: float = 1.5) -> tuple[float, float]:
    """Break point of a continuous two-piece linear fit, fractional index.

    ``y[:, j][k] ≈ a_j + b_j (k − τ) + c_j · max(0, k − τ)`` fitted by least squares over
    the finite samples within ``half`` samples of ``centre``, one break ``τ`` shared by
    every column (landmark) of ``y``; ``τ`` is searched on a 0.05-sample grid within
    ``reach`` samples of ``centre`` (and inside the window).

    Parameters
    ----------
    y : numpy.ndarray, (n,) or (n, m)
        Image heights of one or more landmarks (any unit), NaN where not measured.
    centre : float
        Coarse position of the event, samples.
    half : int
        Half-width of the fitted window, samples.
    sign : {-1, 0, 1}
        Required sign of the mean change of slope ``c`` (0: either).
    reach : float
        How far the break may lie from ``centre``, samples.

    Returns
    -------
    tau : float
        Break point, fractional sample index (NaN with too few samples).
    strength : float
        Mean ``|c|`` divided by the residual SD: how sharp the bend is against the jitter.
    """
    y2 = y[:, None] if y.ndim == 1 else y
    lo, hi = max(0, round(centre) - half), min(len(y2), round(centre) + half + 1)
    k = np.arange(lo, hi, dtype=np.float64)
    cols = [(k[np.isfinite(v)], v[np.isfinite(v)]) for v in y2[lo:hi].T]
    cols = [(kk, v) for kk, v in cols if len(v) >= 5]
    if not cols:
        return float("nan"), 0.0
    n = sum(len(v) for _, v in cols)
    k_all = np.concatenate([kk for kk, _ in cols])
    best = (np.inf, float("nan"), 0.0)
    for tau in np.arange(max(k_all.min() + 1, centre - reach),
                         min(k_all.max() - 1, centre + reach) + 1e-9, 0.05):
        sse, cs = 0.0, []
        for kk, v in cols:
            a = np.column_stack([np.ones_like(kk), kk - tau, np.maximum(0.0, kk - tau)])
            coef, *_ = np.linalg.lstsq(a, v, rcond=None)
            sse += float(np.sum((a @ coef - v) ** 2))
            cs.append(float(coef[2]))
        c = float(np.mean(cs))
        if sign and np.sign(c) != sign:
            continue
        if sse < best[0]:
            best = (sse, float(tau), c)
    sse, tau, c = best
    if not np.isfinite(tau):
        return float("nan"), 0.0
    sd = np.sqrt(sse / max(1, n - 3 * len(cols))) + 1e-6
    return tau, abs(c) / sd


def bend(y: np.ndarray, period: float) -> np.ndarray:
    """Second derivative of a gap-free height, per sample², smoothed over ~a tenth of a stride."""
    win = max(5, round(0.12 * period) | 1)
    if len(y) <= win:
        return np.zeros_like(y)
    return savgol_filter(y, win, 2, deriv=2, mode="interp")


def ground_rise(y_px: np.ndarray, fit: tuple[float, float], horizon_px: float,
                 slope: float | None = None) -> tuple[np.ndarray, float, float]:
    """Height of a landmark above its extrapolated ground path, pixels (up positive).

    A point on a level floor at depth ``Z`` from a level camera is imaged ``f·H / Z``
    below the horizon row (``H`` the camera height), so ``u = 1 / (y − horizon)`` is
    proportional to its depth; the belt carries a stance foot at constant speed, so on
    the ground ``u`` is a straight line in time (a constant overground), whatever the
    view. The line is fitted over the samples in ``fit`` (part of the stance where the
    landmark is down); with ``slope`` (``u`` per sample: the belt speed, shared by every
    stance of a clip) only its offset is. Returns the rise at every sample (NaN where
    unknown), the residual SD of the fit, pixels (NaN with too few samples), and the
    fitted slope.
    """
    nan = np.full(len(y_px), np.nan)
    k = np.arange(max(0, int(np.ceil(fit[0]))), min(len(y_px), int(np.floor(fit[1])) + 1))
    k = k[np.isfinite(y_px[k])] if len(k) else k
    free = 2 if slope is None else 1
    if len(k) < free or not np.all(y_px[k] > horizon_px):
        return nan, float("nan"), float("nan")
    uk = 1.0 / (y_px[k] - horizon_px)
    if slope is None:
        if len(k) < 2:
            return nan, float("nan"), float("nan")
        slope, icpt = np.polyfit(k, uk, 1)
    else:
        icpt = float(np.mean(uk - slope * k))
    u = icpt + slope * np.arange(len(y_px))
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(u > 0, horizon_px + 1.0 / u - y_px, np.nan)
    sd = float(np.sqrt(np.sum(rise[k] ** 2) / (len(k) - free))) if len(k) > free \
        else float("nan")
    return rise, sd, float(slope)


def ground_crossing(rise: np.ndarray, fit: tuple[float, float], band: float,
                    forward: bool, limit: float) -> tuple[float, float]:
    """When a landmark leaves (or, backwards in time, reaches) its ground path.

    The first sample beyond ``fit`` from which ``rise`` (:func:`ground_rise`, averaged
    over landmarks) is beyond ``band`` on two samples in a row, linearly interpolated
    between samples. Forwards (toe-off) only a rise counts: a lift moves a point up the
    image of a level camera. Backwards (initial contact) either direction: a foot about
    to land is in the air, but may be imaged below its ground path when nearer the
    camera than where it lands.

    Parameters
    ----------
    rise : numpy.ndarray
        Height above the ground path, any unit (NaN where unknown).
    fit : (float, float)
        Sample range the path was fitted over: the search starts just beyond it.
    band : float
        Height above the ground path that counts as off the ground, unit of ``rise``.
    forward : bool
        Search after ``fit`` (toe-off) or before it (initial contact).
    limit : float
        Sample the search stops at.

    Returns
    -------
    index : float
        Fractional sample index (NaN when not found).
    quality : float
        0..1: the change over one sample at the crossing, in bands (full from one band).
    """
    r = rise if forward else np.abs(rise)
    step = 1 if forward else -1
    j = int(np.floor(fit[1])) + 1 if forward else int(np.ceil(fit[0])) - 1
    while 1 <= j < len(r) - 1 and (j <= limit if forward else j >= limit):
        r0, r1, r2 = r[j - step], r[j], r[j + step]
        if r1 > band and r2 > band and np.isfinite(r0):
            f = float(np.clip((band - r0) / (r1 - r0), 0.0, 1.0)) if r1 != r0 else 0.0
            return j - step + step * f, float(min(1.0, (r1 - r0) / band))
        j += step
    return float("nan"), 0.0


def lift_onset(rise: np.ndarray, start: float, stop: float, band: float,
               found: float) -> float:
    """Onset of a lift from rest, fractional sample: ``rise ≈ k · max(0, t − τ)²``.

    Least squares over the samples from ``start`` to where the rise first exceeds
    ``LIFT_FIT_BANDS`` bands (or ``stop``), ``τ`` on a 0.05-sample grid from ``start``
    to the threshold crossing ``found`` (:func:`ground_crossing`). A threshold crossing
    lags the onset by the time the lift needs to clear the jitter, longer for a slower
    lift; the fitted onset does not. ``found`` when the fit has too few samples.
    """
    a = int(np.ceil(start))
    k = np.arange(a, min(len(rise), int(np.floor(stop)) + 1))
    r = rise[k]
    ok = np.isfinite(r)
    over = np.flatnonzero(ok & (r > LIFT_FIT_BANDS * band))
    if len(over):
        k, r, ok = k[:over[0] + 1], r[:over[0] + 1], ok[:over[0] + 1]
    k, r = k[ok], r[ok]
    if len(k) < 4 or not np.isfinite(found):
        return found
    best, tau_best = np.inf, found
    for tau in np.arange(float(k[0]), found + 1e-9, 0.05):
        basis = np.maximum(0.0, k - tau) ** 2
        den = float(basis @ basis)
        if den <= 0:
            continue
        gain = max(0.0, float(basis @ r) / den)
        sse = float(np.sum((r - gain * basis) ** 2))
        if sse < best:
            best, tau_best = sse, float(tau)
    return tau_best


def smooth3(y: np.ndarray) -> np.ndarray:
    """Zero-phase [1, 2, 1] / 4 smoothing (NaN where a neighbour is NaN)."""
    out = y.copy()
    out[1:-1] = 0.25 * y[:-2] + 0.5 * y[1:-1] + 0.25 * y[2:]
    return out
