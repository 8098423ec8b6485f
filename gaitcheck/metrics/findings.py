"""Reference bands and plain-language findings.

Each band gives the range typical of healthy recreational runners and its source. A
finding is produced only for a metric that was measurable in the recording's view, and
says what was seen in words a runner understands. Bands are guides, not diagnoses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gaitcheck.metrics.result import Metric

SEVERITY_ORDER = {"moderate": 0, "mild": 1, "info": 2}


@dataclass(frozen=True)
class Band:
    """Typical range of a metric for recreational running.

    Attributes
    ----------
    low, high : float or None
        Bounds of the typical range (None = open), in the metric's unit.
    source : str
        Where the range comes from.
    """

    low: float | None
    high: float | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "source": self.source}


RUNNING_BANDS: dict[str, Band] = {
    "cadence_spm": Band(160.0, 190.0, "recreational runners at easy pace; +5-10 % cadence "
                        "lowers knee and hip loading (Heiderscheit et al. 2011)"),
    "ground_contact_ms": Band(180.0, 320.0, "recreational runners at ~170 steps/min "
                              "(literature range, see shared/videos README)"),
    "duty_factor_pct": Band(25.0, 48.0, "running has flight: duty factor < 50 %"),
    "trunk_lean_deg": Band(3.0, 15.0, "typical forward trunk lean in running "
                           "(Teng & Powers 2014: ~7-11°)"),
    # No head-forward band: no published norm exists for a running neck-base → ear angle
    # from vertical (clinical craniovertebral norms are for standing, with C7). The
    # number is reported without a band, for tracking a runner over time.
    "knee_flexion_ic_deg": Band(10.0, 30.0, "knee flexion at initial contact in running "
                                "(Novacheck 1998)"),
    "shank_angle_deg": Band(None, 10.0, "shank near vertical at contact; ankle well ahead "
                            "of the knee suggests overstriding (Souza 2016)"),
    "vertical_oscillation_cm": Band(5.0, 10.0, "recreational runners (Moore 2016)"),
}
WALKING_BANDS: dict[str, Band] = {
    "cadence_spm": Band(95.0, 125.0, "comfortable walking speed (Perry & Burnfield 2010)"),
}


def _band_for(key: str, metric: Metric, activity: str | None) -> Band | None:
    bands = WALKING_BANDS if activity == "walk" else RUNNING_BANDS
    if key == "vertical_oscillation":
        return bands.get("vertical_oscillation_cm") if metric.unit == "cm" else None
    return bands.get(key)


def _finding(key: str, severity: str, message: str, value: Any,
             band: Band | None = None) -> dict[str, Any]:
    return {"metric": key, "severity": severity, "message": message, "value": value,
            "band": band.to_dict() if band else None}


def bands_for(metrics: dict[str, Metric], activity: str | None) -> dict[str, dict[str, Any]]:
    """The reference band of every metric that has one, for the report."""
    out = {}
    for key, metric in metrics.items():
        band = _band_for(key, metric, activity)
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
    words = {"cadence_spm": "Cadence", "ground_contact_ms": "Ground contact time",
             "duty_factor_pct": "Duty factor", "trunk_lean_deg": "Forward trunk lean",
             "head_forward_deg": "Head-forward angle",
             "knee_flexion_ic_deg": "Knee flexion at contact",
             "shank_angle_deg": "Shank angle at contact",
             "vertical_oscillation": "Vertical oscillation"}
    for key, label in words.items():
        m = usable.get(key)
        band = _band_for(key, m, activity) if m else None
        if m is None or band is None:
            continue
        unit = "" if m.unit in ("%", "deg") else f" {m.unit}"
        shown = f"{m.value:.0f}°" if m.unit == "deg" else f"{m.value:.0f}{unit}" + (
            " %" if m.unit == "%" else "")
        if band.low is not None and m.value < band.low:
            out.append(_finding(key, "mild", f"{label} {shown} is below the typical "
                                f"{_range(band, m.unit)}.", round(m.value, 2), band))
        elif band.high is not None and m.value > band.high:
            out.append(_finding(key, "moderate" if key == "shank_angle_deg" else "mild",
                                f"{label} {shown} is above the typical "
                                f"{_range(band, m.unit)}.", round(m.value, 2), band))
    strike = usable.get("foot_strike")
    if strike is not None and strike.per_side is not None:
        for side in ("left", "right"):
            counts = strike.extra["per_side_counts"][side]
            n = sum(counts.values())
            if n == 0:
                continue
            pattern = max(counts, key=counts.get)
            angle = strike.per_side[side].mean
            name = {"rearfoot": "Heel strike", "midfoot": "Midfoot strike",
                    "forefoot": "Forefoot strike"}[pattern]
            share = 100 * counts[pattern] / n
            out.append(_finding("foot_strike", "info", f"{name} on {share:.0f} % of "
                                f"{side}-foot contacts (foot angle {angle:.0f}° at contact).",
                                pattern))
    cross = usable.get("arm_crossover")
    if cross is not None and (cross.extra.get("pct_strides_crossing") or 0) > 50:
        out.append(_finding("arm_crossover", "mild", "The arms cross the body's midline on "
                            f"{cross.extra['pct_strides_crossing']:.0f} % of strides "
                            f"(by {cross.value:.2f} shoulder widths on average).",
                            round(cross.value, 3)))
    labels = {"knee_flexion_ic": "knee flexion at contact",
              "foot_strike_angle": "foot angle at contact",
              "vertical_excursion": "vertical bounce"}
    # In a side view the far leg is partly hidden and measured less precisely, so a
    # left-right difference there is a prompt to check, not a verdict.
    caveat = (" The far leg is measured less precisely from the side; confirm with a "
              "back view." if view == "side" else "")
    for name, si in asymmetry.items():
        if si["flagged"]:
            label = labels.get(name, name.replace("_", " "))
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
