"""Building blocks of the PDF documents (:mod:`gaitcheck.report.pdf`): fonts, styles,
page decoration, SVG figures and small flowables, on ReportLab.

Text is set in Bitstream Vera, the TrueType family that ships inside the ReportLab wheel,
so every machine renders the same glyphs (°, ±, −, ≥) without system fonts. The report's
hand-written SVG plots (:mod:`gaitcheck.report.svg`) are converted to vector drawings by
svglib. Documents are built in memory with ReportLab's ``invariant`` mode (no timestamp,
fixed document id: the same input gives the same bytes) and written atomically.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from gaitcheck import __version__
from gaitcheck.fsio import write_bytes_atomic

FONT, BOLD, ITALIC = "GCSans", "GCSans-Bold", "GCSans-Italic"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
#: ReportLab's frame keeps 6 pt of padding inside the margins.
_PAD = 6
#: Width of the text column, points.
FRAME_W = PAGE_W - 2 * (MARGIN + _PAD)
#: Left and right edges of the text column (the header and footer rules span it).
LEFT, RIGHT = MARGIN + _PAD, PAGE_W - MARGIN - _PAD
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
LINE = colors.HexColor("#d9e0e7")
SHADE = colors.HexColor("#f4f6f8")
ACCENT = colors.HexColor("#0b5a8a")
#: Status colours as in report.html.
STATUS = {"ok": colors.HexColor("#2e9e5b"), "mild": colors.HexColor("#b7791f"),
          "moderate": colors.HexColor("#c53030"), "info": colors.HexColor("#2b6cb0"),
          "plain": MUTED}


@functools.cache
def register_fonts() -> None:
    """Register the Vera family (from the ReportLab wheel) as :data:`FONT` & co."""
    from reportlab.lib.fonts import addMapping

    folder = Path(reportlab.__file__).with_name("fonts")
    for name, file in ((FONT, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf"),
                       (f"{FONT}-BoldItalic", "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    for bold, italic, name in ((0, 0, FONT), (1, 0, BOLD), (0, 1, ITALIC),
                               (1, 1, f"{FONT}-BoldItalic")):
        addMapping(FONT, bold, italic, name)


@functools.cache
def _glyphs() -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(FONT)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


_FALLBACK = {"→": "to", "←": "from", "✓": "yes", "✗": "no"}


def printable(text: str) -> str:
    """``text`` with characters the font lacks replaced (arrows in words, accents
    dropped, anything else as ``?``), so no empty box is printed."""
    glyphs = _glyphs()
    out = []
    for ch in text:
        if ord(ch) in glyphs or ch in "\n\t":
            out.append(ch)
        elif ch in _FALLBACK:
            out.append(_FALLBACK[ch])
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


def para_text(text: Any) -> str:
    """Plain ``text`` as Paragraph markup (escaped, printable)."""
    return escape(printable(str(text)))


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles by role: title, subtitle, h2, h3, body, small, muted, cue, cell,
    cell_bold, note."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13.2, textColor=INK,
                          alignment=TA_LEFT)
    out = {"body": base}

    def add(name: str, **kw: Any) -> None:
        out[name] = ParagraphStyle(name, parent=base, **kw)

    add("title", fontName=BOLD, fontSize=19, leading=23, spaceAfter=2)
    add("subtitle", fontSize=9.5, leading=13, textColor=MUTED, spaceAfter=8)
    add("h2", fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=5,
        textColor=ACCENT, keepWithNext=1)
    add("h3", fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3,
        keepWithNext=1)
    add("small", fontSize=8, leading=10.5)
    add("muted", fontSize=8, leading=10.5, textColor=MUTED)
    add("cue", fontName=ITALIC, fontSize=9, leading=12, textColor=ACCENT)
    add("cell", fontSize=8.6, leading=11)
    add("cell_bold", fontName=BOLD, fontSize=8.6, leading=11)
    add("cell_head", fontName=BOLD, fontSize=7.8, leading=10, textColor=MUTED)
    add("note", fontSize=9.5, leading=13.5)
    add("caption", fontSize=7.4, leading=9.4, textColor=MUTED)
    return out


def p(text: Any, style: str = "body") -> Paragraph:
    """A paragraph of plain ``text`` (escaped) in the named style."""
    return Paragraph(para_text(text), styles()[style])


def markup(text: str, style: str = "body") -> Paragraph:
    """A paragraph of ReportLab markup (callers escape their data with :func:`para_text`)."""
    return Paragraph(text, styles()[style])


def chip(text: str, kind: str) -> str:
    """Markup of a coloured status word (``kind`` a key of :data:`STATUS`)."""
    colour = STATUS.get(kind, MUTED).hexval()[2:]
    return f'<font color="#{colour}"><b>{para_text(text)}</b></font>'


def grid(rows: list[list[Any]], widths: list[float], header: bool = True,
         zebra: bool = True) -> Table:
    """A light table: hairlines between rows, a muted header row, zebra shading."""
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    cmds: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]
    if header:
        cmds.append(("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED))
    if zebra:
        for r in range(1 if header else 0, len(rows), 2):
            cmds.append(("BACKGROUND", (0, r), (-1, r), SHADE))
    table.setStyle(TableStyle(cmds))
    return table


def boxed(flowables: list[Flowable], background: Any = SHADE,
          border: Any = LINE) -> Table:
    """Flowables in a shaded, framed box across the column."""
    table = Table([[flowables]], colWidths=[FRAME_W], hAlign="LEFT")
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), background),
                               ("BOX", (0, 0), (-1, -1), 0.6, border),
                               ("LEFTPADDING", (0, 0), (-1, -1), 9),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                               ("TOPPADDING", (0, 0), (-1, -1), 7),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return table


def svg_drawing(svg: str, width: float) -> Flowable | None:
    """The report's inline ``<svg>`` (:func:`gaitcheck.report.svg.to_svg`) as a vector
    drawing ``width`` points wide, or None when it cannot be converted."""
    from svglib.svglib import svg2rlg

    register_fonts()
    text = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    # The SVG names screen fonts; the PDF uses the embedded family (same metrics class).
    text = text.replace('font-family="', f'font-family="{FONT}, ', 1)
    text = printable(text)
    try:
        drawing = svg2rlg(io.BytesIO(text.encode("utf-8")))
    except Exception:  # svglib raises assorted errors on input it cannot parse
        return None
    if drawing is None or not drawing.width:
        return None
    scale = width / drawing.width
    drawing.scale(scale, scale)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.hAlign = "CENTER"
    return drawing


def _register_svg_font() -> None:
    from svglib.fonts import register_font

    register_fonts()
    register_font(FONT, rlgFontName=FONT)
    register_font(FONT, weight="bold", rlgFontName=BOLD)


class _NumberedCanvas(Canvas):
    """Canvas that knows the page count when it draws the footers ("page 2 of 3")."""

    decorate: Callable[[Canvas, int, int], None] = staticmethod(lambda c, n, t: None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's method name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            type(self).decorate(self, number, total)
            super().showPage()
        super().save()


def page_decorator(clinic: str | None, title: str, date: str | None
                   ) -> Callable[[Canvas, int, int], None]:
    """Header (clinic, title, date) and footer (version, disclaimer, page n of N)."""

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        top = PAGE_H - MARGIN + 5 * mm
        canvas.setFillColor(ACCENT)
        canvas.setFont(BOLD, 10.5)
        canvas.drawString(LEFT, top, printable(clinic or "gaitcheck"))
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 8.5)
        right = printable(" · ".join(x for x in (title, date) if x))
        canvas.drawRightString(RIGHT, top, right)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(LEFT, top - 2.6 * mm, RIGHT, top - 2.6 * mm)
        bottom = MARGIN - 8 * mm
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(LEFT, bottom + 4 * mm, RIGHT, bottom + 4 * mm)
        canvas.setFont(FONT, 7.2)
        canvas.drawString(LEFT, bottom, printable(
            f"Made with gaitcheck {__version__} from a video. An aid for your clinician, "
            "not a diagnosis."))
        canvas.drawRightString(RIGHT, bottom, f"page {number} of {total}")
        canvas.restoreState()

    return decorate


def build_pdf(story: list[Flowable], out_path: Path, clinic: str | None, title: str,
              date: str | None) -> Path:
    """Lay out ``story`` on A4 pages with header and footer; write ``out_path``
    atomically and return it."""
    register_fonts()
    _register_svg_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + 6 * mm, bottomMargin=MARGIN, title=title,
                            author=clinic or "gaitcheck", creator=f"gaitcheck {__version__}",
                            invariant=True)
    canvas_class = type("PageCanvas", (_NumberedCanvas,),
                        {"decorate": staticmethod(page_decorator(clinic, title, date))})
    doc.build(story, canvasmaker=canvas_class)
    return write_bytes_atomic(Path(out_path), buffer.getvalue())
