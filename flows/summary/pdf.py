"""The published image of good work as a one-page A4 PDF, laid out like the booklet's "rich A4".

Top to bottom: the catchy title with the picture beside it, the characteristic
experience, then the image of good work — the narrative followed by the perspectives,
each a small paragraph headed by its name, in two balanced columns — and the virtues.
Every page has a footer with the situation, the date, the people who agreed to be named
and a credit to the booklet.

Typical content fits on one page. Longer texts flow onto further pages (nothing is
clipped): every page but the last says "continued →" at the bottom and later pages
repeat the title with "continued" at the top.

Fonts come from :mod:`flows.summary.fonts` (DejaVu Sans, or Helvetica with unsupported
characters replaced by "?"). Right-to-left scripts such as Arabic are drawn in logical
order without joined letters unless reportlab's optional ``rlbidi`` and ``uharfbuzz``
(``reportlab[bidi,shaping]``) are installed, which it then uses; the text stays
extractable either way. The PNG card (Pillow with libraqm) shapes them properly.
"""

from __future__ import annotations

import io
from functools import lru_cache
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import BalancedColumns, HRFlowable, ImageAndFlowables

from flows.summary import fonts
from flows.summary.card import ImageCard, Labels, clean, labels, one_line, paragraphs
from flows.summary.pictures import picture_image

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 16 * mm
LATER_TOP = 24 * mm
FOOTER_GAP = 6 * mm
FOOTER_BOTTOM = 11 * mm
PICTURE_SIZE = 44 * mm
PICTURE_PIXELS = 560

NAVY = colors.Color(21 / 255, 52 / 255, 94 / 255)
BLUE = colors.Color(1 / 255, 104 / 255, 155 / 255)
INK = colors.Color(0.13, 0.15, 0.18)
MUTED = colors.Color(0.42, 0.45, 0.5)
RULE = colors.Color(0.82, 0.85, 0.89)
BAND = colors.Color(1 / 255, 104 / 255, 155 / 255)


def _styles(font: fonts.PdfFonts) -> dict[str, ParagraphStyle]:
    # shaping=1 takes effect only when uharfbuzz is installed (reportlab[shaping]).
    base = ParagraphStyle("body", fontName=font.regular, fontSize=9.6, leading=13.6, textColor=INK,
                          alignment=TA_LEFT, spaceAfter=5, shaping=1)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=font.bold, fontSize=23, leading=28,
                                textColor=NAVY, spaceAfter=9),
        "heading": ParagraphStyle("heading", parent=base, fontName=font.bold, fontSize=8.5, leading=11,
                                  textColor=BLUE, spaceBefore=2, spaceAfter=5, keepWithNext=1),
        "experience": ParagraphStyle("experience", parent=base, fontName=font.italic),
        "author": ParagraphStyle("author", parent=base, fontSize=8.5, textColor=MUTED, spaceAfter=2),
        "body": base,
        "perspective": ParagraphStyle("perspective", parent=base, fontSize=8.8, leading=12, spaceAfter=7),
        "virtues": ParagraphStyle("virtues", parent=base, fontSize=9.5, leading=13, spaceBefore=6),
        "footer": ParagraphStyle("footer", parent=base, fontSize=8, leading=10.5, textColor=INK, spaceAfter=0),
        "credit": ParagraphStyle("credit", parent=base, fontSize=7, leading=9, textColor=MUTED, spaceAfter=0),
    }


def _markup(text: str, style: str = "regular") -> str:
    """User text made safe for reportlab's paragraph markup, line breaks kept.

    In a bold or italic paragraph, characters that face lacks but the regular face has
    (e.g. Arabic in DejaVu Sans Oblique) are set in the regular face.
    """
    text = clean(text)
    emoji = fonts.pdf_emoji_font() if fonts.font_files() is not None else None
    if emoji is None:
        text = fonts.drawable(text)
    runs: list[str] = []
    for face, group in groupby(text, key=lambda char: _face(char, style, emoji is not None)):
        part = escape("".join(group)).replace("\n", "<br/>")
        name = {"emoji": emoji, "regular": fonts.PDF_NAMES["regular"]}.get(face)
        runs.append(f'<font name="{name}">{part}</font>' if name else part)
    return "".join(runs)


