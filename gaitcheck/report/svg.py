"""A tiny SVG plotting kit for the report's figures, built as strings (no matplotlib).

A :class:`Figure` of ``width × height`` px holds :class:`Axes` panels, each a pixel box
with data limits; drawing calls take data coordinates and :func:`to_svg` gives the
``<svg>`` element to inline in HTML: no ``xmlns`` (the HTML parser supplies it, and the
page must hold no URL), no prologue, script or external reference, and one id only,
``{name}-plot`` on the root. Nothing is clipped (a ``clipPath`` needs an id): shapes are
clamped to their axes, and callers set limits that hold their data. Numbers have at most
2 decimals so pages stay small; the same input always gives the same string.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#1f2933"
MUTED = "#6b7785"
AXIS = "#9aa5b1"
#: Width of one character in font sizes: a layout estimate, as no font metrics are at hand.
CHAR_W = 0.6
MINUS = "\u2212"  # typographic minus in tick labels, as in print


def num(v: float) -> str:
    """``v`` with at most 2 decimals and no trailing zeros (``-0`` → ``0``)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def esc(text: str) -> str:
    """``text`` escaped for SVG text content and attribute values."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` at font size ``size``, px."""
    return CHAR_W * size * len(text)


def nice_ticks(lo: float, hi: float, max_ticks: int = 6, integer: bool = False) -> list[float]:
    """Round tick values inside ``[lo, hi]``, 1-2-5 steps apart.

    Parameters
    ----------
    lo, hi : float
        The axis limits (either order).
    max_ticks : int
        At most this many ticks (3 or more): the step is the smallest 1-2-5 value that
        keeps to it.
    integer : bool
        Steps of at least 1, so that every tick is a whole number (counts, indices).

    Returns
    -------
    list of float
        Ticks in increasing order; ``[lo]`` when ``lo == hi``, empty when not finite.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        return [lo]
    mag = 10.0 ** math.floor(math.log10((hi - lo) / max(max_ticks, 3)))
    if integer:  # 1-2-5 multiples of a power of ten ≥ 1 are whole numbers
        mag = max(mag, 1.0)
    for step in (m * mag * 10**j for j in range(3) for m in (1, 2, 5)):
        # The small tolerances keep a limit that is a multiple of the step as a tick.
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first + 1 <= max(max_ticks, 3):
            break
    return [round(k * step, 12) for k in range(first, last + 1)]


def tick_label(v: float, ticks: Sequence[float]) -> str:
    """``v`` with as many decimals as the step between ``ticks`` needs."""
    step = min((b - a for a, b in itertools.pairwise(ticks)), default=0.0)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 2
    s = f"{v:.{decimals}f}"
    return (s.lstrip("-") if float(s) == 0 else s).replace("-", MINUS)


def _runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of every run of True in ``ok``."""
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(),
                    strict=True))


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True))


def _stroke(colour: str, width: float, dash: str | None = None, caps: bool = False) -> str:
    s = f'stroke="{colour}" stroke-width="{num(width)}"'
    s += f' stroke-dasharray="{dash}"' if dash else ""
    return s + (' stroke-linecap="round"' if caps else "")


def _marker(shape: str, x: float, y: float, r: float) -> str:
    """One marker of half-size ``r`` px centred on ``(x, y)`` px (style from its group)."""
    if shape == "o":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}"/>'
    if shape == "s":
        d = num(2 * r)
        return f'<rect x="{num(x - r)}" y="{num(y - r)}" width="{d}" height="{d}"/>'
    if shape == "v":  # apex down: image y grows downward
        return f'<path d="M{num(x - r)},{num(y - r)}H{num(x + r)}L{num(x)},{num(y + r)}Z"/>'
    if shape == "|":
        return f'<path d="M{num(x)},{num(y - r)}V{num(y + r)}"/>'
    raise ValueError(f"unknown marker {shape!r}")


