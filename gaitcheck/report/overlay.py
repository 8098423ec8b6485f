"""Drawing primitives for the annotated video: sizes, colours, text, skeleton, markers.

Everything is drawn with OpenCV on RGB uint8 frames in place. Sizes come from
:class:`Style`, which scales line widths and fonts with the frame's shorter side, so a
480p phone clip and a 4K camera file look alike. Text gets a dark outline so it reads on
any background. OpenCV's Hershey fonts (4.x) have no degree sign, so :func:`put_text`
draws ``°`` as a small ring.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.video._cv import cv2

Color = tuple[int, int, int]
#: RGB colours. Left blue, right orange, as in the HTML report's plots: the pair stays
#: distinct for the common colour-vision deficiencies (red-green).
LEFT, RIGHT = (40, 170, 255), (255, 150, 20)
TRUNK, HEAD, WHITE, DARK = (255, 255, 255), (255, 230, 60), (255, 255, 255), (20, 20, 20)
STRIKE_COLORS = {"rearfoot": (235, 60, 60), "midfoot": (250, 210, 40),
                 "forefoot": (60, 220, 90), None: (220, 220, 220)}
#: The far side's lines are drawn darker and thinner, so near/far reads at a glance
#: while the hue still says left/right (its labels keep the full colour, for contrast).
FAR_SHADE = 0.7
FONT = cv2.FONT_HERSHEY_SIMPLEX
#: Reference shorter side (px) at which :class:`Style` has scale 1.
REFERENCE_PX = 720.0

#: Segments of one side: arm, leg and foot (heel → toe → ankle closes the foot).
SIDE_SEGMENTS = (("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"),
                 ("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"),
                 ("heel", "foot_index"), ("foot_index", "ankle"))
SIDE_JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
#: Segments across the body, drawn in the colour of neither side.
CROSS_SEGMENTS = (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))


@dataclass(frozen=True)
class Style:
    """Pixel sizes for one frame size.

    Attributes
    ----------
    scale : float
        Shorter frame side / 720 px (floored at 0.3 so tiny clips stay legible).
    line, thin : int
        Line widths in pixels of near-side limbs and of far-side limbs/guides.
    radius : int
        Joint dot radius, pixels.
    font : float
        OpenCV font scale of labels.
    text : int
        OpenCV text thickness (stroke width in OpenCV 4, font weight in OpenCV 5).
    outline : int
        Width of the dark rim around text, pixels.
    pad : int
        Padding and spacing unit, pixels.
    """

    scale: float
    line: int
    thin: int
    radius: int
    font: float
    text: int
    outline: int
    pad: int

    @classmethod
    def for_size(cls, width: int, height: int) -> Style:
        """The style for frames ``width`` x ``height`` pixels."""
        s = max(min(width, height) / REFERENCE_PX, 0.3)
        # Text grows slower than the frame (s ** 0.8): small frames are watched
        # enlarged on a phone or laptop, where text scaled in proportion is too small.
        return cls(scale=s, line=max(1, round(4 * s)), thin=max(1, round(2.5 * s)),
                   radius=max(2, round(5 * s)), font=max(0.35, 0.75 * s ** 0.8),
                   text=max(2 if s >= 0.5 else 1, round(2 * s)),
                   outline=max(1, round(1.6 * s)), pad=max(3, round(10 * s)))


def shade(color: Color, factor: float) -> Color:
    """``color`` darkened by ``factor`` (0 black, 1 unchanged)."""
    return (round(color[0] * factor), round(color[1] * factor), round(color[2] * factor))


def side_color(side: str, near: str | None) -> Color:
    """Colour of the subject's ``side``; darker when it is the far side."""
    base = LEFT if side == "left" else RIGHT
    return base if near is None or side == near else shade(base, FAR_SHADE)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def finite(p: np.ndarray) -> bool:
    """Whether a point (or all points) has finite coordinates."""
    return bool(np.all(np.isfinite(p)))


def text_size(text: str, style: Style, size: float = 1.0) -> tuple[int, int]:
    """Width and cap height in pixels of ``text`` as :func:`put_text` draws it."""
    width, height = 0, cv2.getTextSize("0", FONT, style.font * size, style.text)[0][1]
    for k, part in enumerate(text.split("°")):
        if k:
            width += _degree_width(height)
        if part:
            width += cv2.getTextSize(part, FONT, style.font * size, style.text)[0][0]
    return width, height