def _face(char: str, style: str, with_emoji: bool) -> str:
    """Which face draws ``char`` in a ``style`` paragraph: "emoji", "regular" (a bold or italic
    face lacks it) or "" (the paragraph's own)."""
    if with_emoji and fonts.needs_emoji_font(char, style):
        return "emoji"
    if style != "regular" and fonts.font_files() is not None and not fonts.has_glyph(char, style) \
            and fonts.has_glyph(char):
        return "regular"
    return ""


def _lead(label: str, style: dict[str, ParagraphStyle], colour: colors.Color = BLUE) -> str:
    """``label`` as the bold (by default blue) lead-in of a paragraph."""
    colour = colour.hexval().replace("0x", "#")
    return f'<font name="{style["heading"].fontName}" color="{colour}">{_markup(label, "bold")}</font>'


def _picture(card: ImageCard, size: float = PICTURE_SIZE) -> Image | None:
    """The card's picture as a platypus image, at most ``size`` on its longest side."""
    encoded = _encoded_picture(card.picture)
    if encoded is None:
        return None
    data, width, height = encoded
    scale = size / max(width, height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _encoded_picture(spec: str | None) -> tuple[bytes, int, int] | None:
    """The picture drawn and encoded (once for a drawing or an emoji: the calm layout tries
    several sizes, and the same picture is published again and again)."""
    if spec and spec.startswith("file:"):  # an upload: its file is read afresh each time
        return _encode(spec)
    return _drawn(spec)


@lru_cache(maxsize=16)
def _drawn(spec: str | None) -> tuple[bytes, int, int] | None:
    return _encode(spec)


def _encode(spec: str | None) -> tuple[bytes, int, int] | None:
    picture = picture_image(spec, PICTURE_PIXELS)
    if picture is None:
        return None
    buffer = io.BytesIO()
    if picture.getchannel("A").getextrema() == (255, 255):
        picture.convert("RGB").save(buffer, format="JPEG", quality=88)
    else:
        # reportlab decodes this PNG and compresses the pixels itself, so how hard the buffer
        # is compressed does not change the PDF (byte for byte); the fastest level saves ~50 ms.
        picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), picture.width, picture.height


def _story(card: ImageCard, words: Labels, style: dict[str, ParagraphStyle]) -> list[Any]:
    opening: list[Any] = [Paragraph(_markup(card.title, "bold"), style["title"])]
    if card.experience.strip():
        opening.append(Paragraph(escape(fonts.drawable(words.experience.upper())), style["heading"]))
        opening += [Paragraph(_markup(text, "italic"), style["experience"])
                    for text in paragraphs(card.experience)]
        opening.append(Paragraph("— " + _markup(card.experience_author or words.anonymous), style["author"]))
    picture = _picture(card)
    story: list[Any] = []
    if picture is not None:
        story.append(ImageAndFlowables(picture, opening, imageLeftPadding=8 * mm, imageBottomPadding=4 * mm))
    else:
        story += opening
    story += [Spacer(1, 4), HRFlowable(width="100%", thickness=0.6, color=RULE, spaceBefore=2, spaceAfter=8),
              Paragraph(escape(fonts.drawable(words.image.upper())), style["heading"])]
    story += [Paragraph(_markup(text), style["body"]) for text in paragraphs(card.narrative)]
    perspectives = []
    for label, text in card.perspectives:
        if not text.strip():
            continue
        body = "<br/>".join(_markup(part) for part in clean(text).splitlines() if part.strip())
        perspectives.append(Paragraph(f"{_lead(label, style)}&nbsp; {body}", style["perspective"]))
    if perspectives:
        story.append(BalancedColumns(perspectives, nCols=2, innerPadding=7 * mm, spaceBefore=6,
                                     topPadding=0, bottomPadding=0, leftPadding=0, rightPadding=0))
    virtues = [_markup(one_line(virtue)) for virtue in card.virtues if one_line(virtue)]
    if virtues:
        line = f"{_lead(words.virtues, style)}&nbsp;&nbsp;{' · '.join(virtues)}"
        story.append(Paragraph(line, style["virtues"]))
    return story


