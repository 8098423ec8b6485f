"""Toe-off read on the shoe's push-off pivot instead of foot_index (variants ``pivot:…``
of ``benchmarks/toe_off_study.py``; patched into the detector, product untouched).

Adopted as ``pivot:0.15+own``: the product now reads toe-off at the reach the landmark
source declares (:func:`gaitcheck.landmarks.toe_reach_for`, 0.15 for MediaPipe, 0 for
exact tracks) with each foot's own toe-off lag. A ``pivot:`` variant switches the
product's reach off and applies its own to foot_index; ``+own`` is the product's lag
now, so ``pivot:K`` without it is no longer measurable here.

What the landmarks show (shared treadmill clip, cached pose, 13 labelled toe-offs read
around their labels, and the pixels of frames 75–91 with the landmarks drawn): the toe
landmark (foot_index) sits on the shoe behind and above the point the shoe rolls over.
While the heel rises and the shoe pivots on its tip, foot_index rises with the rotation,
2–10 source px a frame over the 2–3 frames before the label, and today's ground band
(:func:`gaitcheck.events.cues.lift_index`) reads that creep as the lift-off, 1.5–2.5
frames early. The shoe's own neon pixels (HSV hue 25–50) put the shoe tip 0.14–0.23
heel → foot_index lengths beyond foot_index along that line in the frames 3–6 before
each near-foot label (median per frame offset, 16–17 stances). The toe's horizontal
motion does not mark the lift-off: foot_index keeps the belt's speed (+20…+40 px a
frame) through the label frame and leaves it one frame later.

Variants (``pivot:REACH[+own]``):

* ``pivot:K``: the direct toe-off is today's :func:`~gaitcheck.events.cues.lift_index`
  on the height of the point ``K`` heel → foot_index lengths beyond foot_index, above
  its own ground level (same band, same windows);
* ``pivot:auto[N]``: ``K`` of each foot fitted to its own stances: per stance the
  least-squares slope of the toe's height against the heel's height above the toe over
  the late stance (the toe-off search start up to foot_index's own lift-off + ``N``
  samples), clipped to 0–0.5, median over the foot's stances (0 on exact tracks, where
  foot_index is the pivot); ``pivot:pool[N]``: one fit over all the foot's samples;
* ``+own``: the toe-off's anchor lag is each foot's own unweighted median (today: the IC
  cue quality × visibility weights, both feet's where a foot has too little; on the
  treadmill clip the far foot (visibility ~0.77) gets the near foot's lag, whose
  direct − anchor differs from its own by ~1 frame).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_ORIGINAL: dict[str, Any] = {}


def pivot_samples(toe_up: np.ndarray, heel_up: np.ndarray, lo: float,
                  hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Centred heel-above-toe heights ``x`` and toe heights ``y`` of the samples in
    ``[lo, hi]`` (leg lengths; empty with fewer than 3 measured samples)."""
    empty = np.zeros(0), np.zeros(0)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return empty
    a, b = max(0, int(np.ceil(lo))), min(len(toe_up) - 1, int(np.floor(hi)))
    y = toe_up[a:b + 1]
    x = heel_up[a:b + 1] - y
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return empty
    return x[ok] - x[ok].mean(), y[ok] - y[ok].mean()


def slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of centred ``y`` on ``x`` clipped to ``[0, 0.5]``: how far
    beyond foot_index (heel → toe lengths) the point whose height stays put lies."""
    den = float(np.sum(x * x))
    return float(np.clip(np.sum(x * y) / den, 0.0, 0.5)) if len(x) >= 3 and den > 0 \
        else float("nan")


def foot_reach(f: Any, windows: list[tuple[float, float, float]], mode: str,
               extra: float) -> float:
    """``pivot:auto`` / ``pivot:pool`` reach of one foot from its late-stance samples
    (``windows``: search start, today's toe-off, search stop per stance)."""
    xy = [pivot_samples(f.toe_up, f.heel_up, lo, to + extra) for lo, to, _ in windows]
    if mode == "pool":
        x = np.concatenate([v[0] for v in xy]) if xy else np.zeros(0)
        y = np.concatenate([v[1] for v in xy]) if xy else np.zeros(0)
        r = slope(x, y)
        return r if np.isfinite(r) else 0.0
    each = [s for s in (slope(x, y) for x, y in xy) if np.isfinite(s)]
    return float(np.median(each)) if each else 0.0


def pivot_foot_stances(original: Any, mode: str, reach: float, extra: float) -> Any:
    """``foot_stances`` whose direct toe-offs read the pivot (module docstring)."""
    import dataclasses

    import gaitcheck.events.cues as cues

    def patched(f: Any, side: str, period: float, offset: int, *args: Any,
                **kwargs: Any) -> Any:
        grounds: list[tuple[float, float]] = []
        windows: list[tuple[float, float, float]] = []
        ground, lift = cues.ground_level, cues.lift_index

        def ground_level(up: np.ndarray, lo: float, hi: float) -> float:
            if up is f.toe_up:
                grounds.append((lo, hi))
            return ground(up, lo, hi)

        def lift_index(up: np.ndarray, g: float, band: float, start: float,
                       stop: float) -> float:
            to = lift(up, g, band, start, stop)
            if up is f.toe_up:
                windows.append((start, to, stop))
                bands.append(band)
            return to
        bands: list[float] = []
        cues.ground_level, cues.lift_index = ground_level, lift_index
        try:
            out = original(f, side, period, offset, *args, **kwargs)
        finally:
            cues.ground_level, cues.lift_index = ground, lift
        if not out or len(out) != len(windows) or len(out) != len(grounds):
            return out
        k = reach if mode == "fixed" else foot_reach(f, windows, mode, extra)
        if not k:
            return out
        tip = f.toe_up + k * (f.toe_up - f.heel_up)
        return [dataclasses.replace(s, to_direct=lift(
                    tip, ground(tip, *g), b, lo, hi) + offset)
                for s, g, b, (lo, _, hi) in zip(out, grounds, bands, windows, strict=True)]
    return patched


def own_lag_calibrated(original: Any) -> Any:
    """``anchor_calibrated`` whose toe-off lag is each foot's own unweighted median."""
    import gaitcheck.events.stances as stances

    def patched(found: list[Any], period: float, *args: Any, **kwargs: Any) -> Any:
        calls = [0]
        inner = stances.lags.stance_lags

        def stance_lags(direct: np.ndarray, anchor: np.ndarray, weight: np.ndarray,
                        sides: np.ndarray, **kwargs: Any) -> np.ndarray:
            calls[0] += 1  # called for "ic", then "to"
            if calls[0] == 2:
                weight = np.ones(len(direct))
            return inner(direct, anchor, weight, sides, **kwargs)
        stances.lags.stance_lags = stance_lags
        try:
            return original(found, period, *args, **kwargs)
        finally:
            stances.lags.stance_lags = inner
    return patched


def set_pivot(kind: str) -> None:
    """Patch ``pivot:REACH[+own]`` in (``REACH``: a number, ``autoN`` or ``poolN``), or
    restore the product's stances with ``kind`` not starting with ``pivot:``."""
    import gaitcheck.events.detect as detect

    _ORIGINAL.setdefault("stances", detect.foot_stances)
    _ORIGINAL.setdefault("anchor", detect.anchor_calibrated)
    _ORIGINAL.setdefault("reach", detect.toe_reach_for)
    detect.foot_stances, detect.anchor_calibrated = _ORIGINAL["stances"], _ORIGINAL["anchor"]
    detect.toe_reach_for = _ORIGINAL["reach"]
    if not kind.startswith("pivot:"):
        return
    # The variants read their reach from foot_index: the product's own reach is off.
    detect.toe_reach_for = lambda source: 0.0
    reach, _, own = kind.removeprefix("pivot:").partition("+")
    mode = reach[:4] if reach.startswith(("auto", "pool")) else "fixed"
    extra = float(reach[4:] or 0) if mode != "fixed" else 0.0
    detect.foot_stances = pivot_foot_stances(
        _ORIGINAL["stances"], mode, float(reach) if mode == "fixed" else 0.0, extra)
    if own == "own":
        detect.anchor_calibrated = own_lag_calibrated(_ORIGINAL["anchor"])
