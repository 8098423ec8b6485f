"""Containers for metric results: per-stride values, side summaries, confidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.sides import SIDES


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


@dataclass(frozen=True)
class SideStats:
    """Per-stride values of one side and their summary.

    Attributes
    ----------
    values : tuple of float
        One value per stride (or per contact), NaN where it could not be measured.
    """

    values: tuple[float, ...] = ()

    @property
    def valid(self) -> np.ndarray:
        """Finite values, in stride order."""
        v = np.asarray(self.values, dtype=np.float64)
        return v[np.isfinite(v)]

    @property
    def mean(self) -> float:
        """Mean of the finite values; NaN without any."""
        return float(np.mean(self.valid)) if self.valid.size else float("nan")

    @property
    def median(self) -> float:
        """Median of the finite values; NaN without any."""
        return float(np.median(self.valid)) if self.valid.size else float("nan")

    @property
    def sd(self) -> float:
        """Sample standard deviation (ddof 1) of the finite values; NaN below two."""
        return float(np.std(self.valid, ddof=1)) if self.valid.size > 1 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Summary and per-stride values as ``report.json`` holds them (NaN as null)."""
        return {"mean": _r(self.mean), "median": _r(self.median), "sd": _r(self.sd),
                "n": int(self.valid.size), "per_stride": [_r(v) for v in self.values]}


@dataclass(frozen=True)
class Metric:
    """One reported metric.

    Attributes
    ----------
    key : str
        Key in ``report.json`` ``metrics``.
    value : float or None
        Headline value (mean over both sides unless stated); None when not measurable.
    unit : str
        Unit of ``value``.
    confidence : float
        0..1: lower for far-side limbs, few strides, poor visibility, or a view where
        the metric is only estimated.
    valid_for_view : tuple of str
        Views in which the metric is measured (``side``, ``front``, ``back``).
    measurable : bool
        False when the view or the data cannot support the metric.
    per_side : dict of SideStats, optional
        Left and right per-stride values with mean, median and SD.
    extra : dict
        Metric-specific fields (``pattern``, ``counts``, ``si_pct`` ...).
    samples : tuple of float
        Per-stride (per-step) values of a metric without ``per_side`` (cadence per
        step), for its interval; not reported.
    ci95 : list of float, optional
        95 % interval ``[lo, hi]`` of ``value`` in its unit
        (:mod:`gaitcheck.metrics.uncertainty`); None when too few strides.
    side_ci95 : dict, optional
        The same per side (``per_side.<side>.ci95``).
    uncertainty : dict, optional
        How ``ci95`` was made: method, n, statistical half-width, systematic floor.
    """

    key: str
    value: float | None
    unit: str
    confidence: float
    valid_for_view: tuple[str, ...]
    measurable: bool = True
    per_side: dict[str, SideStats] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    samples: tuple[float, ...] = ()
    ci95: list[float] | None = None
    side_ci95: dict[str, list[float] | None] | None = None
    uncertainty: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the metric as ``report.json`` ``metrics`` holds it, ``extra`` merged in."""
        out: dict[str, Any] = {
            "value": _r(self.value) if self.value is not None else None,
            "unit": self.unit,
            "confidence": _r(self.confidence, 2),
            "valid_for_view": list(self.valid_for_view),
            "measurable": self.measurable,
        }
        if self.per_side is not None:
            out["per_side"] = {s: st.to_dict() for s, st in self.per_side.items()}
            for s, ci in (self.side_ci95 or {}).items():
                out["per_side"][s]["ci95"] = ci
        if self.measurable:
            out["ci95"] = self.ci95
            out["uncertainty"] = self.uncertainty
        out.update(self.extra)
        return out


def from_sides(key: str, unit: str, values: dict[str, list[float]], views: tuple[str, ...],
               confidence: float, **extra: Any) -> Metric:
    """Build a metric whose value is the mean of the finite per-stride values of both sides.

    ``values`` holds each side's per-stride values (a missing side counts as none);
    without any finite value the metric is not measurable and its confidence 0.
    """
    per_side = {s: SideStats(tuple(float(v) for v in values.get(s, []))) for s in SIDES}
    pooled = np.concatenate([per_side[s].valid for s in SIDES])
    value = float(np.mean(pooled)) if pooled.size else None
    return Metric(key, value, unit, confidence if value is not None else 0.0, views,
                  value is not None, per_side, dict(extra))


def not_measurable(key: str, unit: str, views: tuple[str, ...], reason: str) -> Metric:
    """Build a metric the view or data cannot support, with the reason (``extra``)."""
    return Metric(key, None, unit, 0.0, views, False, None, {"reason": reason})
