"""Plots of the HTML report as inline SVG: per-stride values, the reference-band gauge and
the gait-event timeline (body plots: :mod:`gaitcheck.report.plots_body`).

Figures are built with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``, so rendering neither picks nor changes a global backend and leaves no open
figures behind. Output is deterministic: no date in the SVG metadata, a fixed hash salt
per figure, and text kept as text (``svg.fonttype = 'none'``) so the page stays small
and searchable.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import matplotlib
import numpy as np
from matplotlib.figure import Figure

#: Colours of the subject's left and right side (Okabe-Ito: safe for colour blindness).
SIDE_COLOURS = {"left": "#0072B2", "right": "#D55E00"}
BAND_COLOUR = "#2e9e5b"
INK = "#1f2933"
MUTED = "#6b7785"
STRIKE_LETTERS = {"rearfoot": "R", "midfoot": "M", "forefoot": "F"}

_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "lines.linewidth": 1.4,
}
# Without these the SVG would carry a date and a link to matplotlib.org.
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_ID = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
# Inline SVG in HTML needs no namespace declarations (the HTML parser supplies them), and
# without them the page holds no URL at all.
_XMLNS = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
P = ParamSpec("P")
R = TypeVar("R")


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function with the report's style.

    matplotlib reads its settings when each artist is created, not when the figure is,
    so the whole function body runs inside the style context.
    """
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(_RC):
            return func(*args, **kwargs)
    return wrapper


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure laid out without overlaps (call inside a :func:`styled` function)."""
    return Figure(figsize=(width_in, height_in), layout="constrained")


def to_svg(fig: Figure, name: str, title: str = "") -> str:
    """Render ``fig`` as an ``<svg>`` element to inline in HTML.

    Parameters
    ----------
    fig : Figure
        The figure.
    name : str
        Unique name of the figure in the page; it seeds the hash salt and prefixes every
        element id, so several inline SVGs never share an id.
    title : str
        Accessible description, added as ``role="img"`` and ``aria-label``.
    """
    buf = io.StringIO()
    with matplotlib.rc_context(_RC | {"svg.hashsalt": f"gaitcheck-{name}"}):
        fig.savefig(buf, format="svg", metadata=_NO_METADATA)
    svg = _XMLNS.sub("", _PROLOGUE.sub("", buf.getvalue(), count=1))
    svg = _ID.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)
    label = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg class="plot" role="img" aria-label="{label}" ', 1)


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


@styled
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
    fig = Figure(figsize=(4.2, 1.75))
    # The same fixed margins for every per-stride plot: aligned cards, and much faster
    # than solving a layout for each of them.
    fig.subplots_adjust(left=0.14, right=0.72, bottom=0.25, top=0.95)
    ax = fig.add_subplot()
    for side, vals in series.items():
        if not np.isfinite(vals).any():
            continue
        n = int(np.isfinite(vals).sum())
        ax.plot(np.arange(1, len(vals) + 1), vals, marker="o" if side == "left" else "s",
                markersize=3.2, color=SIDE_COLOURS.get(side, INK), label=f"{side} (n={n})")
    lo, hi = float(every.min()), float(every.max())
    span = hi - lo if hi > lo else max(abs(hi) * 0.1, 1.0)
    ax.set_ylim(lo - 0.35 * span, hi + 0.35 * span)
    if band is not None:
        ax.axhspan(band["low"] if band.get("low") is not None else -1e9,
                   band["high"] if band.get("high") is not None else 1e9,
                   color=BAND_COLOUR, alpha=0.12, linewidth=0, label="typical range")
    if value is not None:
        ax.axhline(value, color=INK, linewidth=0.8, linestyle="--", label="overall")
    ax.set_xlabel("stride (per side, in time order)")
    ax.set_ylabel(unit_label(unit))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), handlelength=1.6)
    return to_svg(fig, name, "per-stride values, left and right")


def unit_label(unit: str) -> str:
    """Axis label for a unit ("deg" → "°")."""
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


@styled
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
    fig = new_figure(10.0, 1.9)
    ax = fig.add_subplot()
    letter_size = 7.5 if len(contacts) <= 40 else 5.5
    for row, side in ((1, "left"), (0, "right")):
        colour = SIDE_COLOURS[side]
        bars = [(ic, (to if to is not None else ic + 0.02) - ic)
                for ic, to in _stances(contacts, toe_offs, side)]
        ax.broken_barh(bars, (row - 0.18, 0.36), facecolors=colour, alpha=0.25)
        for c in (c for c in contacts if c.get("side") == side):
            hollow = bool(c.get("strike_inferred"))
            ax.plot(c["time_s"], row, marker="v", markersize=6, color=colour,
                    markerfacecolor="white" if hollow else colour, linestyle="none")
            letter = STRIKE_LETTERS.get(c.get("strike") or "", "?")
            ax.text(c["time_s"], row + 0.3, letter, ha="center", va="bottom",
                    fontsize=letter_size, color=colour)
        to_t = [t["time_s"] for t in toe_offs if t.get("side") == side]
        ax.plot(to_t, [row] * len(to_t), marker="|", markersize=9, markeredgewidth=1.4,
                color=colour, linestyle="none")
    ax.set_yticks([0, 1], ["right", "left"])
    ax.set_ylim(-0.6, 1.75)
    ax.set_xlim(0, end * 1.01 if end > 0 else 1.0)
    ax.set_xlabel("time (s)")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return to_svg(fig, "timeline", "gait event timeline: contacts and toe-offs per foot")
