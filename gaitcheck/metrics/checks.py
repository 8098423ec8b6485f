"""Sanity checks over a clip's metrics: enough strides, and values that are possible.

A value outside its plausible range (:data:`PLAUSIBLE`) is withheld with the reason, and
the rest, coming from the same pose, lose confidence; too few strides cap every
confidence. Both add a warning for the report.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.result import Metric, not_measurable

#: Plausible range of each headline value (:attr:`MetricDefinition.plausible
#: <gaitcheck.metrics.definitions.MetricDefinition>`): outside it the value is withheld.
PLAUSIBLE: dict[str, tuple[float, float]] = {k: e.plausible for k, e in REGISTRY.items()}
#: Confidence factor of the remaining metrics when another one was implausible.
SUSPECT_FACTOR = 0.5
#: Strides (two steps) below which averages are unstable (warning), and below which
#: every metric's confidence is capped at ``FEW_STRIDES_CONFIDENCE``.
MIN_STRIDES, MIN_STRIDES_ANY, FEW_STRIDES_CONFIDENCE = 4, 2, 0.3

def stride_count_check(metrics: dict[str, Metric], n_contacts: int,
                        warnings: list[dict[str, str]]) -> dict[str, Metric]:
    """Warn about few strides; below :data:`MIN_STRIDES_ANY` cap every confidence."""
    strides = max(n_contacts - 1, 0) / 2.0
    if strides >= MIN_STRIDES:
        return metrics
    if n_contacts == 0:
        return metrics  # the event detector already said why there are no events
    warnings.append({"code": "few_strides", "message": f"Only {strides:g} strides "
                     f"({n_contacts} contacts) were measured; averages over fewer than "
                     f"{MIN_STRIDES} strides are unstable, so confidences are low. Record "
                     "10-15 s of steady running."})
    if strides >= MIN_STRIDES_ANY:
        return metrics
    return {k: dataclasses.replace(m, confidence=min(m.confidence, FEW_STRIDES_CONFIDENCE))
            for k, m in metrics.items()}


def plausibility_check(metrics: dict[str, Metric], warnings: list[dict[str, str]],
                        slowmo: float | None = None) -> dict[str, Metric]:
    """Withhold headline values outside :data:`PLAUSIBLE` and lower the rest's confidence.

    A withheld metric becomes ``measurable: false`` with the reason; the others come from
    the same pose, so their confidence is scaled by :data:`SUSPECT_FACTOR`. ``slowmo``:
    the factor the event detector suggests for a slowed-down clip (then the clock, not
    the pose, is the likely culprit, and the others keep their confidence). Appends an
    ``implausible_metrics`` warning to ``warnings``.
    """
    bad = {}
    for key, m in metrics.items():
        lo, hi = PLAUSIBLE.get(key, (-np.inf, np.inf))
        if m.value is not None and not (np.isfinite(m.value) and lo <= m.value <= hi):
            bad[key] = m.value
    if not bad:
        return metrics
    out = {}
    for key, m in metrics.items():
        if key in bad:
            out[key] = not_measurable(key, m.unit, m.valid_for_view, (
                f"implausible value {bad[key]:.4g} {m.unit} (expected {PLAUSIBLE[key][0]:g}"
                f" to {PLAUSIBLE[key][1]:g}): the pose, view or gait events are probably "
                "wrong"))
        elif not slowmo:  # a slowed clock leaves angles and ratios right
            out[key] = dataclasses.replace(m, confidence=m.confidence * SUSPECT_FACTOR)
        else:
            out[key] = m
    listed = ", ".join(f"{k} {v:.4g}" for k, v in bad.items())
    cause = (f"the clip looks like {slowmo:g}× slow motion (see --slowmo)" if slowmo
             else "the pose model or the detected view is probably wrong for this video; "
             "the other metrics are less certain")
    warnings.append({"code": "implausible_metrics", "message": f"Implausible values were "
                     f"withheld ({listed}): {cause}."})
    return out
