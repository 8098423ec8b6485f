"""Reference bands and plain-language findings, decided on the metric's uncertainty.

Each band (:attr:`MetricDefinition.band <gaitcheck.metrics.definitions.MetricDefinition>`)
gives the range typical of healthy recreational runners and its published source (authors,
year, journal, DOI) for the quantity gaitcheck measures; a metric without one has no band,
no finding and no cue, and is shown for tracking over time, its ``band_note`` saying which
sources were checked and why they do not apply (head forward, overstride, shank angle).

How a finding is decided:

* only for a metric measurable in the recording's view, with confidence ≥
  :data:`MIN_CONFIDENCE` and a 95 % interval (``ci95``, see
  :mod:`gaitcheck.metrics.uncertainty`);
* only when the **whole interval** lies outside the band. A value outside the band
  whose interval reaches into it is *borderline* (:func:`band_status`): shown on the
  metric card, never raised as a finding;
* a left-right comparison fires only when its interval excludes the threshold
  (:mod:`gaitcheck.metrics.symmetry`).

Every finding says how sure it is (its interval, and by how much it clears the band)
and what it rests on (strides, view, near or far leg), and carries the cue of
:data:`gaitcheck.metrics.definitions.CUES` that goes with it. Bands are guides, not
diagnoses.
"""

from __future__ import annotations

from typing import Any

from gaitcheck.metrics.context import ACTIVITIES, FindingContext, finding_allowed
from gaitcheck.metrics.definitions import CUES, REGISTRY, SYMMETRY_INDICES, Band, band_for
from gaitcheck.metrics.result import Metric
from gaitcheck.sides import SIDES

SEVERITY_ORDER = {"moderate": 0, "mild": 1, "info": 2}
SYMMETRY = {si.name: si for si in SYMMETRY_INDICES}
STRIKE_WORDS = {"rearfoot": "Heel strike", "midfoot": "Midfoot strike",
                "forefoot": "Forefoot strike"}
#: Lowest metric confidence (0..1) a finding is raised on.
MIN_CONFIDENCE = 0.2


def band_status(value: float | None, ci95: list[float] | None,
                band: dict[str, Any] | Band | None) -> str | None:
    """Where a value stands against its band.

    Returns
    -------
    {"inside", "borderline", "below", "above"} or None
        "below"/"above": the whole 95 % interval is outside the band (a finding);
        "borderline": the value is outside but its interval reaches into the band, or
        there is no interval; None without a value or a band.
    """
    if value is None or band is None:
        return None
    low, high = (band.low, band.high) if isinstance(band, Band) else \
        (band.get("low"), band.get("high"))
    outside = (low is not None and value < low) or (high is not None and value > high)
    if not outside:
        return "inside"
    if ci95 is None:
        return "borderline"
    lo, hi = ci95
    if low is not None and hi < low:
        return "below"
    if high is not None and lo > high:
        return "above"
    return "borderline"


def _finding(key: str, severity: str, message: str, value: Any, band: Band | None = None,
             **more: Any) -> dict[str, Any]:
    out = {"metric": key, "severity": severity, "message": message, "value": value,
           "band": band.to_dict() if band else None}
    out.update(more)
    return out


def bands_for(metrics: dict[str, Metric], activity: str | None) -> dict[str, dict[str, Any]]:
    """Return the reference band of every metric that has one, by key, for the report.

    None for an unknown activity: running and walking bands differ.
    """
    out: dict[str, dict[str, Any]] = {}
    if activity not in ACTIVITIES:
        return out
    for key, metric in metrics.items():
        band = band_for(key, metric.unit, activity)
        if band is not None:
            out[key] = band.to_dict()
    return out


def _fmt(x: float, unit: str, decimals: int) -> str:
    if unit == "deg":
        return f"{x:.{decimals}f}°"
    return f"{x:.{decimals}f} {unit}"


def evidence(m: Metric, view: str | None, near: str | None) -> dict[str, Any]:
    """Describe what a finding on ``m`` rests on: values per side, view, near/far leg."""
    n = (m.uncertainty or {}).get("n")
    out: dict[str, Any] = {"view": view, "values": n}
    if m.per_side is not None:
        counts = {s: int(m.per_side[s].valid.size) for s in SIDES}
        out["per_side"] = counts
        entry = REGISTRY.get(m.key)
        if view in ("side", "oblique") and near in SIDES and entry is not None \
                and entry.group in ("Timing", "Foot and leg"):
            far = next(s for s in SIDES if s != near)
            out["legs"] = f"near ({near}) leg {counts[near]}, far ({far}) leg {counts[far]}"
        else:
            out["legs"] = f"strides of the left foot {counts['left']}, of the right " \
                f"{counts['right']}"
    return out


def _evidence_words(ev: dict[str, Any]) -> str:
    parts = [f"{ev['values']} per-stride values" if ev.get("values") else None,
             f"{ev['view']} view" if ev.get("view") else None, ev.get("legs")]
    return "; ".join(p for p in parts if p)


