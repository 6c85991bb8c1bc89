"""A PNG preview card of a published image of good work, for chat channels and link previews.

The card shows the title, the picture, the characteristic experience and the narrative
— both shortened to a few lines — the virtues, and the situation with the date. Text is
wrapped to the card's width; the card grows taller with its content up to
``MAX_ASPECT`` × width and shortens texts with "…" beyond that.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from flows.summary import fonts
from flows.summary.card import ImageCard, labels, one_line
from flows.summary.pictures import picture_image

log = logging.getLogger(__name__)

MIN_WIDTH = 240
MIN_ASPECT = 0.5
MAX_ASPECT = 1.5
BACKGROUND = (251, 249, 245)
NAVY = (21, 52, 94)
BLUE = (1, 104, 155)
ORANGE = (231, 111, 81)
INK = (34, 38, 46)
MUTED = (107, 114, 128)
RULE = (214, 219, 226)
CHIP = (229, 239, 246)
ELLIPSIS = "…"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _fits(text: str, font: Font, width: float) -> bool:
    return font.getlength(text) <= width


def _break_word(word: str, font: Font, width: float) -> list[str]:
    """A word too long for a line (or text without spaces, like Chinese) cut into pieces that fit."""
    pieces, current = [], ""
    for char in word:
        if current and not _fits(current + char, font, width):
            pieces.append(current)
            current = char
        else:
            current += char
    return pieces + ([current] if current else [])


def _shorten_line(line: str, font: Font, width: float) -> str:
    """``line`` with "…" at its end, dropping words (or characters) until it fits."""
    ellipsis = fonts.drawable(ELLIPSIS, fonts.PIL_DEFAULT_ENCODING)
    while line and not _fits(line + ellipsis, font, width):
        cut = line.rsplit(" ", 1)[0] if " " in line else line[:-1]
        line = cut.rstrip(" ,;:.")
    return line + ellipsis


def wrap(text: str, font: Font, width_of: Callable[[int], float], max_lines: int) -> list[str]:
    """``text`` wrapped greedily; line ``i`` may be ``width_of(i)`` wide; at most ``max_lines`` lines.

    The last line ends in "…" when text had to be left out.
    """
    lines: list[str] = []
    current = ""
    words = text.split()
    index = 0
    while index < len(words):
        word = words[index]
        width = width_of(len(lines))
        candidate = f"{current} {word}" if current else word
        if _fits(candidate, font, width):
            current = candidate
            index += 1
            continue
        if current:
            lines.append(current)
            current = ""
        else:
            pieces = _break_word(word, font, width)
            lines.append(pieces[0])
            words[index] = "".join(pieces[1:])
            if not words[index]:
                index += 1
        if len(lines) >= max_lines:
            break
    if current and len(lines) < max_lines:
        lines.append(current)
        index = len(words)
    if index < len(words) or len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _shorten_line(lines[-1], font, width_of(len(lines) - 1))
    return lines


@dataclass
class _Budget:
    """How many lines each text may take; lowered step by step until the card fits."""

    title: int = 3
    experience: int = 6
    narrative: int = 10

    def lower(self) -> bool:
        if self.narrative > 3:
            self.narrative -= 1
        elif self.experience > 2:
            self.experience -= 1
        elif self.title > 1:
            self.title -= 1
        else:
            return False
        return True


class _Layout:
    """Lays the card out on a draw callback list, so its height is known before drawing."""

    def __init__(self, card: ImageCard, width: int, budget: _Budget, picture: Image.Image | None):
        self.card, self.width, self.budget, self.picture = card, width, budget, picture
        self.u = width / 1200
        self.pad = round(64 * self.u)
        self.side = round(230 * self.u) if picture is not None else 0
        self.picture_bottom = self.pad + round(14 * self.u) + self.side
        self.ops: list[Callable[..., object]] = []
        """Drawing steps, each called with the card's ImageDraw and Image (keyword defaults hold their values)."""
        self.y: float = self.pad + round(10 * self.u)

    def px(self, value: float) -> int:
        return max(1, round(value * self.u))

    def width_at(self, y: float) -> float:
        full = self.width - 2 * self.pad
        if self.picture is not None and y < self.picture_bottom:
            return full - self.side - self.px(40)
        return full

    def text(self, text: str, font: Font, colour: tuple[int, int, int], max_lines: int, leading: float,
             indent: int = 0) -> None:
        top = self.y
        text = fonts.drawable(one_line(text), fonts.PIL_DEFAULT_ENCODING)
        lines = wrap(text, font, lambda i: self.width_at(top + i * leading) - indent, max_lines)
        for number, line in enumerate(lines):
            position = (self.pad + indent, top + number * leading)
            self.ops.append(lambda draw, _, p=position, s=line: draw.text(p, s, font=font, fill=colour))
        self.y = top + len(lines) * leading

    def label(self, text: str) -> None:
        font = fonts.pil_font(self.px(19), "bold")
        self.text(text.upper(), font, BLUE, 1, self.px(30))

    def build(self) -> int:
        card, words, px = self.card, labels(self.card), self.px
        if self.picture is not None:
            picture = self.picture
            x = self.width - self.pad - self.side + (self.side - picture.width) // 2
            y = self.pad + px(14) + (self.side - picture.height) // 2
            self.ops.append(lambda _, image: image.alpha_composite(picture, (x, y)))

        title_style = "bold" if fonts.covered(card.title, "bold") else "regular"
        self.text(card.title, fonts.pil_font(px(54), title_style), NAVY, self.budget.title, px(66))
        self.y += px(26)

        if one_line(card.experience):
            self.label(words.experience)
            style = "italic" if fonts.covered(card.experience, "italic") else "regular"
            top = self.y
            self.text(card.experience, fonts.pil_font(px(27), style), INK,
                      self.budget.experience, px(40), indent=px(24))
            bottom = self.y
            if bottom - top > px(12):
                self.ops.append(lambda draw, _, t=top, b=bottom: draw.rectangle(
                    [self.pad, t + px(6), self.pad + px(5), b - px(6)], fill=ORANGE))
            self.y += px(4)
            self.text("— " + (card.experience_author or words.anonymous), fonts.pil_font(px(22)), MUTED, 1,
                      px(32), indent=px(24))
            self.y += px(26)

        self.y = max(self.y, self.picture_bottom + px(26)) if self.picture is not None else self.y
        if one_line(card.narrative):
            self.label(words.image)
            self.text(card.narrative, fonts.pil_font(px(27)), INK, self.budget.narrative, px(40))
            self.y += px(22)

        virtues = [text for text in (fonts.drawable(one_line(v), fonts.PIL_DEFAULT_ENCODING) for v in card.virtues)
                   if text]
        if virtues:
            self._chips(virtues)
            self.y += px(20)

        self.y += px(10)
        rule_y = self.y
        self.ops.append(lambda draw, _: draw.rectangle([self.pad, rule_y, self.width - self.pad, rule_y + px(2)],
                                                       fill=RULE))
        self.y += px(22)
        self._footer_line(f"{words.situation}: {one_line(card.situation_title)}", f"  ·  {words.date}")
        self._footer_line(f"{words.with_} {words.people}", "")
        self.text(words.credit, fonts.pil_font(px(17)), MUTED, 1, px(26))
        return round(self.y + self.pad * 0.75)

    def _footer_line(self, text: str, tail: str) -> None:
        """One footer line: ``text`` shortened with "…" where needed so that ``tail`` (the date)
        always fits whole on the same line."""
        font = fonts.pil_font(self.px(22))
        text = fonts.drawable(one_line(text), fonts.PIL_DEFAULT_ENCODING)
        tail = fonts.drawable(tail, fonts.PIL_DEFAULT_ENCODING)
        room = self.width_at(self.y) - font.getlength(tail)
        if font.getlength(text) > room:
            text = _shorten_line(text, font, room)
        position = (self.pad, self.y)
        self.ops.append(lambda draw, _, p=position, s=text + tail: draw.text(p, s, font=font, fill=MUTED))
        self.y += self.px(32)

    def _chips(self, virtues: list[str]) -> None:
        """The virtues as rounded chips, in at most two rows."""
        font = fonts.pil_font(self.px(22))
        height, gap, inner = self.px(42), self.px(12), self.px(18)
        x, row = self.pad, 0
        for text in virtues:
            room = self.width_at(self.y) - 2 * inner
            if font.getlength(text) > room:
                text = _shorten_line(text, font, room)
            width = round(font.getlength(text)) + 2 * inner
            if x + width > self.pad + self.width_at(self.y) and x > self.pad:
                row += 1
                if row >= 2:
                    break
                x, self.y = self.pad, self.y + height + gap
            box = [x, self.y, x + width, self.y + height]
            self.ops.append(lambda draw, _, b=box, s=text: (
                draw.rounded_rectangle(b, radius=height // 2, fill=CHIP),
                draw.text(((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), s, font=font, fill=BLUE, anchor="mm")))
            x += width + gap
        self.y += height


def render_png(card: ImageCard, width: int = 1200) -> bytes:
    """A PNG preview card ``width`` pixels wide (at least ``MIN_WIDTH``); its height follows the content.

    This is a preview: long texts are shortened with "…"; the full text is in the PDF
    (:func:`flows.summary.pdf.render_pdf`). Raises :class:`ValueError` when the card's
    ``file:`` picture cannot be used.
    """
    if width < MIN_WIDTH:
        raise ValueError(f"A card needs a width of at least {MIN_WIDTH} pixels, not {width}.")
    picture = picture_image(card.picture, round(230 * width / 1200))
    budget = _Budget()
    while True:
        layout = _Layout(card, width, budget, picture)
        height = layout.build()
        if height <= width * MAX_ASPECT or not budget.lower():
            break
    if height > width * MAX_ASPECT:
        log.warning("The PNG card is cut off at %d px (its content needs %d px)", width * MAX_ASPECT, height)
    height = min(max(height, round(width * MIN_ASPECT)), round(width * MAX_ASPECT))
    image = Image.new("RGBA", (width, height), BACKGROUND + (255,))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, layout.px(10)], fill=BLUE)
    for op in layout.ops:
        op(draw, image)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()
