"""The picture of an image of good work: a few drawings of our own, an emoji or an upload.

The built-in pictures are simple flat drawings made with Pillow's ``ImageDraw`` (no
downloaded artwork): each is drawn on a larger canvas and scaled down for smooth edges,
on a rounded square with a soft background. The PNG card uses them directly; the PDF
embeds the same drawing as a PNG, so both look alike.

A picture is named by a spec string (see :class:`flows.summary.card.ImageCard`):

- ``"builtin:<name>"`` — one of :data:`BUILTIN_PICTURES`;
- ``"emoji:<char>"`` — the character drawn large from the emoji font (Noto Emoji) or the
  text font, otherwise a neutral circle with its code point (never an error here; the
  engine refuses emoji it cannot draw when they are chosen);
- ``"file:<path>"`` — a PNG or JPEG of at most 10 MB; anything else raises
  :class:`ValueError` with a message the caller can show.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from flows.i18n import N_, t
from flows.summary import fonts

BUILTIN_PICTURES: tuple[str, ...] = ("bridge", "compass", "handshake", "lighthouse", "path", "puzzle")
PICTURE_NAMES = {"bridge": N_("bridge"), "compass": N_("compass"), "handshake": N_("handshake"),
                 "lighthouse": N_("lighthouse"), "path": N_("path"), "puzzle": N_("puzzle")}
"""The built-in pictures as people see and type them (the keys are the stored names)."""
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILE_PIXELS = 40_000_000
FILE_FORMATS = ("PNG", "JPEG")

# A calm palette: deep blue and "lint" blue with warm accents.
NAVY = (21, 52, 94)
BLUE = (1, 104, 155)
LIGHT_BLUE = (120, 178, 214)
TEAL = (42, 157, 143)
GREEN = (118, 173, 128)
LIGHT_GREEN = (178, 212, 170)
ORANGE = (231, 111, 81)
YELLOW = (244, 185, 66)
SAND = (241, 222, 186)
WHITE = (255, 255, 255)
GREY = (120, 128, 140)

Point = tuple[float, float]
Ink = str | tuple[int, ...]
"""A colour as Pillow takes it: a name or "#rrggbb", or RGB(A) numbers."""


class _Canvas:
    """A supersampled square canvas addressed in unit coordinates (0..1)."""

    def __init__(self, size: int, background: tuple[int, int, int]):
        self.size = size
        self.scale = max(1, min(4, 2048 // max(size, 1)))
        self.side = size * self.scale
        self.image = Image.new("RGBA", (self.side, self.side), background + (255,))
        self.draw = ImageDraw.Draw(self.image)

    def p(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.side, y * self.side)

    def w(self, width: float) -> int:
        return max(1, round(width * self.side))

    def box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * self.side, y0 * self.side, x1 * self.side, y1 * self.side]

    def polygon(self, points: list[Point], fill: Ink) -> None:
        self.draw.polygon([self.p(x, y) for x, y in points], fill=fill)

    def line(self, points: list[Point], fill: Ink, width: float) -> None:
        self.draw.line([self.p(x, y) for x, y in points], fill=fill, width=self.w(width), joint="curve")

    def circle(self, x: float, y: float, r: float, fill: Ink | None = None, outline: Ink | None = None,
               width: float = 0) -> None:
        self.draw.ellipse(self.box(x - r, y - r, x + r, y + r), fill=fill, outline=outline,
                          width=self.w(width) if outline else 0)

    def overlay(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        """A transparent layer of the same size, for translucent shapes."""
        layer = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        return layer, ImageDraw.Draw(layer)

    def finish(self) -> Image.Image:
        """Round the corners and scale down to the requested size."""
        mask = Image.new("L", self.image.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle([0, 0, self.side - 1, self.side - 1],
                                               radius=round(self.side * 0.16), fill=255)
        self.image.putalpha(Image.composite(self.image.getchannel("A"), mask, mask))
        return self.image.resize((self.size, self.size), Image.Resampling.LANCZOS)


def _waves(c: _Canvas, y: float, color: Ink, count: int = 3, spacing: float = 0.07) -> None:
    for row in range(count):
        yy = y + row * spacing
        offset = 0.09 * (row % 2)
        x = 0.06 + offset
        while x < 0.9:
            c.draw.arc(c.box(x, yy - 0.02, x + 0.1, yy + 0.02), 200, 340, fill=color, width=c.w(0.012))
            x += 0.2


def _bridge(c: _Canvas) -> None:
    c.circle(0.76, 0.24, 0.08, fill=YELLOW)
    c.draw.rectangle(c.box(0, 0.68, 1, 1), fill=LIGHT_BLUE)
    _waves(c, 0.78, (226, 240, 248))
    c.polygon([(0, 0.6), (0.14, 0.6), (0.2, 0.7), (0, 0.7)], fill=GREEN)
    c.polygon([(1, 0.6), (0.86, 0.6), (0.8, 0.7), (1, 0.7)], fill=GREEN)
    cx, cy, rx, ry = 0.5, 0.6, 0.33, 0.3
    for x in (0.27, 0.35, 0.425, 0.5, 0.575, 0.65, 0.73):
        top = cy - ry * math.sqrt(max(0.0, 1 - ((x - cx) / rx) ** 2))
        c.line([(x, top), (x, cy)], fill=NAVY, width=0.01)
    c.draw.arc(c.box(cx - rx, cy - ry, cx + rx, cy + ry), 180, 360, fill=NAVY, width=c.w(0.035))
    c.draw.rectangle(c.box(0.04, 0.585, 0.96, 0.625), fill=NAVY)
    for x in (0.17, 0.83):
        c.draw.rectangle(c.box(x - 0.02, 0.62, x + 0.02, 0.74), fill=NAVY)
    c.draw.rectangle(c.box(0.04, 0.578, 0.96, 0.588), fill=ORANGE)


def _compass(c: _Canvas) -> None:
    c.circle(0.5, 0.5, 0.38, fill=NAVY)
    c.circle(0.5, 0.5, 0.345, fill=WHITE)
    for step in range(16):
        angle = step * math.pi / 8
        inner = 0.27 if step % 4 == 0 else 0.3
        x0, y0 = 0.5 + inner * math.sin(angle), 0.5 - inner * math.cos(angle)
        x1, y1 = 0.5 + 0.325 * math.sin(angle), 0.5 - 0.325 * math.cos(angle)
        c.line([(x0, y0), (x1, y1)], fill=NAVY if step % 4 == 0 else GREY, width=0.014 if step % 4 == 0 else 0.008)
    tilt = math.radians(28)

    def rotate(x: float, y: float) -> Point:
        dx, dy = x - 0.5, y - 0.5
        return (0.5 + dx * math.cos(tilt) - dy * math.sin(tilt), 0.5 + dx * math.sin(tilt) + dy * math.cos(tilt))

    c.polygon([rotate(0.5, 0.2), rotate(0.56, 0.5), rotate(0.44, 0.5)], fill=ORANGE)
    c.polygon([rotate(0.5, 0.8), rotate(0.56, 0.5), rotate(0.44, 0.5)], fill=BLUE)
    c.circle(0.5, 0.5, 0.035, fill=NAVY)
    c.circle(0.5, 0.5, 0.014, fill=WHITE)


def _handshake(c: _Canvas) -> None:
    skin_left, skin_right = (233, 182, 140), (190, 132, 96)
    # Sleeves coming in from the lower corners.
    c.polygon([(0.0, 0.66), (0.0, 0.9), (0.26, 0.74), (0.2, 0.5)], fill=BLUE)
    c.polygon([(1.0, 0.66), (1.0, 0.9), (0.74, 0.74), (0.8, 0.5)], fill=ORANGE)
    c.polygon([(0.17, 0.49), (0.22, 0.47), (0.29, 0.74), (0.24, 0.77)], fill=WHITE)
    c.polygon([(0.83, 0.49), (0.78, 0.47), (0.71, 0.74), (0.76, 0.77)], fill=WHITE)
    # The right hand: palm reaching left, fingers wrapped under the other hand.
    c.draw.rounded_rectangle(c.box(0.36, 0.46, 0.78, 0.7), radius=c.w(0.1), fill=skin_right)
    c.polygon([(0.74, 0.48), (0.8, 0.5), (0.78, 0.72), (0.72, 0.72)], fill=skin_right)
    # The left hand on top: palm from the left, four fingers curling over.
    c.draw.rounded_rectangle(c.box(0.22, 0.42, 0.6, 0.64), radius=c.w(0.1), fill=skin_left)
    c.polygon([(0.2, 0.5), (0.26, 0.44), (0.3, 0.72), (0.25, 0.75)], fill=skin_left)
    for index, x in enumerate((0.42, 0.49, 0.56)):
        bottom = 0.66 - 0.015 * index
        c.draw.rounded_rectangle(c.box(x - 0.032, 0.5, x + 0.032, bottom + 0.04), radius=c.w(0.032),
                                 fill=skin_left, outline=(205, 150, 110), width=c.w(0.008))
    # The right thumb resting across the back of the left hand.
    c.line([(0.7, 0.47), (0.42, 0.415)], fill=skin_right, width=0.06)
    c.circle(0.42, 0.415, 0.03, fill=skin_right)
    c.line([(0.47, 0.425), (0.42, 0.415)], fill=(170, 115, 82), width=0.006)


def _lighthouse(c: _Canvas) -> None:
    c.draw.rectangle(c.box(0, 0.8, 1, 1), fill=BLUE)
    _waves(c, 0.87, LIGHT_BLUE, count=2, spacing=0.07)
    layer, draw = c.overlay()
    draw.polygon([c.p(0.5, 0.27), c.p(-0.05, 0.12), c.p(-0.05, 0.4)], fill=YELLOW + (120,))
    draw.polygon([c.p(0.5, 0.27), c.p(1.05, 0.14), c.p(1.05, 0.42)], fill=YELLOW + (120,))
    c.image.alpha_composite(layer)
    c.draw.ellipse(c.box(0.22, 0.76, 0.78, 0.88), fill=GREY)
    c.draw.ellipse(c.box(0.16, 0.8, 0.44, 0.9), fill=(95, 102, 114))
    top_l, top_r, bottom_l, bottom_r = 0.42, 0.58, 0.36, 0.64
    y_top, y_bottom = 0.37, 0.81

    def edge(left: float, right: float, t: float) -> float:
        return left + (right - left) * t

    c.polygon([(top_l, y_top), (top_r, y_top), (bottom_r, y_bottom), (bottom_l, y_bottom)], fill=WHITE)
    for start, end in ((0.18, 0.38), (0.58, 0.78)):
        ya, yb = y_top + (y_bottom - y_top) * start, y_top + (y_bottom - y_top) * end
        c.polygon([(edge(top_l, bottom_l, start), ya), (edge(top_r, bottom_r, start), ya),
                   (edge(top_r, bottom_r, end), yb), (edge(top_l, bottom_l, end), yb)], fill=ORANGE)
    c.draw.rounded_rectangle(c.box(0.47, 0.69, 0.53, 0.81), radius=c.w(0.03), fill=NAVY)
    c.draw.rectangle(c.box(0.44, 0.21, 0.56, 0.34), fill=YELLOW)
    for x in (0.48, 0.52):
        c.line([(x, 0.21), (x, 0.34)], fill=NAVY, width=0.008)
    c.draw.rectangle(c.box(0.38, 0.335, 0.62, 0.375), fill=NAVY)
    c.polygon([(0.41, 0.215), (0.59, 0.215), (0.5, 0.13)], fill=NAVY)
    c.circle(0.5, 0.125, 0.018, fill=NAVY)


def _path(c: _Canvas) -> None:
    c.circle(0.7, 0.3, 0.09, fill=YELLOW)
    c.draw.ellipse(c.box(-0.3, 0.42, 0.7, 0.9), fill=LIGHT_GREEN)
    c.draw.ellipse(c.box(0.35, 0.46, 1.3, 0.9), fill=(160, 200, 155))
    c.draw.rectangle(c.box(0, 0.6, 1, 1), fill=GREEN)
    # A winding path from the front to the horizon: centre line with a shrinking width.
    left, right = [], []
    steps = 40
    for step in range(steps + 1):
        t = step / steps
        y = 1.02 - t * 0.5
        x = 0.5 + 0.16 * math.sin(t * math.pi * 1.6) * (1 - t * 0.6)
        half = 0.2 * (1 - t) ** 1.4 + 0.006
        left.append((x - half, y))
        right.append((x + half, y))
    c.polygon(left + right[::-1], fill=SAND)
    for x, y, r in ((0.16, 0.62, 0.06), (0.86, 0.66, 0.07), (0.28, 0.54, 0.035)):
        c.draw.rectangle(c.box(x - r * 0.15, y, x + r * 0.15, y + r * 1.6), fill=(120, 90, 60))
        c.circle(x, y, r, fill=TEAL)


def _puzzle(c: _Canvas) -> None:
    side = c.side
    origin, cell = 0.17, 0.3
    colours = [[BLUE, ORANGE], [TEAL, YELLOW]]
    knob = 0.06

    def cell_box(col: int, row: int) -> list[float]:
        x0, y0 = origin + col * cell, origin + row * cell
        return c.box(x0, y0, x0 + cell, y0 + cell)

    # Interior edges: (from cell, to cell, knob centre) — the knob belongs to "from".
    edges = [((0, 0), (1, 0), (origin + cell + 0.035, origin + cell / 2)),
             ((0, 0), (0, 1), (origin + cell / 2, origin + cell + 0.035)),
             ((1, 1), (1, 0), (origin + 1.5 * cell, origin + cell - 0.035)),
             ((1, 1), (0, 1), (origin + cell - 0.035, origin + 1.5 * cell))]
    masks = {}
    for row in range(2):
        for col in range(2):
            mask = Image.new("L", (side, side), 0)
            draw = ImageDraw.Draw(mask)
            draw.rectangle(cell_box(col, row), fill=255)
            for owner, other, (kx, ky) in edges:
                if owner == (col, row):
                    draw.ellipse(c.box(kx - knob, ky - knob, kx + knob, ky + knob), fill=255)
                elif other == (col, row):
                    draw.ellipse(c.box(kx - knob, ky - knob, kx + knob, ky + knob), fill=0)
            # Shrink a little so the pieces show a gap, with softly rounded corners.
            blurred = mask.filter(ImageFilter.BoxBlur(max(1, side // 120)))
            masks[(col, row)] = blurred.point(lambda v: 255 if v > 200 else 0)
    lifted = (1, 0)
    for (col, row), mask in masks.items():
        if (col, row) == lifted:
            continue
        c.image.paste(colours[row][col] + (255,), (0, 0), mask)
    shift = (round(side * 0.05), round(-side * 0.05))
    shadow = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    shadow.paste((30, 40, 60, 70), (shift[0] - side // 60, shift[1] + side // 40), masks[lifted])
    c.image.alpha_composite(shadow.filter(ImageFilter.GaussianBlur(side // 80)))
    moved = Image.new("L", (side, side), 0)
    moved.paste(masks[lifted], shift)
    c.image.paste(colours[lifted[1]][lifted[0]] + (255,), (0, 0), moved)


_DRAWINGS: dict[str, tuple[tuple[int, int, int], Callable[[_Canvas], None]]] = {
    "bridge": ((222, 236, 246), _bridge),
    "compass": ((248, 236, 214), _compass),
    "handshake": ((222, 240, 236), _handshake),
    "lighthouse": ((214, 228, 244), _lighthouse),
    "path": ((232, 242, 246), _path),
    "puzzle": ((246, 240, 230), _puzzle),
}


def draw_picture(name: str, size: int) -> Image.Image:
    """The built-in picture ``name`` as a ``size`` × ``size`` RGBA image (rounded corners)."""
    if name not in _DRAWINGS:
        raise ValueError(f"Unknown picture {name!r}; choose one of: {', '.join(BUILTIN_PICTURES)}")
    background, drawing = _DRAWINGS[name]
    canvas = _Canvas(size, background)
    drawing(canvas)
    return canvas.finish()


_INVISIBLE = {0xFE0E, 0xFE0F, 0x200D, 0x20E3} | set(range(0x1F3FB, 0x1F400))


def _visible(emoji: str) -> list[str]:
    return [char for char in emoji if ord(char) not in _INVISIBLE and not char.isspace()
            and unicodedata.category(char) not in ("Cc", "Cf", "Mn")][:3]


def emoji_drawable(emoji: str) -> bool:
    """Whether ``emoji`` can be drawn as itself (by the emoji font or the text font)."""
    visible = _visible(emoji)
    return bool(visible) and (all(fonts.has_emoji(char) for char in visible)
                              or all(fonts.has_glyph(char) for char in visible))


def draw_emoji(emoji: str, size: int) -> Image.Image:
    """``emoji`` drawn large on a soft circle (from the emoji font when it has them all);
    a neutral circle with its code point when no font has it."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = size * 0.04
    visible = _visible(emoji)
    from_emoji_font = bool(visible) and all(fonts.has_emoji(char) for char in visible)
    drawable = emoji_drawable(emoji)
    fill = (236, 242, 248) if drawable else (232, 232, 236)
    draw.ellipse([margin, margin, size - margin, size - margin], fill=fill)
    if drawable:
        text = "".join(visible)

        def font_of(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
            emoji = fonts.pil_emoji_font(pixels) if from_emoji_font else None
            return emoji or fonts.pil_font(pixels)

        font = font_of(max(8, int(size * 0.5)))
        width = font.getlength(text)
        if width > size * 0.7:
            font = font_of(max(6, int(size * 0.5 * size * 0.7 / width)))
        draw.text((size / 2, size / 2), text, font=font, fill=NAVY, anchor="mm")
    else:
        code = " ".join(f"U+{ord(char):04X}" for char in visible[:2]) or "?"
        font = fonts.pil_font(max(6, int(size * (0.09 if len(visible) < 2 else 0.06))))
        draw.text((size / 2, size / 2), code, font=font, fill=GREY, anchor="mm")
    return image


def load_file(path: str | Path, size: int) -> Image.Image:
    """An uploaded PNG/JPEG scaled to fit ``size`` × ``size``; :class:`ValueError` when unusable."""
    path = Path(path)
    try:
        length = path.stat().st_size
    except OSError as error:
        raise ValueError(f"The picture {path.name!r} cannot be read.") from error
    if length > MAX_FILE_BYTES:
        raise ValueError(f"The picture {path.name!r} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        with Image.open(path) as opened:
            if opened.format not in FILE_FORMATS:
                raise ValueError(f"The picture {path.name!r} is not a PNG or JPEG file.")
            if opened.width * opened.height > MAX_FILE_PIXELS:
                raise ValueError(f"The picture {path.name!r} has too many pixels.")
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except ValueError:
        raise
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(f"The picture {path.name!r} is not an image that can be opened.") from error
    image = image.convert("RGBA")
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return image


def picture_image(spec: str | None, size: int) -> Image.Image | None:
    """The picture named by ``spec`` fitting ``size`` × ``size``, or ``None`` without one.

    Raises :class:`ValueError` for an unknown kind or name and for an unusable file.
    """
    if not spec:
        return None
    kind, _, value = spec.partition(":")
    if kind == "builtin":
        return draw_picture(value, size)
    if kind == "emoji":
        return draw_emoji(value, size)
    if kind == "file":
        return load_file(value, size)
    raise ValueError(f"Unknown picture {spec!r}: use builtin:, emoji: or file:")


def check_picture(data: bytes) -> str:
    """The MIME type of an uploaded PNG or JPEG; :class:`ValueError` when it is not a usable one."""
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("the picture is too large")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            kind = opened.format
            if kind not in FILE_FORMATS or opened.width * opened.height > MAX_FILE_PIXELS:
                raise ValueError("not a PNG or JPEG of a usable size")
            opened.verify()
    except ValueError:
        raise
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError("not an image") from error
    return "image/png" if kind == "PNG" else "image/jpeg"


def picture_label(language: str, spec: str) -> str:
    """A picture spec as people read it: a built-in picture's name in ``language``, the emoji
    itself, or "uploaded picture"."""
    kind, _, value = spec.partition(":")
    if kind == "builtin" and value in PICTURE_NAMES:
        return t(language, PICTURE_NAMES[value])
    if kind == "emoji":
        return value
    return t(language, "uploaded picture")
