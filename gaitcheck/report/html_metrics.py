"""Plain-dict view of the metrics for the HTML templates: labels, formatted values, the
reference-band gauge, per-side statistics and definitions of every metric card.

Every number the page shows from ``report.json`` is a :func:`number` dict: its text and
the attributes ``data-metric`` (a dotted path into ``report["metrics"]``; a bare key
means its ``value``) and ``data-value`` (the JSON value), so tests can compare the page
with the report exactly.
"""

from __future__ import annotations

import json
import math
from typing import Any

from gaitcheck.metrics.definitions import GROUPS as GROUP_TITLES
from gaitcheck.metrics.definitions import REGISTRY, MetricDefinition, in_group
from gaitcheck.metrics.definitions import SYMMETRY_SOURCES as SYMMETRY_OF
from gaitcheck.metrics.findings import band_status
from gaitcheck.report.plots import band_gauge, stride_plot
from gaitcheck.sides import SIDES

#: Card groups in page order (the registry's groups); metrics not listed follow in
#: report order.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple((g, in_group(g)) for g in GROUP_TITLES)
#: Decimals by unit, for numbers of metrics the registry does not know.
_DECIMALS = {"steps/min": 0, "ms": 0, "fraction of shoulder width": 2}
_EXTRA_LABELS = {"contacts": "contacts used", "steps_used": "valid steps used",
                 "at_ic": "at initial contact",
                 "sd": "SD over time", "craniovertebral_deg": "craniovertebral-style angle",
                 "pct_strides_crossing": "strides crossing the midline"}


def label(key: str) -> str:
    """Human name of a metric key."""
    entry = REGISTRY.get(key)
    return entry.label if entry else key.replace("_", " ").capitalize()


def sentence(text: str) -> str:
    """``text`` with its first letter in upper case (the rest untouched, unlike
    ``str.capitalize``) and no final full stop (templates add it)."""
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


def json_value(value: Any) -> str:
    """``data-value`` text: numbers exactly as ``json.dumps`` writes them, strings as is."""
    return value if isinstance(value, str) else json.dumps(value)


def fmt_parts(value: float, unit: str, decimals: int | None = None) -> tuple[str, str]:
    """Display text of a value and of its unit ("deg" → °; ``decimals``, default by
    unit)."""
    places = _DECIMALS.get(unit, 1) if decimals is None else decimals
    text = f"{value:.{places}f}".replace("-", "−")
    suffix = {"deg": "°", "fraction of shoulder width": " shoulder widths"}.get(unit, f" {unit}")
    return text, suffix if unit else ""


def fmt(value: float, unit: str, with_unit: bool = True, decimals: int | None = None) -> str:
    """Display text of a value in ``unit``, with the unit unless ``with_unit`` is False
    (``decimals`` as :func:`fmt_parts`)."""
    text, suffix = fmt_parts(value, unit, decimals)
    return text + suffix if with_unit else text


def bound(value: float, unit: str) -> str:
    """A band bound as written in the band's source (no trailing zeros)."""
    return f"{value:g}".replace("-", "−") + ("°" if unit == "deg" else "")


def number(path: str, value: Any, text: str, unit: str = "") -> dict[str, str]:
    """A number of the page with its machine-checkable attributes; ``unit`` is shown
    after ``text`` in smaller type."""
    return {"metric": path, "value": json_value(value), "text": text, "unit": unit}


def decimals_of(path: str) -> int | None:
    """Registry decimals of the metric a ``data-metric`` path starts with (None for
    paths outside the registry, such as ``asymmetry.*``)."""
    entry = REGISTRY.get(path.split(".", 1)[0])
    return entry.decimals if entry else None


def measured(path: str, value: float, unit: str) -> dict[str, str]:
    """:func:`number` of a value in ``unit``, formatted by :func:`fmt_parts` with the
    decimals of its metric."""
    text, suffix = fmt_parts(value, unit, decimals_of(path))
    # "°" belongs to the number; a worded unit is set smaller after it.
    return number(path, value, text + suffix, "") if suffix == "°" else \
        number(path, value, text, suffix)


def definition(key: str) -> MetricDefinition | None:
    """The registry entry of a metric, if gaitcheck has one."""
    return REGISTRY.get(key)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def interval(path: str, ci: Any, unit: str, half: bool = False) -> dict[str, str] | None:
    """:func:`number` of a 95 % interval ``[lo, hi]`` (``data-metric`` ``<path>``, the
    ``ci95`` list): "lo–hi", or "± half-width" when ``half``; None without one."""
    if not (isinstance(ci, list) and len(ci) == 2 and all(_is_number(x) for x in ci)):
        return None
    places = decimals_of(path)
    if half:
        text, suffix = fmt_parts((ci[1] - ci[0]) / 2, unit, places)
        return number(path, ci, f"± {text}", suffix)
    lo, suffix = fmt_parts(ci[0], unit, places)
    hi, _ = fmt_parts(ci[1], unit, places)
    return number(path, ci, f"{lo}–{hi}", suffix)