# -- the calm one-page layout --------------------------------------------------------------

PALE = colors.Color(0.93, 0.96, 0.98)
CHIP = colors.Color(0.89, 0.94, 0.97)
CARD = colors.Color(0.975, 0.98, 0.985)
ACCENT = colors.Color(231 / 255, 111 / 255, 81 / 255)
SCALES = (1.5, 1.42, 1.35, 1.28, 1.22, 1.16, 1.1, 1.05, 1.0, 0.96, 0.92, 0.88, 0.85, 0.82)
"""Type sizes tried, largest first: the page takes the largest at which everything fits."""


def _scaled(font: fonts.PdfFonts, scale: float) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("calm", fontName=font.regular, fontSize=9.4 * scale, leading=13.4 * scale,
                          textColor=INK, alignment=TA_LEFT, spaceAfter=0, shaping=1)
    return {
        "title": ParagraphStyle("calm-title", parent=base, fontName=font.bold, fontSize=22 * scale,
                                leading=26.5 * scale, textColor=NAVY),
        "situation": ParagraphStyle("calm-situation", parent=base, fontSize=8.6 * scale, leading=11.5 * scale,
                                    textColor=MUTED, spaceBefore=4 * scale),
        "heading": ParagraphStyle("calm-heading", parent=base, fontName=font.bold, fontSize=7.8 * scale,
                                  leading=10 * scale, textColor=BLUE, spaceAfter=4 * scale),
        "experience": ParagraphStyle("calm-experience", parent=base, fontName=font.italic, spaceAfter=3 * scale),
        "author": ParagraphStyle("calm-author", parent=base, fontSize=8.4 * scale, leading=11 * scale,
                                 textColor=MUTED),
        "narrative": ParagraphStyle("calm-narrative", parent=base, fontSize=10.2 * scale, leading=14.8 * scale,
                                    spaceAfter=4 * scale),
        "label": ParagraphStyle("calm-label", parent=base, fontName=font.bold, fontSize=8.8 * scale,
                                leading=11.5 * scale, textColor=NAVY, spaceAfter=3 * scale),
        "quote": ParagraphStyle("calm-quote", parent=base, fontSize=8.6 * scale, leading=11.8 * scale,
                                spaceAfter=3 * scale),
        "chip": ParagraphStyle("calm-chip", parent=base, fontSize=8.8 * scale, leading=11 * scale, textColor=BLUE),
    }