def findings(metrics: dict[str, Metric], asymmetry: dict[str, dict[str, Any]],
             activity: str | None, view: str | None,
             near_side: str | None = None,
             context: FindingContext | None = None) -> list[dict[str, Any]]:
    """Plain-language findings, worst first, only beyond the uncertainty.

    Parameters
    ----------
    metrics : dict of Metric
        Computed metrics with their ``ci95``.
    asymmetry : dict
        Left-right comparisons (:func:`gaitcheck.metrics.symmetry.asymmetry`).
    activity : {"run", "walk"} or None
        Detected activity; bands differ.
    view : {"side", "front", "back"} or None
        Recording view; metrics not valid in it give no finding.
    near_side : {"left", "right"} or None
        The camera-side leg in a side view (the evidence names near and far leg).
    context : FindingContext, optional
        Suspected slow motion, activity and view: findings it does not allow are
        dropped (:func:`gaitcheck.metrics.context.finding_allowed`).
    """
    out: list[dict[str, Any]] = []
    usable = {k: m for k, m in metrics.items()
              if m.measurable and m.value is not None and view in m.valid_for_view
              and m.confidence >= MIN_CONFIDENCE}
    for key, entry in REGISTRY.items():
        m = usable.get(key)
        # Walking gets walking bands or none; an unknown activity gets none.
        band = band_for(key, m.unit, activity) if m and activity in ACTIVITIES else None
        if m is None or m.value is None or band is None:
            continue
        status = band_status(m.value, m.ci95, band)
        if status not in ("below", "above") or m.ci95 is None:
            continue
        d = entry.decimals
        lo, hi = m.ci95
        clear = (band.low - hi) if status == "below" and band.low is not None else \
            (lo - band.high if band.high is not None else 0.0)
        ev = evidence(m, view, near_side)
        severity = "mild" if status == "below" else entry.above_band_severity
        out.append(_finding(
            key, severity,
            f"{entry.label} {_fmt(m.value, m.unit, d)} is {status} the typical "
            f"{_range(band, m.unit)}: the whole 95 % interval ({_fmt(lo, m.unit, d)} to "
            f"{_fmt(hi, m.unit, d)}) lies {status} it, by at least "
            f"{_fmt(clear, m.unit, d)}. Based on {_evidence_words(ev)}.",
            round(m.value, 2), band, ci95=m.ci95, status=status,
            certainty=f"95 % interval clears the band by {clear:.{d}f} {m.unit}",
            evidence=ev, cue=entry.cue))
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
                                pattern, cue=None))
    cross = usable.get("arm_crossover")
    # Crossing is a definition (the wrist past the midline), not a band: the whole
    # interval must lie past the midline and most strides must cross.
    if cross is not None and cross.value is not None and cross.ci95 is not None \
            and cross.ci95[0] > 0 and (cross.extra.get("pct_strides_crossing") or 0) > 50:
        ev = evidence(cross, view, near_side)
        out.append(_finding(
            "arm_crossover", "mild", "The arms cross the body's midline on "
            f"{cross.extra['pct_strides_crossing']:.0f} % of strides (by {cross.value:.2f} "
            f"shoulder widths on average, 95 % interval {cross.ci95[0]:.2f} to "
            f"{cross.ci95[1]:.2f}). Based on {_evidence_words(ev)}.",
            round(cross.value, 3), ci95=cross.ci95, status="above",
            certainty="95 % interval entirely past the midline", evidence=ev,
            cue=CUES.get("arm_crossover")))
    out += _asymmetry_findings(asymmetry, view)
    if context is not None:
        out = [f for f in out
               if finding_allowed(context, f["metric"], f["band"] is not None) is None]
    return sorted(out, key=lambda f: SEVERITY_ORDER[f["severity"]])


def _asymmetry_findings(asymmetry: dict[str, dict[str, Any]],
                        view: str | None) -> list[dict[str, Any]]:
    out = []
    side = view in ("side", "oblique")
    for name, row in asymmetry.items():
        if not row.get("flagged"):
            continue
        index = SYMMETRY.get(name)
        label = index.phrase if index else name.replace("_", " ")
        lo, hi = row["ci95"]
        thr = row["threshold"]
        if row["kind"] == "si":
            size = f"symmetry index {row['si_pct']:.0f} % (95 % interval {lo:.0f}-{hi:.0f} %, " \
                   f"flagged above {thr:g} %)"
            value = row["si_pct"]
        else:
            unit = REGISTRY[index.metric].unit if index else ""
            size = f"difference {row['diff']:.2g} {unit} (95 % interval {lo:.2g}-{hi:.2g}, " \
                   f"flagged above {thr:g})"
            value = row["diff"]
        legs = "both legs seen at contact and toe-off" if side else "both sides"
        caveat = " From the side the far leg is measured less precisely: confirm with a " \
                 "back view." if side else ""
        out.append(_finding(
            f"asymmetry.{name}", "moderate" if lo > 2 * thr else "mild",
            f"Left-right difference in {label}: {size}; left {row['left']:.3g}, right "
            f"{row['right']:.3g}, from {row['n_left']} left and {row['n_right']} right "
            f"values ({legs}).{caveat}", value, ci95=row["ci95"], status="above",
            certainty=f"95 % interval of the difference lies above {thr:g}",
            evidence={"view": view, "per_side": {"left": row["n_left"],
                                                 "right": row["n_right"]}, "legs": legs},
            cue=CUES.get("asymmetry")))
    return out


def _range(band: Band, unit: str) -> str:
    u = "°" if unit == "deg" else f" {unit}"
    if band.low is not None and band.high is not None:
        return f"range {band.low:g}-{band.high:g}{u}"
    return f"limit {band.high:g}{u}" if band.high is not None else f"minimum {band.low:g}{u}"