class Axes:
    """A panel: pixel box ``(left, top, width, height)`` and data limits.

    Everything drawn is stored in order (later on top); axis lines, ticks and labels are
    drawn over the data, as matplotlib does.
    """

    def __init__(self, left: float, top: float, width: float, height: float) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height
        self.xlim, self.ylim = (0.0, 1.0), (0.0, 1.0)
        self.parts: list[str] = []
        self.decor: list[str] = []
        #: Legend entries: label, colour and the look of the handle (see :meth:`_handle`).
        self.legend_items: list[dict[str, Any]] = []

    def set_xlim(self, lo: float, hi: float) -> None:
        self.xlim = (float(lo), float(hi))

    def set_ylim(self, lo: float, hi: float) -> None:
        """Data limits of y, bottom first: ``set_ylim(big, small)`` turns y downward."""
        self.ylim = (float(lo), float(hi))

    def set_aspect_equal(self) -> None:
        """Widen the x or y limits about their centre so that 1 unit is as long on both."""
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        scale = min(self.width / abs(x1 - x0), self.height / abs(y1 - y0))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        hx = math.copysign(self.width / scale / 2, x1 - x0)
        hy = math.copysign(self.height / scale / 2, y1 - y0)
        self.xlim, self.ylim = (cx - hx, cx + hx), (cy - hy, cy + hy)

    def px(self, x: Any) -> Any:
        """Pixel column of data x (scalar or array)."""
        x0, x1 = self.xlim
        return self.left + (np.asarray(x, dtype=float) - x0) * (self.width / (x1 - x0))

    def py(self, y: Any) -> Any:
        """Pixel row of data y: ``ylim[0]`` at the bottom edge, so y points up."""
        y0, y1 = self.ylim
        return self.top + self.height - (np.asarray(y, dtype=float) - y0) * (
            self.height / (y1 - y0))

    def _clamp(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.clip(xs, self.left, self.left + self.width),
                np.clip(ys, self.top, self.top + self.height))

    def _inside(self, x: float, y: float) -> bool:
        return (self.left - 0.5 <= x <= self.left + self.width + 0.5
                and self.top - 0.5 <= y <= self.top + self.height + 0.5)

    def line(self, xs: Sequence[float], ys: Sequence[float], colour: str, width: float = 1.8,
             dash: str | None = None, marker: str | None = None, size: float = 2.8,
             hollow: bool = False, caps: bool = False, label: str | None = None) -> None:
        """Polyline through the points, broken at NaN (one ``<polyline>`` per run).

        ``marker`` (see :meth:`markers`) marks every finite point; ``caps`` rounds line ends.
        """
        x, y = self.px(xs), self.py(ys)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = self._clamp(x, y)
        style = f'fill="none" {_stroke(colour, width, dash, caps)} stroke-linejoin="round"'
        for a, b in _runs(ok):
            if b - a > 1:
                self.parts.append(f'<polyline points="{_points(x[a:b], y[a:b])}" {style}/>')
        if marker:
            self.markers(xs, ys, marker, colour, size, hollow)
        self._line_item(label, colour, width, dash, marker=marker, hollow=hollow)

    def markers(self, xs: Sequence[float], ys: Sequence[float], shape: str, colour: str,
                size: float = 2.8, hollow: bool = False, width: float = 1.2) -> None:
        """Markers of half-size ``size`` px at the finite points inside the axes.

        ``shape``: ``"o"`` circle, ``"s"`` square, ``"v"`` downward triangle, ``"|"`` a
        short vertical bar (stroke only). Hollow markers are white inside, so that what
        lies below does not show through.
        """
        x, y = np.atleast_1d(self.px(xs)), np.atleast_1d(self.py(ys))
        shapes = [_marker(shape, a, b, size) for a, b in zip(x.tolist(), y.tolist(), strict=True)
                  if math.isfinite(a) and math.isfinite(b) and self._inside(a, b)]
        if shapes:
            fill = "#fff" if hollow else ("none" if shape == "|" else colour)
            self.parts.append(f'<g fill="{fill}" {_stroke(colour, width)}>{"".join(shapes)}</g>')

    def rect(self, x0: float, x1: float, y0: float, y1: float, colour: str,
             alpha: float = 1.0) -> None:
        """Filled rectangle between data corners, clamped to the axes (bars, spans)."""
        xs, ys = self._clamp(self.px([x0, x1]), self.py([y0, y1]))
        (xa, xb), (ya, yb) = sorted(xs.tolist()), sorted(ys.tolist())
        if xb > xa and yb > ya:
            self.parts.append(f'<rect x="{num(xa)}" y="{num(ya)}" width="{num(xb - xa)}" '
                              f'height="{num(yb - ya)}" fill="{colour}"'
                              + (f' fill-opacity="{num(alpha)}"/>' if alpha < 1 else "/>"))

    def hband(self, lo: float | None, hi: float | None, colour: str, alpha: float = 0.12,
              label: str | None = None) -> None:
        """Full-width band between y = ``lo`` and ``hi`` (None: open-ended), like axhspan."""
        y0, y1 = self.ylim
        far = abs(y1 - y0) * 10  # beyond the axes on that side; clamped to its edge
        self.rect(self.xlim[0], self.xlim[1], min(y0, y1) - far if lo is None else lo,
                  max(y0, y1) + far if hi is None else hi, colour, alpha)
        if label:
            self.legend_items.append({"label": label, "colour": colour, "patch": alpha})

    def hline(self, y: float, colour: str, width: float = 1.0, dash: str | None = None,
              label: str | None = None) -> None:
        """Horizontal line across the axes at data y (not drawn outside the limits)."""
        if self._inside(self.left, float(self.py(y))):
            self.line(list(self.xlim), [y, y], colour, width, dash)
        self._line_item(label, colour, width, dash)

    def vline(self, x: float, colour: str, width: float = 1.0, dash: str | None = None,
              label: str | None = None) -> None:
        """Vertical line across the axes at data x (not drawn outside the limits)."""
        if self._inside(float(self.px(x)), self.top):
            self.line([x, x], list(self.ylim), colour, width, dash)
        self._line_item(label, colour, width, dash)

    def _line_item(self, label: str | None, colour: str, width: float, dash: str | None,
                   **look: Any) -> None:  # a legend entry with a line handle
        if label:
            self.legend_items.append({"label": label, "colour": colour, "line": width,
                                      "dash": dash} | look)

    def fill_between(self, xs: Sequence[float], lo: Sequence[float], hi: Sequence[float],
                     colour: str, alpha: float = 0.18) -> None:
        """Filled area between two curves: one polygon per run of finite points."""
        x, a, b = self.px(xs), self.py(lo), self.py(hi)
        ok = np.isfinite(x) & np.isfinite(a) & np.isfinite(b)
        (x, a), b = self._clamp(x, a), self._clamp(x, b)[1]
        for s, e in _runs(ok):
            if e - s > 1:
                pts = _points(np.concatenate([x[s:e], x[s:e][::-1]]),
                              np.concatenate([b[s:e], a[s:e][::-1]]))
                self.parts.append(f'<polygon points="{pts}" fill="{colour}" '
                                  f'fill-opacity="{num(alpha)}"/>')

    def circle(self, x: float, y: float, r: float, colour: str, width: float = 1.0,
               fill: str = "none") -> None:
        """Circle of radius ``r`` in x data units (use with :meth:`set_aspect_equal`)."""
        cx, cy = float(self.px(x)), float(self.py(y))
        scale = self.width / abs(self.xlim[1] - self.xlim[0])  # px per data unit
        if math.isfinite(cx) and math.isfinite(cy) and math.isfinite(r):
            self.parts.append(f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r * scale)}"'
                              f' fill="{fill}" {_stroke(colour, width)}/>')

    def text(self, x: float, y: float, s: str, size: float = 10, colour: str = INK,
             anchor: str = "middle") -> None:
        """Text with its baseline at data ``(x, y)``."""
        self.parts.append(_text(float(self.px(x)), float(self.py(y)), s, size, colour, anchor))

    def title(self, s: str, size: float = 12) -> None:
        """Title above the axes, aligned on its left edge."""
        self.decor.append(_text(self.left, self.top - 8, s, size))

    def x_axis(self, ticks: Sequence[float] | None = None, label: str | None = None,
               integer: bool = False, labels: Sequence[str] | None = None) -> None:
        """Bottom axis line, tick marks and labels (:func:`nice_ticks` by default), label."""
        bottom, right = self.top + self.height, self.left + self.width
        if ticks is None:
            ticks = nice_ticks(*self.xlim, max(3, int(self.width / 70)), integer)
        keep = _visible(ticks, labels, self.px, self.left, right)
        self.decor.append(_path(f"M{num(self.left)},{num(bottom)}H{num(right)}"
                                + "".join(f"M{num(p)},{num(bottom)}v4" for p, _ in keep)))
        self.decor.append(_labels([(p, bottom + 15, t) for p, t in keep], "middle"))
        if label:
            self.decor.append(_text(self.left + self.width / 2, bottom + 32, label, 11,
                                    anchor="middle"))

    def y_axis(self, ticks: Sequence[float] | None = None, label: str | None = None,
               labels: Sequence[str] | None = None, spine: bool = True) -> None:
        """Left axis line and tick marks (unless not ``spine``), tick labels and label."""
        bottom = self.top + self.height
        if ticks is None:
            ticks = nice_ticks(*self.ylim, max(3, int(self.height / 24)))
        keep = _visible(ticks, labels, self.py, self.top, bottom)
        if spine:
            self.decor.append(_path(f"M{num(self.left)},{num(self.top)}V{num(bottom)}"
                                    + "".join(f"M{num(self.left)},{num(p)}h-4" for p, _ in keep)))
        # dy centres the labels on their ticks (dominant-baseline is less widely supported)
        self.decor.append(_labels([(self.left - 7, p, t) for p, t in keep], "end", ".35em"))
        if label:
            widest = max((text_width(t, 10) for _, t in keep), default=0.0)
            x, y = max(self.left - 12 - widest, 12.0), self.top + self.height / 2
            self.decor.append(_text(x, y, label, 11, anchor="middle", rotate=-90))


