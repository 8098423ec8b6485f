"""Plots of the HTML report as inline SVG: per-stride values, the reference-band gauge and
the gait-event timeline (body plots: :mod:`gaitcheck.report.plots_body`).

Figures are drawn with the small SVG kit of :mod:`gaitcheck.report.svg`, not matplotlib:
a report's plots take milliseconds instead of seconds, and the output is deterministic,
keeps text as text and needs no post-processing to be inlined in HTML.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from gaitcheck.report.svg import INK, MUTED, Figure, nice_ticks, to_svg

__all__ = ["BAND_COLOUR", "INK", "MUTED", "SIDE_COLOURS", "STRIKE_LETTERS", "band_gauge",
           "stride_plot", "timeline_plot", "to_svg", "unit_label"]

#: Colours of the subject's left and right side (Okabe-Ito: safe for colour blindness).
SIDE_COLOURS = {"left": "#0072B2", "right": "#D55E00"}
BAND_COLOUR = "#2e9e5b"
STRIKE_LETTERS = {"rearfoot": "R", "midfoot": "M", "forefoot": "F"}


def _finite(values: Sequence[Any]) -> np.ndarray:
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return arr[np.isfinite(arr)]


def band_gauge(value: float, band: dict[str, Any] | None, sides: dict[str, float | None],
               cutoffs: Sequence[float] | None = None) -> dict[str, Any]:
    """Geometry of the reference-band gauge: positions in % of the gauge width.

    Parameters
    ----------
    value : float
        The metric's headline value.
    band : dict, optional
        ``{"low", "high", "source"}`` from ``report.json`` ``reference_bands`` (either
        bound may be None: open-ended).
    sides : dict
        Left and right means (None when missing), marked on the track.
    cutoffs : sequence of float, optional
        Foot-strike class cut-offs ``(rearfoot above, forefoot below)``, drawn as three
        labelled zones instead of a band.

    Returns
    -------
    dict
        ``band`` (``left``, ``width``, ``open_low``, ``open_high``; None without a
        band), ``zones`` (``left``, ``width``, ``label``), ``value_pos``, ``sides``
        (``side``, ``pos``), ``ticks`` (``pos``, ``value``) and ``status``: "within",
        "below", "above" or None.
    """
    low = band.get("low") if band else None
    high = band.get("high") if band else None
    points = [p for p in (low, high, value, *sides.values(), *(cutoffs or ()))
              if p is not None and math.isfinite(p)]
    lo, hi = min(points), max(points)
    pad = 0.2 * (hi - lo) if hi > lo else max(abs(hi) * 0.2, 1.0)
    lo, hi = lo - pad, hi + pad

    def pos(x: float) -> float:
        return round(100.0 * (x - lo) / (hi - lo), 2)

    out: dict[str, Any] = {"value_pos": pos(value), "band": None, "zones": [], "status": None,
                           "ticks": [], "sides": [{"side": s, "pos": pos(v)}
                                                  for s, v in sides.items()
                                                  if v is not None and math.isfinite(v)]}
    if low is not None or high is not None:
        left = pos(low) if low is not None else 0.0
        right = pos(high) if high is not None else 100.0
        out["band"] = {"left": left, "width": round(right - left, 2),
                       "open_low": low is None, "open_high": high is None}
        out["ticks"] = [{"pos": pos(b), "value": b} for b in (low, high) if b is not None]
        out["status"] = ("below" if low is not None and value < low else
                         "above" if high is not None and value > high else "within")
    elif cutoffs is not None:
        rear, fore = pos(cutoffs[0]), pos(cutoffs[1])
        out["zones"] = [{"left": 0.0, "width": fore, "label": "forefoot"},
                        {"left": fore, "width": round(rear - fore, 2), "label": "midfoot"},
                        {"left": rear, "width": round(100.0 - rear, 2), "label": "rearfoot"}]
        out["ticks"] = [{"pos": pos(c), "value": c} for c in sorted(cutoffs)]
    return out


def stride_plot(name: str, per_side: dict[str, dict[str, Any]], unit: str,
                value: float | None, band: dict[str, Any] | None) -> str | None:
    """Per-stride values of the left and right side, with the reference band shaded.

    Returns None when neither side has a value.
    """
    series = {s: [np.nan if v is None else float(v) for v in (st or {}).get("per_stride", [])]
              for s, st in per_side.items()}
    every = _finite([v for vals in series.values() for v in vals])
    if every.size == 0:
        return None
    fig = Figure(name, 400, 170, "per-stride values, left and right")
    # The same fixed box for every per-stride plot, so that the cards line up; the legend
    # on the right has room for "typical range" and "right (n=100)".
    ax = fig.axes(56, 10, 220, 120)
    lo, hi = float(every.min()), float(every.max())
    span = hi - lo if hi > lo else max(abs(hi) * 0.1, 1.0)
    ax.set_ylim(lo - 0.35 * span, hi + 0.35 * span)
    n = max(len(vals) for vals in series.values())
    pad = max(0.05 * (n - 1), 0.5)
    ax.set_xlim(1 - pad, n + pad)
    if band is not None:
        ax.hband(band.get("low"), band.get("high"), BAND_COLOUR, 0.12, label="typical range")
    if value is not None:
        ax.hline(value, INK, 1.0, dash="4 3", label="overall")
    for side, vals in series.items():
        if not np.isfinite(vals).any():
            continue
        count = int(np.isfinite(vals).sum())
        ax.line(np.arange(1, len(vals) + 1), vals, SIDE_COLOURS.get(side, INK),
                marker="o" if side == "left" else "s", label=f"{side} (n={count})")
    ax.x_axis(nice_ticks(*ax.xlim, 6, integer=True), "stride (per side, in time order)")
    ax.y_axis(label=unit_label(unit))
    # Sides first, as a reader looks for them; then the reference lines.
    items = sorted(ax.legend_items, key=lambda i: i["label"] in ("typical range", "overall"))
    fig.legend(items, ax)
    return to_svg(fig)


def unit_label(unit: str) -> str:
    """Axis label for a unit ("deg" → "degrees")."""
    return {"deg": "degrees", "fraction of shoulder width": "shoulder widths"}.get(unit, unit)


def _stances(contacts: list[dict[str, Any]], toe_offs: list[dict[str, Any]],
             side: str) -> list[tuple[float, float | None]]:
    ics = sorted(c["time_s"] for c in contacts if c.get("side") == side)
    tos = sorted(t["time_s"] for t in toe_offs if t.get("side") == side)
    out = []
    for k, ic in enumerate(ics):
        nxt = ics[k + 1] if k + 1 < len(ics) else math.inf
        out.append((ic, next((t for t in tos if ic < t < nxt), None)))
    return out


def timeline_plot(events: dict[str, Any], duration_s: float | None) -> str | None:
    """Contacts and toe-offs of each foot over time, stance shaded, strike letters on
    contacts (R rearfoot, M midfoot, F forefoot; hollow when inferred). None without
    events."""
    contacts = list(events.get("contacts") or [])
    toe_offs = list(events.get("toe_offs") or [])
    if not contacts and not toe_offs:
        return None
    times = [e["time_s"] for e in contacts + toe_offs]
    end = max(max(times), duration_s or 0.0)
    fig = Figure("timeline", 960, 180, "gait event timeline: contacts and toe-offs per foot")
    ax = fig.axes(48, 6, 896, 134)
    ax.set_ylim(-0.6, 1.75)
    ax.set_xlim(0, end * 1.01 if end > 0 else 1.0)
    letter_size = 10 if len(contacts) <= 40 else 7.5
    for row, side in ((1, "left"), (0, "right")):
        colour = SIDE_COLOURS[side]
        for ic, to in _stances(contacts, toe_offs, side):
            ax.rect(ic, to if to is not None else ic + 0.02, row - 0.18, row + 0.18, colour, 0.25)
        mine = [c for c in contacts if c.get("side") == side]
        for hollow in (False, True):
            at = [c["time_s"] for c in mine if bool(c.get("strike_inferred")) == hollow]
            ax.markers(at, [row] * len(at), "v", colour, 4.5, hollow=hollow)
        for c in mine:
            letter = STRIKE_LETTERS.get(c.get("strike") or "", "?")
            ax.text(c["time_s"], row + 0.3, letter, letter_size, colour)
        to_t = [t["time_s"] for t in toe_offs if t.get("side") == side]
        ax.markers(to_t, [row] * len(to_t), "|", colour, 6.0, width=1.9)
    ax.x_axis(label="time (s)")
    ax.y_axis([0, 1], labels=["right", "left"], spine=False)
    return to_svg(fig)
