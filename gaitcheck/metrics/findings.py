"""Reference bands and plain-language findings.

Each band (:attr:`MetricDefinition.band <gaitcheck.metrics.definitions.MetricDefinition>`)
gives the range typical of healthy recreational runners and its source. A finding is
produced only for a metric that was measurable in the recording's view, and says what
was seen in words a runner understands. Bands are guides, not diagnoses.
"""

from __future__ import annotations

from typing import Any

from gaitcheck.metrics.definitions import REGISTRY, SYMMETRY_INDICES, Band, band_for
from gaitcheck.metrics.result import Metric
from gaitcheck.sides import SIDES

SEVERITY_ORDER = {"moderate": 0, "mild": 1, "info": 2}
SYMMETRY = {si.name: si for si in SYMMETRY_INDICES}
STRIKE_WORDS = {"rearfoot": "Heel strike", "midfoot": "Midfoot strike",
                "forefoot": "Forefoot strike"}


def _finding(key: str, severity: str, message: str, value: Any,
             band: Band | None = None) -> dict[str, Any]:
    return {"metric": key, "severity": severity, "message": message, "value": value,
            "band": band.to_dict() if band else None}


def bands_for(metrics: dict[str, Metric], activity: str | None) -> dict[str, dict[str, Any]]:
    """Return the reference band of every metric that has one, by key, for the report."""
    out = {}
    for key, metric in metrics.items():
        band = band_for(key, metric.unit, activity)
        if band is not None:
            out[key] = band.to_dict()
    return out


def findings(metrics: dict[str, Metric], asymmetry: dict[str, dict[str, Any]],
             activity: str | None, view: str | None) -> list[dict[str, Any]]:
    """Plain-language findings, worst first, only for measurable metrics of this view.

    Parameters
    ----------
    metrics : dict of Metric
        Computed metrics.
    asymmetry : dict
        Symmetry indices (see :func:`gaitcheck.metrics.analyze.asymmetry`).
    activity : {"run", "walk"} or None
        Detected activity; bands differ.
    view : {"side", "front", "back"} or None
        Recording view; metrics not valid in it give no finding.
    """
    out: list[dict[str, Any]] = []
    usable = {k: m for k, m in metrics.items()
              if m.measurable and m.value is not None and view in m.valid_for_view
              and m.confidence >= 0.2}
    for key, entry in REGISTRY.items():
        m = usable.get(key)
        band = band_for(key, m.unit, activity) if m else None
        if m is None or m.value is None or band is None:
            continue
        unit = "" if m.unit in ("%", "deg") else f" {m.unit}"
        shown = f"{m.value:.0f}°" if m.unit == "deg" else f"{m.value:.0f}{unit}" + (
            " %" if m.unit == "%" else "")
        if band.low is not None and m.value < band.low:
            out.append(_finding(key, "mild", f"{entry.label} {shown} is below the typical "
                                f"{_range(band, m.unit)}.", round(m.value, 2), band))
        elif band.high is not None and m.value > band.high:
            out.append(_finding(key, entry.above_band_severity, f"{entry.label} {shown} is "
                                f"above the typical {_range(band, m.unit)}.",
                                round(m.value, 2), band))
    strike = usable.get("foot_strike")
    if strike is not None and strike.per_side is not None:
        for side in SIDES:
            counts = strike.extra["per_side_counts"][side]
            n = sum(counts.values())
            if n == 0:
                continue
            pattern = max(counts, key=lambda c: counts[c])
            angle = strike.per_side[side].mean
            name = STRIKE_WORDS[pattern]
            share = 100 * counts[pattern] / n
            out.append(_finding("foot_strike", "info", f"{name} on {share:.0f} % of "
                                f"{side}-foot contacts (foot angle {angle:.0f}° at contact).",
                                pattern))
    cross = usable.get("arm_crossover")
    if cross is not None and cross.value is not None \
            and (cross.extra.get("pct_strides_crossing") or 0) > 50:
        out.append(_finding("arm_crossover", "mild", "The arms cross the body's midline on "
                            f"{cross.extra['pct_strides_crossing']:.0f} % of strides "
                            f"(by {cross.value:.2f} shoulder widths on average).",
                            round(cross.value, 3)))
    # In a side view the far leg is partly hidden and measured less precisely, so a
    # left-right difference there is a prompt to check, not a verdict.
    caveat = (" The far leg is measured less precisely from the side; confirm with a "
              "back view." if view == "side" else "")
    for name, si in asymmetry.items():
        if si["flagged"]:
            index = SYMMETRY.get(name)
            label = index.phrase if index else name.replace("_", " ")
            out.append(_finding(f"asymmetry.{name}", "moderate" if si["si_pct"] > 20 else "mild",
                                f"Left-right asymmetry in {label}: symmetry index "
                                f"{si['si_pct']:.0f} % (left {si['left']:.3g}, right "
                                f"{si['right']:.3g}; above 10 % is flagged).{caveat}",
                                si["si_pct"]))
    return sorted(out, key=lambda f: SEVERITY_ORDER[f["severity"]])


def _range(band: Band, unit: str) -> str:
    u = "°" if unit == "deg" else f" {unit}"
    if band.low is not None and band.high is not None:
        return f"range {band.low:g}-{band.high:g}{u}"
    return f"limit {band.high:g}{u}" if band.high is not None else f"minimum {band.low:g}{u}"