def _visible(ticks: Sequence[float], labels: Sequence[str] | None, to_px: Any, lo: float,
             hi: float) -> list[tuple[float, str]]:
    """``(pixel, label)`` of the ticks that fall on the axis span ``lo..hi`` px."""
    texts = labels if labels is not None else [tick_label(t, ticks) for t in ticks]
    out = [(float(to_px(t)), text) for t, text in zip(ticks, texts, strict=True)]
    return [(p, text) for p, text in out if lo - 0.5 <= p <= hi + 0.5]


def _path(d: str) -> str:
    return f'<path d="{d}" fill="none" stroke="{AXIS}"/>'


def _labels(texts: list[tuple[float, float, str]], anchor: str, dy: str = "") -> str:
    """Tick labels, muted, in one group that carries their common style."""
    dy = f' dy="{dy}"' if dy else ""
    return (f'<g fill="{MUTED}" text-anchor="{anchor}">' + "".join(
        f'<text x="{num(x)}" y="{num(y)}"{dy}>{esc(t)}</text>' for x, y, t in texts) + "</g>")


def _text(x: float, y: float, s: str, size: float = 10, colour: str = INK,
          anchor: str = "start", dy: str = "", rotate: float = 0) -> str:
    """A ``<text>`` at baseline ``y``, turned by ``rotate`` degrees about ``(x, y)``; the
    root's defaults (ink, 10 px, start) are left out."""
    attrs = f' dy="{dy}"' if dy else ""
    attrs += f' transform="rotate({num(rotate)} {num(x)} {num(y)})"' if rotate else ""
    attrs += f' font-size="{num(size)}"' if size != 10 else ""
    attrs += f' fill="{colour}"' if colour != INK else ""
    attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{num(x)}" y="{num(y)}"{attrs}>{esc(s)}</text>'