class Chips(Flowable):
    """Words as rounded chips, flowing onto as many lines as they need."""

    def __init__(self, words: list[str], font: str, size: float, colour: colors.Color = CHIP, ink: colors.Color = BLUE):
        super().__init__()
        self.words, self.font, self.size, self.colour, self.ink = words, font, size, colour, ink
        self.pad_x, self.pad_y, self.gap = size * 0.9, size * 0.45, size * 0.6
        self.rows: list[list[tuple[str, float]]] = []

    def _width(self, word: str) -> float:
        widths = [float(pdfmetrics.stringWidth(part, face, self.size)) for part, face in self._runs(word)]
        return sum(widths) + 2 * self.pad_x

    def _runs(self, word: str) -> list[tuple[str, str]]:
        emoji = fonts.pdf_emoji_font() if fonts.font_files() is not None else None
        runs: list[tuple[str, str]] = []
        for face, group in groupby(word, key=lambda char: _face(char, "regular", emoji is not None)):
            runs.append(("".join(group), emoji if face == "emoji" and emoji is not None else self.font))
        return runs

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        row: list[tuple[str, float]] = []
        self.rows, used = [], 0.0
        for word in self.words:
            width = min(self._width(word), available_width)
            if row and used + width > available_width:
                self.rows.append(row)
                row, used = [], 0.0
            row.append((word, width))
            used += width + self.gap
        if row:
            self.rows.append(row)
        self.width = available_width
        self.height = len(self.rows) * self._row_height() - (self.gap if self.rows else 0)
        return self.width, self.height

    def _row_height(self) -> float:
        return self.size + 2 * self.pad_y + self.gap

    def draw(self) -> None:
        canvas = self.canv
        chip = self.size + 2 * self.pad_y
        for index, row in enumerate(self.rows):
            y = self.height - (index + 1) * self._row_height() + self.gap
            x = 0.0
            for word, width in row:
                canvas.setFillColor(self.colour)
                canvas.roundRect(x, y, width, chip, chip / 2, stroke=0, fill=1)
                canvas.setFillColor(self.ink)
                text = canvas.beginText(x + self.pad_x, y + self.pad_y + self.size * 0.22)
                for part, face in self._runs(word):
                    text.setFont(face, self.size)
                    text.textOut(part)
                canvas.drawText(text)
                x += width + self.gap


def _perspective_cell(label: str, text: str, style: dict[str, ParagraphStyle]) -> list[Any]:
    """One perspective: its name, then each quote on a line of its own with its attribution."""
    cell = [Paragraph(_markup(label, "bold"), style["label"])]
    cell += [Paragraph(_markup(line), style["quote"]) for line in clean(text).splitlines() if line.strip()]
    return cell


def _calm_story(card: ImageCard, words: Labels, style: dict[str, ParagraphStyle], font: fonts.PdfFonts,
                scale: float, width: float) -> list[Any]:
    """The rich A4 as one calm page: title and picture, the experience in a pale box, the
    image of good work, the perspectives as a grid of cards, the virtues as chips."""
    story: list[Any] = []
    heading = [Paragraph(_markup(card.title, "bold"), style["title"])]
    if one_line(card.situation_title):
        heading.append(Paragraph(_markup(one_line(card.situation_title)), style["situation"]))
    picture = _picture(card, PICTURE_SIZE * min(scale, 1.25))
    if picture is not None:
        side = picture.drawWidth + 6 * mm
        story.append(Table([[heading, picture]], colWidths=[width - side, side], style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])))
    else:
        story += heading
    sections: list[list[Any]] = []
    if card.experience.strip():
        box = [Paragraph(escape(fonts.drawable(words.experience.upper())), style["heading"])]
        box += [Paragraph(_markup(text, "italic"), style["experience"]) for text in paragraphs(card.experience)]
        box.append(Paragraph("— " + _markup(card.experience_author or words.anonymous), style["author"]))
        pad = 5 * mm * min(scale, 1.3)
        sections.append([Table([[box]], colWidths=[width], style=TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), PALE), ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.8), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.8)]))])
    if paragraphs(card.narrative):
        sections.append([Paragraph(escape(fonts.drawable(words.image.upper())), style["heading"]),
                         *(Paragraph(_markup(text), style["narrative"]) for text in paragraphs(card.narrative))])
    cells = [_perspective_cell(label, text, style) for label, text in card.perspectives if text.strip()]
    if cells:
        gap = 4 * mm
        rows: list[list[Any]] = [cells[index:index + 2] for index in range(0, len(cells), 2)]
        spans = []
        if len(rows[-1]) == 1:
            rows[-1].append("")
            spans.append(("SPAN", (0, len(rows) - 1), (1, len(rows) - 1)))
        pad = 3.2 * mm * min(scale, 1.3)
        grid = Table(rows, colWidths=[(width - gap) / 2 + gap / 2] * 2, style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, -1), CARD),
            ("LINEBELOW", (0, 0), (-1, -1), 4 * scale, colors.white),
            ("LINEAFTER", (0, 0), (0, -1), gap, colors.white),
            ("LINEABOVE", (0, 0), (-1, 0), 1.2, BLUE),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad), *spans]))
        sections.append([Paragraph(escape(fonts.drawable(words.perspectives.upper())), style["heading"]), grid])
    virtues = [one_line(virtue) for virtue in card.virtues if one_line(virtue)]
    if virtues:
        sections.append([Paragraph(escape(fonts.drawable(words.virtues.upper())), style["heading"]),
                         Chips(virtues, font.regular, style["chip"].fontSize)])
    for section in sections:
        story.append(_Gap())
        story += section
    return story


