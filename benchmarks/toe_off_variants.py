"""Direct toe-off variants patched into the event detector (``benchmarks/toe_off_study.py``
measures them): a hinge-parabola fit at the ground band (``fit``), the interpolated band
crossing (``cross``), the knee of the toe's rise with its own baseline (``knee``, with
the modes ``+edge``, ``+low:N``, ``+blend:N``, ``+extend``, ``+nan``) and ``KIND@run``
(``KIND`` only where today's events found a run). :func:`set_toe_off` patches one in;
``now`` restores the product's :func:`gaitcheck.events.cues.lift_index`.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

#: Half-width of the fit's tricube time window, samples (before and after the crossing).
FIT_WINDOW = 4.0
#: Height (in ground bands) from which a sample's fit weight tapers, and where it is 0:
#: the parabola holds only near the lift-off.
FIT_TAPER = (3.0, 6.0)
#: Lift-off times tried, samples before the band crossing (then refined).
FIT_SEARCH = 3.0


def _tricube(d: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.abs(d) ** 3, 0.0, None) ** 3


def fit_lift(h: np.ndarray, crossing: float, band: float) -> float:
    """Lift-off time (fractional index) of the hinge parabola fitted to ``h`` (height
    above ground, NaN where missing) around its band ``crossing``."""
    i = np.arange(len(h), dtype=np.float64)
    w = _tricube((i - crossing) / FIT_WINDOW)
    lo, hi = FIT_TAPER
    w = w * np.clip((hi * band - np.nan_to_num(h, nan=np.inf)) / ((hi - lo) * band), 0, 1)
    use = (w > 0) & np.isfinite(h)
    t, y, w = i[use], h[use], w[use]

    def sse(t0: float) -> float:
        q = np.maximum(0.0, t - t0) ** 2
        den = float(np.sum(w * q * q))
        a = max(0.0, float(np.sum(w * y * q)) / den) if den > 0 else 0.0
        return float(np.sum(w * (y - a * q) ** 2))
    grid = crossing - np.arange(0.0, FIT_SEARCH + 1e-9, 0.05)
    cost = np.array([sse(g) for g in grid])
    best = float(grid[int(np.argmin(cost))])
    # Refined on a finer grid around the coarse minimum (the cost has a kink at a
    # sample, so a parabola through three grid points would be biased there).
    fine = best + np.arange(-0.05, 0.05 + 1e-9, 0.0025)
    return float(fine[int(np.argmin([sse(g) for g in fine]))])


#: Fractions of the rise's peak height over which a sample's weight in the knee fit falls
#: from 1 to 0.
KNEE_TAPER = (0.25, 0.5)
#: Where :func:`knee_lift` falls back to today's estimate: ``"edge"`` (variant
#: ``knee+edge``) where the rise's peak is at the window's end or the fit at its bound,
#: ``"low"`` (``knee+low``) where the rise is under ``KNEE_MIN_RISE`` bands, ``"blend"``
#: (``knee+blend``) a weighted mean of the two below it; ``"extend"`` (``knee+extend``):
#: never, and a rise still climbing at the window's end is followed to its first peak;
#: ``""``: never.
KNEE_FALLBACK = ""
#: Whether a knee fit at its search bound gives no estimate (variant suffix ``+nan``).
KNEE_BOUND_NAN = False
#: Least rise (ground bands) for the knee alone in variants ``knee+low`` and
#: ``knee+blend`` (``knee+blend:N``: N bands).
KNEE_MIN_RISE_DEFAULT = 15.0
KNEE_MIN_RISE = KNEE_MIN_RISE_DEFAULT


def _hinge_fit(t: np.ndarray, y: np.ndarray, w: np.ndarray, lo: float, hi: float) -> float:
    """``t0`` of the weighted least-squares fit ``y = c + a · max(0, t − t0)²`` (``a ≥ 0``)
    over ``t0`` in ``[lo, hi]``: a coarse grid, then a fine one around its minimum."""
    def sse(t0: float) -> float:
        q = np.maximum(0.0, t - t0) ** 2
        sw, sq, sqq = w.sum(), (w * q).sum(), (w * q * q).sum()
        sy, sqy = (w * y).sum(), (w * q * y).sum()
        det = sw * sqq - sq * sq
        a = (sw * sqy - sq * sy) / det if det > 1e-12 else 0.0
        a = max(a, 0.0)
        c = (sy - a * sq) / sw
        return float((w * (y - c - a * q) ** 2).sum())
    grid = np.arange(lo, hi + 1e-9, 0.05)
    best = float(grid[int(np.argmin([sse(g) for g in grid]))])
    fine = best + np.arange(-0.05, 0.05 + 1e-9, 0.0025)
    return float(fine[int(np.argmin([sse(g) for g in fine]))])


def knee_lift(up: np.ndarray, ground: float, band: float, start: float,
              stop: float) -> float:
    """Toe-off as the knee of the toe's rise: a hinge parabola with its own baseline
    (the toe's level just before it leaves, which on pose tracks often rests 1–8 ground
    bands above the stance's ground level) fitted to the samples around the last
    crossing of half the window's peak height before that peak. NaN when the toe does
    not rise 1.5 bands in ``[start, stop]`` or a sample at the crossing is missing."""
    h = up - ground
    # (Looking for the peak half a window past the end found the late-swing toe rise
    # of a rendered walker instead of its lift-off: "extend" follows the rise only.)
    a, b = max(1, int(np.ceil(start))), min(len(h) - 2, int(np.floor(stop)))
    seg = h[a:b + 1]
    if b <= a or not np.isfinite(seg).any():
        return float("nan")
    k = a + int(np.nanargmax(seg))
    if KNEE_FALLBACK == "extend":
        # A rise cut by the window's end (a walker's slow toe) runs on to its first
        # local peak: the fit needs the rise, not only its foot.
        while k + 1 < len(h) and np.isfinite(h[k + 1]) and h[k + 1] > h[k]:
            k += 1
    top = float(h[k])
    if top < 1.5 * band:
        return float("nan")
    level = 0.5 * top
    i = k - 1
    while i >= 0 and np.isfinite(h[i]) and h[i] > level:
        i -= 1
    if i < 0 or not np.isfinite(h[i]):
        return float("nan")
    crossing = i + (level - h[i]) / (h[i + 1] - h[i])
    half = max(3.0, 0.5 * (stop - start))
    t = np.arange(len(h), dtype=np.float64)
    w = _tricube((t - crossing) / half)
    # Samples high in the rise fade out (from KNEE_TAPER[0] of the peak height to
    # KNEE_TAPER[1]): the parabola holds near the lift-off only; none after the peak.
    lo, hi = KNEE_TAPER[0] * top, KNEE_TAPER[1] * top
    w = w * np.clip((hi - np.nan_to_num(h, nan=np.inf)) / (hi - lo), 0, 1) * (t <= k)
    use = (w > 0) & np.isfinite(h)
    t0 = _hinge_fit(t[use], h[use], w[use], crossing - half, crossing)
    if KNEE_BOUND_NAN and t0 <= crossing - half + 0.05:
        # The fit ran to its search bound: no knee in the window (a rise lost in the
        # pose jitter), so no direct estimate; the anchored one stands.
        return float("nan")
    if KNEE_FALLBACK == "edge" and (k >= b - 1 or t0 <= crossing - half + 0.05):
        # The rise runs past the window (its knee unseen) or the fit found no knee in
        # the window: today's estimate.
        return float(_ORIGINAL.get("lift", cues_lift())(up, ground, band, start, stop))
    if KNEE_FALLBACK == "blend":
        # Today's estimate weighted in where the rise is low (none from KNEE_MIN_RISE
        # bands up, all at half that): no switch between the two.
        w_knee = float(np.clip(2.0 * top / (KNEE_MIN_RISE * band) - 1.0, 0.0, 1.0))
        if w_knee < 1.0:
            now = float(_ORIGINAL.get("lift", cues_lift())(up, ground, band, start, stop))
            if np.isfinite(now):
                return w_knee * t0 + (1.0 - w_knee) * now
        return t0
    if KNEE_FALLBACK == "low" and top < KNEE_MIN_RISE * band:
        # A rise within the pose jitter's reach (a walker's toe on noisy tracks): its
        # knee is not measurable, today's estimate.
        return float(_ORIGINAL.get("lift", cues_lift())(up, ground, band, start, stop))
    return t0


def cues_lift() -> Any:
    import gaitcheck.events.cues as cues

    return cues.lift_index


def lift_variant(kind: str) -> Any:
    """A ``lift_index`` replacement: the same search as today's, read as ``kind``."""
    if kind.startswith("knee"):
        global KNEE_FALLBACK, KNEE_MIN_RISE, KNEE_BOUND_NAN
        mode, _, rise = kind.removeprefix("knee").removeprefix("+").partition(":")
        KNEE_BOUND_NAN = mode.endswith("+nan")
        mode = mode.removesuffix("+nan")
        KNEE_FALLBACK, KNEE_MIN_RISE = mode, float(rise or KNEE_MIN_RISE_DEFAULT)
        return knee_lift
    def lift(up: np.ndarray, ground: float, band: float, start: float,
             stop: float) -> float:
        from gaitcheck.events.cues import last_ground_sample

        h = up - ground
        j, settled = last_ground_sample(h, band, start, stop)
        if j is None:
            return settled
        crossing = j + (band - h[j]) / (h[j + 1] - h[j])
        if kind == "cross":
            return float(crossing)
        if kind == "now":
            r0, r1 = np.sqrt(max(h[j], 0.0)), np.sqrt(h[j + 1])
            return float(max(j - 1, j - r0 / (r1 - r0)))
        return fit_lift(h, crossing, band)
    return lift


_ORIGINAL: dict[str, Any] = {}


def set_toe_off(kind: str) -> None:
    """Patch the detector's direct toe-off with ``kind`` (``now``: today's; ``pivot:…``:
    :mod:`toe_off_pivot`).

    ``KIND@run``: the events are detected with today's toe-off, and again with ``KIND``
    when that found a run (kept if the run stays a run): the activity is decided as
    today, and a walker's toe-offs are today's."""
    from toe_off_pivot import set_pivot

    import gaitcheck.analysis as analysis
    import gaitcheck.events as events
    import gaitcheck.events.cues as cues

    _ORIGINAL.setdefault("lift", cues.lift_index)
    _ORIGINAL.setdefault("detect", events.detect_gait_events)
    set_pivot(kind)  # ``pivot:…`` variants (toe_off_pivot.py); today's stances otherwise
    if kind.startswith("pivot:"):
        kind = "now"
    patched = [events, analysis, *(m for m in (sys.modules.get("event_accuracy"),) if m)]
    for module in patched:
        module.detect_gait_events = _ORIGINAL["detect"]
    if not kind.endswith("@run"):
        cues.lift_index = _ORIGINAL["lift"] if kind == "now" else lift_variant(kind)
        return
    cues.lift_index = _ORIGINAL["lift"]
    variant, detect = lift_variant(kind.removesuffix("@run")), _ORIGINAL["detect"]

    def by_activity(*args: Any, **kwargs: Any) -> Any:
        first = detect(*args, **kwargs)
        if first.activity != "run":
            return first
        cues.lift_index = variant
        try:
            second = detect(*args, **kwargs)
        finally:
            cues.lift_index = _ORIGINAL["lift"]
        return second if second.activity == "run" else first
    for module in patched:
        module.detect_gait_events = by_activity