def _handle(item: dict[str, Any], x: float, y: float) -> str:
    """Legend handle 20 px wide at ``x``, centred on the row ``y``."""
    out, colour = "", item["colour"]
    if item.get("patch") is not None:
        out += (f'<rect x="{num(x)}" y="{num(y - 5)}" width="20" height="10" fill="{colour}" '
                f'fill-opacity="{num(item["patch"])}"/>')
    if item.get("line"):
        out += (f'<path d="M{num(x)},{num(y)}h20" fill="none" '
                f'{_stroke(colour, item["line"], item.get("dash"))}/>')
    if item.get("marker"):
        fill = "#fff" if item.get("hollow") else colour
        mark = _marker(item["marker"], x + 10, y, 2.8)
        out += f'<g fill="{fill}" {_stroke(colour, 1.2)}>{mark}</g>'
    return out


class Figure:
    """Canvas of ``width × height`` px; ``name`` prefixes its id, ``title`` is its label."""

    def __init__(self, name: str, width: float, height: float, title: str = "") -> None:
        self.name, self.width, self.height, self.title = name, width, height, title
        self.axes_list: list[Axes] = []
        self.parts: list[str] = []

    def axes(self, left: float, top: float, width: float, height: float) -> Axes:
        """A new panel with its pixel box."""
        ax = Axes(left, top, width, height)
        self.axes_list.append(ax)
        return ax

    def text(self, x: float, y: float, s: str, size: float = 10, colour: str = INK,
             anchor: str = "middle") -> None:
        """Text with its baseline at pixel ``(x, y)``."""
        self.parts.append(_text(x, y, s, size, colour, anchor))

    def legend(self, items: Sequence[dict[str, Any]], ax: Axes | None = None) -> None:
        """Legend of ``items`` (``Axes.legend_items``): one column to the right of ``ax``
        or, without it, one row centred across the top of the figure."""
        widths = [26 + text_width(i["label"], 10) for i in items]
        if ax is not None:
            x, y = ax.left + ax.width + 10, ax.top + 6
        else:  # entries 18 px apart
            x, y = (self.width - sum(widths) - 18 * (len(items) - 1)) / 2, 13
        for item, w in zip(items, widths, strict=True):
            self.parts.append(_handle(item, x, y) + _text(x + 26, y, item["label"], dy=".35em"))
            x, y = (x, y + 16) if ax is not None else (x + w + 18, y)


def to_svg(fig: Figure) -> str:
    """``fig`` as an ``<svg>`` element to inline in HTML (see the module notes)."""
    body = "".join("".join(ax.parts) + "".join(ax.decor) for ax in fig.axes_list)
    w, h = num(fig.width), num(fig.height)
    return (f'<svg class="plot" role="img" aria-label="{esc(fig.title)}" id="{esc(fig.name)}-plot"'
            f' viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{FONT}"'
            f' font-size="10" fill="{INK}">{body}{"".join(fig.parts)}</svg>')