class _Gap(Spacer):
    """The space between two sections; :func:`_fill` shares the page's spare height among them."""

    def __init__(self, height: float = 4 * mm):
        super().__init__(1, height)


def _height(story: list[Any], width: float) -> float:
    total = 0.0
    for flowable in story:
        _, height = flowable.wrap(width, PAGE_HEIGHT * 4)
        total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def _fill(story: list[Any], room: float, width: float) -> list[Any]:
    """Share the spare height evenly between the sections (at most 14 mm each), so the page is full and calm."""
    gaps = [flowable for flowable in story if isinstance(flowable, _Gap)]
    spare = room - _height(story, width)
    if gaps and spare > 0:
        extra = min(spare * 0.96 / len(gaps), 14 * mm)
        for gap in gaps:
            gap.height += extra
    return story


def _one_page(card: ImageCard, words: Labels, font: fonts.PdfFonts, room: float, width: float) -> list[Any] | None:
    """The calm story at the largest type size that fits on one page; None when even the smallest does not."""
    def fitting(index: int) -> list[Any] | None:
        story = _calm_story(card, words, _scaled(font, SCALES[index]), font, SCALES[index], width)
        return story if _height(story, width) <= room * 0.97 else None

    # heights grow with the type size: search the largest size that fits in a few tries
    low, high, best = 0, len(SCALES) - 1, None
    while low <= high:
        middle = (low + high) // 2
        story = fitting(middle)
        if story is not None:
            best, high = story, middle - 1
        else:
            low = middle + 1
    return _fill(best, room * 0.97, width) if best is not None else None


FOOTER_MAX_NAME_LINES = 3


def _footer(card: ImageCard, words: Labels, style: dict[str, ParagraphStyle]) -> tuple[list[Paragraph], list[Any]]:
    """The footer's paragraphs, and what goes at the end of the text instead when the names
    of the participants would take more than ``FOOTER_MAX_NAME_LINES`` lines."""
    situation = (f"{_lead(words.situation, style, INK)}&nbsp; {_markup(one_line(card.situation_title))}"
                 f" &nbsp;·&nbsp; {_markup(words.date)}")
    footer = [Paragraph(situation, style["footer"])]
    names = _markup(words.people)
    after: list[Any] = []
    people = Paragraph(f"{_lead(words.with_, style, INK)}&nbsp; {names}", style["footer"])
    _, height = people.wrap(PAGE_WIDTH - 2 * MARGIN_X, PAGE_HEIGHT)
    if height <= FOOTER_MAX_NAME_LINES * style["footer"].leading + 1:
        footer.append(people)
    else:
        after = [Spacer(1, 8), Paragraph(f"{_lead(words.with_, style)}&nbsp; {names}", style["virtues"])]
    footer.append(Paragraph(_markup(words.credit), style["credit"]))
    return footer, after