def _sides(key: str, metric: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for side, st in (metric.get("per_side") or {}).items():
        base = f"{key}.per_side.{side}"
        row: dict[str, Any] = {"side": side, "n": number(f"{base}.n", st.get("n"),
                                                         str(st.get("n", 0)))}
        for stat in ("mean", "sd", "median"):
            v = st.get(stat)
            row[stat] = (measured(f"{base}.{stat}", v, metric["unit"]) if stat == "mean" else
                         number(f"{base}.{stat}", v, fmt(v, metric["unit"], False,
                                                         decimals_of(key)))) \
                if _is_number(v) else None
        row["ci"] = interval(f"{base}.ci95", st.get("ci95"), metric["unit"])
        out.append(row)
    return out


def _extras(key: str, metric: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, text in _EXTRA_LABELS.items():
        v = metric.get(name)
        if not _is_number(v):
            continue
        if name in ("contacts", "steps_used"):
            shown = number(f"{key}.{name}", v, str(v))
        elif name.startswith("pct_"):
            shown = number(f"{key}.{name}", v, f"{v:.0f}", " %")
        else:
            unit = "deg" if name.endswith("_deg") else metric["unit"]
            shown = measured(f"{key}.{name}", v, unit)
        out.append({"label": text, "number": shown})
    return out


def _strike(metric: dict[str, Any]) -> dict[str, Any] | None:
    pattern = metric.get("pattern")
    if not pattern:
        return None
    counts = metric.get("counts") or {}
    per_side = metric.get("per_side_counts") or {}
    cut = (metric.get("cutoffs_deg") or {}).get("altman_davis_2012")
    return {"pattern": number("foot_strike.pattern", pattern, pattern),
            "counts": [{"name": k, "n": number(f"foot_strike.counts.{k}", v, str(v))}
                       for k, v in counts.items()],
            "per_side": [{"side": s, "text": ", ".join(f"{k} {v}" for k, v in c.items() if v)
                          or "none"} for s, c in per_side.items()],
            "cutoffs": f"rearfoot above {cut[0]:g}°, forefoot below {cut[1]:g}°"
            if cut else None}


def metric_card(key: str, metric: dict[str, Any], band: dict[str, Any] | None,
                symmetry: tuple[str, dict[str, Any]] | None,
                view: str | None) -> dict[str, Any]:
    """Everything one metric card shows, as plain values.

    Parameters
    ----------
    key : str
        Metric key in ``report.json``.
    metric : dict
        ``report["metrics"][key]``.
    band : dict, optional
        Its reference band.
    symmetry : tuple, optional
        Name and entry of its symmetry index in ``metrics.asymmetry``.
    view : str, optional
        The recording's view (highlighted among the valid views).
    """
    unit = metric.get("unit", "")
    value = metric.get("value")
    measurable = bool(metric.get("measurable")) and _is_number(value)
    definition_ = definition(key)
    card: dict[str, Any] = {
        "key": key, "label": label(key), "unit": unit, "measurable": measurable,
        "reason": sentence(metric.get("reason") or "not enough valid strides in this "
                           "recording"),
        "views": [{"name": v, "current": v == view} for v in metric.get("valid_for_view", [])],
        "definition": definition_.describe() if definition_ else None,
        "band": band,
        "band_text": _band_text(band, unit) if band else None,
    }
    if not measurable:
        return card
    per_side = metric.get("per_side") or {}
    means = {s: st.get("mean") for s, st in per_side.items()}
    confidence = metric.get("confidence") or 0.0
    cutoffs = (metric.get("cutoffs_deg") or {}).get("altman_davis_2012")
    gauge = band_gauge(value, band, means, cutoffs) if band or cutoffs else None
    for tick in (gauge or {}).get("ticks", []):
        tick["text"] = bound(tick["value"], unit)
    card |= {
        "value": measured(key, value, unit),
        "ci": interval(f"{key}.ci95", metric.get("ci95"), unit),
        "gauge": gauge,
        "gauge_note": _gauge_note(gauge, card["band_text"], metric.get("pattern"),
                                  band_status(value, metric.get("ci95"), band)),
        "confidence": number(f"{key}.confidence", confidence, f"{confidence:.2f}"),
        "confidence_level": "high" if confidence >= 0.75 else
        "moderate" if confidence >= 0.4 else "low",
        "sides": _sides(key, metric),
        "plot": stride_plot(f"stride-{key}", per_side, unit, value, band) if per_side else None,
        "extras": _extras(key, metric),
        "strike": _strike(metric) if key == "foot_strike" else None,
        "symmetry": _symmetry_row(symmetry[0], symmetry[1]) if symmetry else None,
    }
    return card


def _band_text(band: dict[str, Any], unit: str) -> str:
    low, high = band.get("low"), band.get("high")
    tail = "" if unit in ("deg", "") else f" {unit}"
    if low is not None and high is not None:
        return f"{bound(low, '')}–{bound(high, unit)}{tail}"
    return (f"up to {bound(high, unit)}{tail}" if high is not None
            else f"at least {bound(low, unit)}{tail}")


def _gauge_note(gauge: dict[str, Any] | None, band_text: str | None,
                pattern: str | None, judged: str | None = None) -> dict[str, str]:
    """Chip and sentence under the gauge; ``judged``: :func:`band_status` of the value
    and its interval (a borderline value is said so here, never raised as a finding)."""
    if judged == "borderline":
        return {"chip": "borderline", "cls": "info", "text": f"outside the typical range "
                f"{band_text}, but its 95 % interval reaches into it: not a finding"}
    status = (gauge or {}).get("status")
    if status == "within":
        return {"chip": "typical", "cls": "ok", "text": f"within the typical range {band_text}"}
    if status:
        return {"chip": status, "cls": "mild", "text": f"{status} the typical range {band_text}"}
    if gauge and gauge["zones"]:
        return {"chip": pattern or "strike", "cls": "info",
                "text": "strike class by the foot angle at contact (Altman & Davis 2012)"}
    return {"chip": "no band", "cls": "plain", "text": "no reference band for this metric"}


def _symmetry_row(name: str, si: dict[str, Any]) -> dict[str, Any]:
    v = si.get("si_pct")
    d = si.get("diff")
    metric = SYMMETRY_OF.get(name)
    unit = REGISTRY[metric].units[0] if metric in REGISTRY else ""
    if _is_number(v):
        shown: dict[str, str] | None = number(f"asymmetry.{name}.si_pct", v, f"{v:.1f}", " %")
        ci = interval(f"asymmetry.{name}.ci95", si.get("ci95"), "%")
    elif _is_number(d):
        shown = measured(f"asymmetry.{name}.diff", d, unit)
        ci = interval(f"asymmetry.{name}.ci95", si.get("ci95"), unit)
    else:
        shown, ci = None, None
    return {"name": name, "label": label(metric) if metric else name.replace("_", " "),
            "flagged": bool(si.get("flagged")), "si": shown, "ci": ci,
            "reason": si.get("reason") if si.get("measurable") is False else None}


def metric_cards(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Card groups ``{"title", "cards"}`` for every metric in the report, in page order
    (the ``asymmetry`` table is not a card: see :func:`symmetry_rows`)."""
    metrics = {k: m for k, m in (report.get("metrics") or {}).items()
               if k != "asymmetry" and isinstance(m, dict) and "unit" in m}
    bands = report.get("reference_bands") or {}
    view = (report.get("view") or {}).get("value")
    asym = (report.get("metrics") or {}).get("asymmetry") or {}
    sym_of = {SYMMETRY_OF[n]: (n, si) for n, si in asym.items() if n in SYMMETRY_OF}
    listed = {k for _, keys in GROUPS for k in keys}
    groups = [*GROUPS, ("Other", tuple(k for k in metrics if k not in listed))]
    out = []
    for title, keys in groups:
        cards = [metric_card(k, metrics[k], bands.get(k), sym_of.get(k), view)
                 for k in keys if k in metrics]
        if cards:
            out.append({"title": title, "cards": cards})
    return out


def symmetry_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the left-right symmetry table, with the left and right values compared."""
    metrics = report.get("metrics") or {}
    rows = []
    for name, si in (metrics.get("asymmetry") or {}).items():
        row = _symmetry_row(name, si)
        row["metric"] = SYMMETRY_OF.get(name)
        unit = (metrics.get(row["metric"]) or {}).get("unit", "")
        for side in SIDES:
            v = si.get(side)
            row[side] = measured(f"asymmetry.{name}.{side}", v, unit) if _is_number(v) else None
        rows.append(row)
    return rows
