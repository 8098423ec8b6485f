"""The 95 % interval of every metric: stride-to-stride scatter plus a systematic floor.

A reported mean is uncertain for two reasons, and the interval combines both:

* **Statistical**: the strides of a clip are a sample of the runner's strides. The
  interval of the mean is a Student-t interval over the per-stride (per-contact, per-step)
  values, ``mean ± t(0.975, n − 1) · SD / √n``: honest for the means reported here
  because per-stride values of a steady run scatter roughly symmetrically around their
  mean and the interval is of the *mean*, not of single strides (a bootstrap over
  strides gives nearly the same width for n ≥ 8 and too narrow an interval below). At
  least :data:`MIN_VALUES` values are required; with fewer there is no interval.
* **Systematic**: what the same clip gives when it is transformed (mirrored, resized,
  rolled, re-compressed ...): the registry's ``uncertainty_floor``, measured by the
  consistency suite (see :mod:`gaitcheck.metrics.systematic`), a 95 % half-width. A
  single leg's mean (``side_ci95``) takes the suite's floor of one leg's mean where it
  measured one (:func:`~gaitcheck.metrics.systematic.leg_floor`).

* **Event timing**, for values read at a gait event (knee flexion, foot angle,
  overstride and shank angle at contact, hip extension at toe-off): the consistency
  suite's systematic event shift propagated through how fast the value changes there
  (:mod:`gaitcheck.metrics.event_timing`).

The half-widths add in quadrature: ``half = √(statistical² + floor² + timing²)``;
``ci95 = [value − half, value + half]``.

Timing floors (contact, step, flight time) are measured in video frames and converted
with the clip's frame rate: the gait events are placed to about a frame.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.event_timing import EXTRA_KEY
from gaitcheck.metrics.result import Metric
from gaitcheck.metrics.systematic import floor_in_unit, leg_floor

#: Fewest per-stride values an interval is computed from.
MIN_VALUES = 3


def statistical_half_width(values: Sequence[float] | np.ndarray) -> tuple[float, int]:
    """Student-t 95 % half-width of the mean of the finite ``values``, and their count.

    The half-width is NaN below :data:`MIN_VALUES` values.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < MIN_VALUES:
        return float("nan"), int(v.size)
    sd = float(np.std(v, ddof=1))
    return float(stats.t.ppf(0.975, v.size - 1) * sd / math.sqrt(v.size)), int(v.size)


def combine(stat_half: float, floor: float, timing: float = 0.0) -> float:
    """Quadrature sum of the statistical, systematic and event-timing half-widths."""
    return math.sqrt(stat_half ** 2 + floor ** 2 + timing ** 2)


def interval(value: float | None, half: float, digits: int = 3) -> list[float] | None:
    """``[value − half, value + half]`` rounded, or None when either is missing."""
    if value is None or not math.isfinite(value) or not math.isfinite(half):
        return None
    return [round(value - half, digits), round(value + half, digits)]


def describe(method: str, n: int, stat_half: float, floor: float,
             floor_origin: str, timing: float | None = None) -> dict[str, Any]:
    """Build the ``uncertainty`` block of a metric in ``report.json``.

    ``event_timing_half_width`` only for values read at a gait event.
    """
    out = {"method": method, "n": n,
           "statistical_half_width": None if not math.isfinite(stat_half)
           else round(stat_half, 3),
           "systematic_floor": round(floor, 3), "floor_origin": floor_origin}
    if timing is not None:
        out["event_timing_half_width"] = round(timing, 3)
    return out


def with_uncertainty(metrics: dict[str, Metric], fps: float | None) -> dict[str, Metric]:
    """Every measured metric with its ``ci95`` (and per side), see the module docstring.

    Parameters
    ----------
    metrics : dict of Metric
        Metrics by registry key; per-stride values in ``per_side`` (or, for metrics
        without sides such as cadence, in ``samples``).
    fps : float or None
        Frame rate of the tracks, frames/s: converts frame-timed floors to ms.
    """
    out = {}
    for key, m in metrics.items():
        entry = REGISTRY.get(key)
        if entry is None or not m.measurable or m.value is None:
            out[key] = m
            continue
        floor = floor_in_unit(key, entry.uncertainty_floor, fps)
        timing = m.extra.get(EXTRA_KEY)
        t = float(timing) if timing is not None else 0.0
        extra = {k: v for k, v in m.extra.items() if k != EXTRA_KEY}
        if m.per_side is not None:
            pooled = np.concatenate([st.valid for st in m.per_side.values()])
        else:
            pooled = np.asarray(m.samples, dtype=np.float64)
        if pooled.size == 0:  # a metric measured without per-stride values
            half, n, method = float("nan"), 0, "systematic floor only"
            total = combine(0.0, floor, t)
        else:
            half, n = statistical_half_width(pooled)
            method = "t-interval over strides + systematic floor" + (
                " + event timing" if timing is not None else "")
            total = combine(half, floor, t)
        side_ci = None
        if m.per_side is not None:
            side_ci = {}
            leg = leg_floor(key)  # one leg's mean shifts more than both legs' mean
            side_floor = floor if leg is None else floor_in_unit(key, leg, fps)
            for s, st in m.per_side.items():
                h, _ = statistical_half_width(st.valid)
                side_ci[s] = interval(st.mean, combine(h, side_floor, t))
        out[key] = dataclasses.replace(
            m, ci95=interval(m.value, total), side_ci95=side_ci, extra=extra,
            uncertainty=describe(method, n, half, floor, entry.floor_origin,
                                 timing if timing is None else t))
    return out