class _Doc(BaseDocTemplate):
    """Two page templates (first and later pages) sharing a footer of measured height."""

    def __init__(self, buffer: io.BytesIO, card: ImageCard, words: Labels, style: dict[str, ParagraphStyle],
                 font: fonts.PdfFonts):
        self.card, self.words, self.style, self.font = card, words, style, font
        self.footer, self.after = _footer(card, words, style)
        width = PAGE_WIDTH - 2 * MARGIN_X
        self.footer_height = sum(p.wrap(width, PAGE_HEIGHT)[1] + 2 for p in self.footer)
        bottom = FOOTER_BOTTOM + self.footer_height + FOOTER_GAP
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                         bottomMargin=bottom, title=card.title, author="goedwerk",
                         subject=f"{words.image}: {card.situation_title}", creator="goedwerk",
                         keywords=", ".join(card.virtues), lang=card.language,
                         invariant=True)
        self.first_height = PAGE_HEIGHT - MARGIN_TOP - bottom
        first = Frame(MARGIN_X, bottom, width, self.first_height, id="first",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        later = Frame(MARGIN_X, bottom, width, PAGE_HEIGHT - LATER_TOP - bottom, id="later",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("first", [first], onPage=self._decorate, autoNextPageTemplate="later"),
                               PageTemplate("later", [later], onPage=self._decorate)])

    def _decorate(self, canvas: pdfcanvas.Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(BAND)
        canvas.rect(0, PAGE_HEIGHT - 5, PAGE_WIDTH, 5, stroke=0, fill=1)
        if doc.page > 1:
            canvas.setFont(self.font.regular, 8.5)
            canvas.setFillColor(MUTED)
            title = fonts.drawable(one_line(self.card.title))
            suffix = f" ({fonts.drawable(self.words.continued)})"
            room = PAGE_WIDTH - 2 * MARGIN_X - canvas.stringWidth(suffix, self.font.regular, 8.5)
            if canvas.stringWidth(title, self.font.regular, 8.5) > room:
                while title and canvas.stringWidth(title + "…", self.font.regular, 8.5) > room:
                    title = title[:-1]
                title = title.rstrip() + "…"
            canvas.drawString(MARGIN_X, PAGE_HEIGHT - MARGIN_TOP, title + suffix)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.line(MARGIN_X, PAGE_HEIGHT - MARGIN_TOP - 5, PAGE_WIDTH - MARGIN_X, PAGE_HEIGHT - MARGIN_TOP - 5)
        width = PAGE_WIDTH - 2 * MARGIN_X
        top = FOOTER_BOTTOM + self.footer_height
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_X, top + 4, PAGE_WIDTH - MARGIN_X, top + 4)
        y = top
        for paragraph in self.footer:
            _, height = paragraph.wrapOn(canvas, width, PAGE_HEIGHT)
            y -= height + 2
            paragraph.drawOn(canvas, MARGIN_X, y)
        canvas.restoreState()


def _canvas_maker(font: fonts.PdfFonts, words: Labels) -> type[Any]:
    """A canvas that, once all pages are known, marks every page but the last as continued."""

    class PagedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                if total > 1:
                    self.setFont(font.regular, 7.5)
                    self.setFillColor(MUTED)
                    marker = f"{number} / {total}"
                    if number < total:
                        marker = fonts.drawable(f"{words.continued} →  ") + marker
                    self.drawRightString(PAGE_WIDTH - MARGIN_X, FOOTER_BOTTOM - 14, marker)
                super().showPage()
            super().save()

    return PagedCanvas


def render_pdf(card: ImageCard) -> bytes:
    """The card as an A4 portrait PDF (usually one page; more when the texts are long).

    Raises :class:`ValueError` when the card's ``file:`` picture cannot be used; render
    again with ``dataclasses.replace(card, picture=None)`` to publish without it.
    """
    font = fonts.pdf_fonts()
    style = _styles(font)
    words = labels(card)
    buffer = io.BytesIO()
    doc = _Doc(buffer, card, words, style, font)
    width = PAGE_WIDTH - 2 * MARGIN_X
    story = None if doc.after else _one_page(card, words, font, doc.first_height, width)
    doc.build(story or _story(card, words, style) + doc.after, canvasmaker=_canvas_maker(font, words))
    return buffer.getvalue()