def _degree_width(cap: int) -> int:
    return 2 * max(1, round(0.17 * cap)) + max(2, round(0.25 * cap))


def put_text(img: np.ndarray, text: str, org: tuple[int, int], style: Style,
             color: Color = WHITE, anchor: str = "left", size: float = 1.0) -> None:
    """Draw outlined ``text`` with its baseline at ``org``.

    Parameters
    ----------
    img : numpy.ndarray, (H, W, 3) uint8
        Frame, RGB; drawn on in place.
    text : str
        ASCII text; ``°`` is drawn as a ring.
    org : (int, int)
        Pixel position: left end (``anchor="left"``), right end (``"right"``) or centre
        (``"center"``) of the baseline.
    size : float
        Multiplier of the style's font size.
    """
    width, cap = text_size(text, style, size)
    x = org[0] - (width if anchor == "right" else width // 2 if anchor == "center" else 0)
    y = org[1]
    ring = max(1, round(0.17 * cap))
    ring_fill = max(1, (style.text + 1) // 2)
    # The dark rim is the text drawn shifted in eight directions: OpenCV 5 renders
    # fonts with "thickness" as weight, so a thicker dark copy would not make a rim.
    rim = style.outline
    shifts = [(dx * rim, dy * rim) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]
    for offsets, col in ((shifts, DARK), ([(0, 0)], color)):
        for ox, oy in offsets:
            cx = x + ox
            for k, part in enumerate(text.split("°")):
                if k:
                    # Glyphs end with a little side bearing: start the ring close.
                    cv2.circle(img, (cx + ring, y + oy - cap + ring), ring, col, ring_fill,
                               cv2.LINE_AA)
                    cx += _degree_width(cap)
                if part:
                    cv2.putText(img, part, (cx, y + oy), FONT, style.font * size, col,
                                style.text, cv2.LINE_AA)
                    cx += cv2.getTextSize(part, FONT, style.font * size, style.text)[0][0]


def line(img: np.ndarray, a: np.ndarray, b: np.ndarray, color: Color, width: int,
         outline: int = 0) -> None:
    """Anti-aliased segment ``a`` → ``b`` (pixels), with an optional dark rim of
    ``outline`` pixels each side; nothing when an end is missing (NaN)."""
    if not (finite(a) and finite(b)):
        return
    if outline:
        cv2.line(img, _pt(a), _pt(b), DARK, width + 2 * outline, cv2.LINE_AA)
    cv2.line(img, _pt(a), _pt(b), color, width, cv2.LINE_AA)


def dashed(img: np.ndarray, a: np.ndarray, b: np.ndarray, color: Color, width: int,
           dash: float) -> None:
    """Dashed segment ``a`` → ``b`` with dashes and gaps ``dash`` pixels long."""
    if not (finite(a) and finite(b)):
        return
    n = max(1, int(np.linalg.norm(b - a) / (2 * dash)))
    for k in range(n):
        p, q = a + (b - a) * (2 * k) / (2 * n), a + (b - a) * (2 * k + 1) / (2 * n)
        cv2.line(img, _pt(p), _pt(q), color, width, cv2.LINE_AA)


def draw_skeleton(img: np.ndarray, xy: np.ndarray, near: str | None, style: Style) -> None:
    """Limbs and joints of one frame.

    Parameters
    ----------
    xy : numpy.ndarray, (33, 2)
        Landmark pixel positions, NaN where missing.
    near : {"left", "right"} or None
        Side nearer the camera (drawn last, on top, thick and bright); None draws both
        sides alike (front and back views).
    """
    sides = ("left", "right") if near is None else (
        ("right", "left") if near == "left" else ("left", "right"))
    for a, b in CROSS_SEGMENTS:
        line(img, xy[LM[a]], xy[LM[b]], shade(WHITE, 0.8), style.thin, 1)
    for side in sides:
        far = near is not None and side != near
        color, width = side_color(side, near), style.thin if far else style.line
        for a, b in SIDE_SEGMENTS:
            line(img, xy[LM[f"{side}_{a}"]], xy[LM[f"{side}_{b}"]], color, width, 1)
        for joint in SIDE_JOINTS:
            p = xy[LM[f"{side}_{joint}"]]
            if finite(p):
                r = max(2, round(style.radius * (0.75 if far else 1.0)))
                cv2.circle(img, _pt(p), r + 1, DARK, -1, cv2.LINE_AA)
                cv2.circle(img, _pt(p), r, color, -1, cv2.LINE_AA)


def contact_marker(img: np.ndarray, p: np.ndarray, label: str, color: Color,
                   style: Style, ring: Color) -> None:
    """Initial-contact marker: a ring in the strike colour on the ground point ``p``,
    a bar in the foot's colour ``ring`` under it, and ``label`` above."""
    if not finite(p):
        return
    r = round(3.2 * style.radius)
    c = _pt(p)
    cv2.circle(img, c, r, DARK, style.line + 2, cv2.LINE_AA)
    cv2.circle(img, c, r, color, style.line, cv2.LINE_AA)
    cv2.line(img, (c[0] - 2 * r, c[1] + r), (c[0] + 2 * r, c[1] + r), ring, style.line,
             cv2.LINE_AA)
    put_text(img, label, (c[0], c[1] - r - style.pad), style, color, "center")


def toe_off_marker(img: np.ndarray, p: np.ndarray, label: str, color: Color,
                   style: Style) -> None:
    """Toe-off marker: an upward triangle at the toe ``p`` with ``label`` beside it."""
    if not finite(p):
        return
    r = round(2.2 * style.radius)
    x, y = _pt(p)
    tri = np.array([(x, y - r), (x - r, y + r), (x + r, y + r)], np.int32)
    cv2.polylines(img, [tri], True, DARK, style.line + 2, cv2.LINE_AA)
    cv2.polylines(img, [tri], True, color, style.thin, cv2.LINE_AA)
    put_text(img, label, (x + r + style.pad // 2, y + r), style, color, size=0.8)


def panel(img: np.ndarray, lines: Sequence[Sequence[tuple[str, Color]]],
          box: tuple[int, int, int, int], style: Style) -> None:
    """Semi-transparent readout box with one row of coloured text runs per line.

    Parameters
    ----------
    lines : sequence of sequence of (str, colour)
        Rows of text runs, drawn left to right.
    box : (x0, y0, x1, y1)
        The box in pixels (:func:`panel_box`); fixed for a whole video, so it does not
        jitter as the numbers change.
    """
    x0, y0, x1, y1 = box
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi.astype(np.uint16) * 2 // 5 + np.uint16(DARK[0] * 3 // 5)).astype(np.uint8)
    _, cap = text_size("0", style)
    y = y0 + style.pad + cap
    for runs in lines:
        x = x0 + style.pad
        for text, color in runs:
            put_text(img, text, (x, y), style, color)
            x += text_size(text, style)[0]
        y += round(cap * 1.8)


def panel_box(width: int, height: int, lines: Sequence[Sequence[tuple[str, Color]]],
              corner: str, style: Style) -> tuple[int, int, int, int]:
    """Box ``(x0, y0, x1, y1)`` in pixels that holds ``lines`` (as :func:`panel` draws
    them) in ``corner`` ("tl", "tr", "bl" or "br") of a ``width`` x ``height`` frame."""
    _, cap = text_size("0", style)
    w = max((sum(text_size(t, style)[0] for t, _ in runs) for runs in lines), default=0)
    w = min(width, w + 2 * style.pad)
    h = min(height, round(cap * 1.8) * len(lines) - round(cap * 0.8) + 2 * style.pad)
    margin = style.pad
    x0 = margin if corner[1] == "l" else max(0, width - margin - w)
    y0 = margin if corner[0] == "t" else max(0, height - margin - h)
    return x0, y0, min(width, x0 + w), min(height, y0 + h)


def angle_text(name: str, value: float) -> str:
    """``"knee 23°"``, or ``"knee --"`` when the angle is unknown (NaN)."""
    # round() to an int first: a format spec would print small negatives as "-0".
    return f"{name} {round(value)}°" if math.isfinite(value) else f"{name} --"
