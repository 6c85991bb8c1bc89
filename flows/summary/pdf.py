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

from typing import Any

import io
from itertools import groupby
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (BaseDocTemplate, Frame, Image, PageTemplate, Paragraph, Spacer)
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
    text = fonts.drawable(clean(text))
    if style == "regular" or fonts.font_files() is None or fonts.covered(text, style):
        return escape(text).replace("\n", "<br/>")
    runs: list[str] = []
    for fallback, group in groupby(text, key=lambda char: not fonts.has_glyph(char, style)
                                   and fonts.has_glyph(char)):
        part = escape("".join(group)).replace("\n", "<br/>")
        runs.append(f'<font name="{fonts.PDF_NAMES["regular"]}">{part}</font>' if fallback else part)
    return "".join(runs)


def _lead(label: str, style: dict[str, ParagraphStyle], colour: colors.Color = BLUE) -> str:
    """``label`` as the bold (by default blue) lead-in of a paragraph."""
    colour = colour.hexval().replace("0x", "#")
    return f'<font name="{style["heading"].fontName}" color="{colour}">{_markup(label, "bold")}</font>'


def _picture(card: ImageCard) -> Image | None:
    """The card's picture as a platypus image, at most PICTURE_SIZE on its longest side."""
    picture = picture_image(card.picture, PICTURE_PIXELS)
    if picture is None:
        return None
    buffer = io.BytesIO()
    if picture.getchannel("A").getextrema() == (255, 255):
        picture.convert("RGB").save(buffer, format="JPEG", quality=88)
    else:
        # reportlab decodes this PNG and compresses the pixels itself, so how hard the buffer
        # is compressed does not change the PDF (byte for byte); the fastest level saves ~50 ms.
        picture.save(buffer, format="PNG", compress_level=1)
    buffer.seek(0)
    scale = PICTURE_SIZE / max(picture.size)
    return Image(buffer, width=picture.width * scale, height=picture.height * scale)


def _story(card: ImageCard, words: Labels, style: dict[str, ParagraphStyle]) -> list[Any]:
    opening: list[Any] = [Paragraph(_markup(card.title, "bold"), style["title"])]
    if card.experience.strip():
        opening.append(Paragraph(escape(fonts.drawable(words.experience.upper())), style["heading"]))
        opening += [Paragraph(_markup(text, "italic"), style["experience"])
                    for text in paragraphs(card.experience)]
        if card.experience_author:
            opening.append(Paragraph("— " + _markup(card.experience_author), style["author"]))
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
        body = "<br/>".join(_markup(part) for part in paragraphs(text))
        perspectives.append(Paragraph(f"{_lead(label, style)}&nbsp; {body}", style["perspective"]))
    if perspectives:
        story.append(BalancedColumns(perspectives, nCols=2, innerPadding=7 * mm, spaceBefore=6,
                                     topPadding=0, bottomPadding=0, leftPadding=0, rightPadding=0))
    virtues = [_markup(one_line(virtue)) for virtue in card.virtues if one_line(virtue)]
    if virtues:
        line = f"{_lead(words.virtues, style)}&nbsp;&nbsp;{' · '.join(virtues)}"
        story.append(Paragraph(line, style["virtues"]))
    return story


FOOTER_MAX_NAME_LINES = 3


def _footer(card: ImageCard, words: Labels, style: dict[str, ParagraphStyle]) -> tuple[list[Paragraph], list[Any]]:
    """The footer's paragraphs, and what goes at the end of the text instead when the names
    of the participants would take more than ``FOOTER_MAX_NAME_LINES`` lines."""
    situation = (f"{_lead(words.situation, style, INK)}&nbsp; {_markup(one_line(card.situation_title))}"
                 f" &nbsp;·&nbsp; {_markup(words.date)}")
    footer = [Paragraph(situation, style["footer"])]
    names = [_markup(one_line(name)) for name in card.participants if one_line(name)]
    after: list[Any] = []
    if names:
        people = Paragraph(f"{_lead(words.with_, style, INK)}&nbsp; {', '.join(names)}", style["footer"])
        _, height = people.wrap(PAGE_WIDTH - 2 * MARGIN_X, PAGE_HEIGHT)
        if height <= FOOTER_MAX_NAME_LINES * style["footer"].leading + 1:
            footer.append(people)
        else:
            after = [Spacer(1, 8), Paragraph(f"{_lead(words.with_, style)}&nbsp; {', '.join(names)}",
                                             style["virtues"])]
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
        first = Frame(MARGIN_X, bottom, width, PAGE_HEIGHT - MARGIN_TOP - bottom, id="first",
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

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
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
    doc.build(_story(card, words, style) + doc.after, canvasmaker=_canvas_maker(font, words))
    return buffer.getvalue()
