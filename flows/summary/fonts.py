"""Fonts for the PDF and the PNG card: DejaVu Sans when it can be found, else a safe fallback.

DejaVu Sans covers Latin, Greek, Cyrillic, Arabic, Hebrew, Armenian, Georgian and many
symbols, so most team members' names and stories render as written. It is looked up in
the folder named by ``GOEDWERK_FONT_DIR`` first, then in the usual system folders (on
Debian/Ubuntu: ``/usr/share/fonts/truetype/dejavu/``, package ``fonts-dejavu-core``).

When no DejaVu Sans is found the PDF uses reportlab's built-in Helvetica and the PNG
Pillow's default font; both only draw Western European text, so :func:`drawable`
replaces every other character with ``"?"`` and logs a warning instead of failing.
Characters that DejaVu Sans itself lacks (e.g. Chinese) are kept: the PDF shows the
font's empty box for them and keeps the text extractable.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

FONT_DIR_ENV = "GOEDWERK_FONT_DIR"
SYSTEM_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)
FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "italic": "DejaVuSans-Oblique.ttf"}
PDF_NAMES = {"regular": "GoedwerkSans", "bold": "GoedwerkSans-Bold", "italic": "GoedwerkSans-Italic"}
BUILTIN_NAMES = {"regular": "Helvetica", "bold": "Helvetica-Bold", "italic": "Helvetica-Oblique"}
# What reportlab's standard fonts can draw (WinAnsiEncoding) and what Pillow's default font can.
BUILTIN_ENCODING = "cp1252"
PIL_DEFAULT_ENCODING = "ascii"
_LOOK_ALIKES = {"—": "-", "–": "-", "…": "...", "·": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                "→": "->", "•": "*", "\u00a0": " ", "€": "EUR"}


@dataclass(frozen=True)
class FontFiles:
    """The TTF files of one family; ``bold`` and ``italic`` are ``regular`` when missing."""

    regular: Path
    bold: Path
    italic: Path

    def path(self, style: str) -> Path:
        found: Path = getattr(self, style)
        return found


def search_dirs() -> list[Path]:
    """Where fonts are looked for, in order: ``$GOEDWERK_FONT_DIR``, then the system folders."""
    configured = os.environ.get(FONT_DIR_ENV, "").strip()
    return ([Path(configured)] if configured else []) + list(SYSTEM_DIRS)


@lru_cache(maxsize=8)
def _find(dirs: tuple[Path, ...]) -> FontFiles | None:
    for folder in dirs:
        regular = folder / FILES["regular"]
        if regular.is_file():
            found = {style: folder / name for style, name in FILES.items()}
            return FontFiles(**{style: path if path.is_file() else regular for style, path in found.items()})
    log.warning("DejaVu Sans not found in %s; falling back to built-in fonts (Western text only). "
                "Install fonts-dejavu-core or set %s.", ", ".join(map(str, dirs)), FONT_DIR_ENV)
    return None


def font_files() -> FontFiles | None:
    """The DejaVu Sans files, or ``None`` when none can be found."""
    return _find(tuple(search_dirs()))


@lru_cache(maxsize=8)
def _coverage(path: Path) -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFontFile

    return frozenset(TTFontFile(str(path)).charToGlyph)


def has_glyph(char: str, style: str = "regular") -> bool:
    """Whether the font in use can draw ``char`` (a single code point)."""
    files = font_files()
    if files is None:
        return _encodes(char, BUILTIN_ENCODING)
    return ord(char) in _coverage(files.path(style))


def covered(text: str, style: str) -> bool:
    """Whether the ``style`` face draws every character of ``text`` that the regular face draws."""
    return all(has_glyph(char, style) or not has_glyph(char) for char in set(text) if not char.isspace())


def drawable(text: str, encoding: str = BUILTIN_ENCODING) -> str:
    """``text`` as the fonts in use can draw it: unchanged with DejaVu.

    Without DejaVu only characters in ``encoding`` are kept (``"cp1252"`` for reportlab's
    Helvetica, ``"ascii"`` for Pillow's default font); others become their unaccented
    letter or an ASCII look-alike where there is one, else ``"?"`` (with a warning).
    """
    if font_files() is not None:
        return text
    out = []
    replaced = 0
    for char in text:
        if _encodes(char, encoding):
            out.append(char)
            continue
        base = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
        if base and _encodes(base, encoding):
            out.append(base)
        elif char in _LOOK_ALIKES and _encodes(_LOOK_ALIKES[char], encoding):
            out.append(_LOOK_ALIKES[char])
        else:
            out.append("?")
            replaced += 1
    if replaced:
        log.warning("Replaced %d character(s) the built-in font cannot draw with '?'", replaced)
    return "".join(out)


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class PdfFonts:
    """The reportlab font names to use; ``builtin`` when they are the standard Helvetica."""

    regular: str
    bold: str
    italic: str
    builtin: bool


def pdf_fonts() -> PdfFonts:
    """Register DejaVu Sans with reportlab (once) and return the names; Helvetica without it."""
    files = font_files()
    if files is None:
        return PdfFonts(**BUILTIN_NAMES, builtin=True)
    return _register(files)


@lru_cache(maxsize=4)
def _register(files: FontFiles) -> PdfFonts:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for style, name in PDF_NAMES.items():
        pdfmetrics.registerFont(TTFont(name, str(files.path(style))))
    family = PDF_NAMES["regular"]
    addMapping(family, 0, 0, PDF_NAMES["regular"])
    addMapping(family, 1, 0, PDF_NAMES["bold"])
    addMapping(family, 0, 1, PDF_NAMES["italic"])
    addMapping(family, 1, 1, PDF_NAMES["bold"])
    return PdfFonts(**PDF_NAMES, builtin=False)


def pil_font(size: int, style: str = "regular") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A Pillow font of ``size`` pixels: DejaVu Sans, or Pillow's default font without it."""
    files = font_files()
    return _pil_font(str(files.path(style)) if files is not None else "", size)


@lru_cache(maxsize=64)
def _pil_font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            log.warning("Could not load %s; using Pillow's default font", path)
    return ImageFont.load_default(size=size)


# -- emoji --------------------------------------------------------------------------------

EMOJI_PDF_NAME = "GoedwerkEmoji"
EMOJI_FILE_GLOB = "NotoEmoji*.ttf"


@lru_cache(maxsize=8)
def _find_emoji(dirs: tuple[Path, ...]) -> Path | None:
    for folder in dirs:
        if folder.is_dir():
            found = sorted(folder.glob(EMOJI_FILE_GLOB))
            if found:
                return found[0]
    log.warning("No emoji font (%s) found in %s; emoji print as their code point. "
                "Install the project's dependencies (manimgx-fonts) or set %s.",
                EMOJI_FILE_GLOB, ", ".join(map(str, dirs)), FONT_DIR_ENV)
    return None


def emoji_dirs() -> list[Path]:
    """Where the emoji font (Noto Emoji, outlines only) is looked for: ``$GOEDWERK_FONT_DIR``,
    then the ``manimgx-fonts`` package the project depends on, then the system folders."""
    configured = os.environ.get(FONT_DIR_ENV, "").strip()
    dirs = [Path(configured)] if configured else []
    try:
        import manimgx_fonts  # type: ignore[import-untyped]  # a font bundle without type hints

        dirs.append(Path(manimgx_fonts.__file__).parent)
    except ImportError:  # pragma: no cover - a dependency; without it emoji print as code points
        pass
    return dirs + [Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto")]


def emoji_file() -> Path | None:
    """The emoji font file, or None when there is none."""
    return _find_emoji(tuple(emoji_dirs()))


def has_emoji(char: str) -> bool:
    """Whether the emoji font can draw ``char``."""
    return ord(char) in _emoji_coverage(os.environ.get(FONT_DIR_ENV, ""))


@lru_cache(maxsize=4)
def _emoji_coverage(_font_dir: str) -> frozenset[int]:
    """The emoji font's characters (per ``$GOEDWERK_FONT_DIR``, which may change in tests)."""
    path = emoji_file()
    return _coverage(path) if path is not None else frozenset()


def needs_emoji_font(char: str, style: str = "regular") -> bool:
    """Whether ``char`` is drawn from the emoji font: the text font lacks it (or it is a
    pictograph) and the emoji font has it."""
    if not has_emoji(char):
        return False
    return ord(char) >= 0x1F000 or not has_glyph(char, style)


def pdf_emoji_font() -> str | None:
    """The reportlab name of the registered emoji font, or None without one."""
    path = emoji_file()
    return _register_emoji(path) if path is not None else None


@lru_cache(maxsize=2)
def _register_emoji(path: Path) -> str:
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.pdfbase.ttfonts import TTFont

    if not getattr(ttfonts.makeToUnicodeCMap, "utf16", False):
        ttfonts.makeToUnicodeCMap = _utf16_cmap(ttfonts.makeToUnicodeCMap)
    pdfmetrics.registerFont(TTFont(EMOJI_PDF_NAME, str(path)))
    return EMOJI_PDF_NAME


def _utf16_cmap(make: Callable[[str, list[int]], str]) -> Callable[[str, list[int]], str]:
    """reportlab's ToUnicode map, with characters beyond U+FFFF (emoji) written as UTF-16
    surrogate pairs as the PDF standard asks; reportlab 5.1 writes their bare code point,
    which PDF readers cannot map back, so a copied or searched emoji would be lost."""

    def make_cmap(fontname: str, subset: list[int]) -> str:
        text = make(fontname, subset)
        for code in {code for code in subset if code > 0xFFFF}:
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            text = text.replace(f"> <{code:04X}>", f"> <{utf16}>")
        return text

    make_cmap.utf16 = True  # type: ignore[attr-defined]  # the mark that reportlab is patched once
    return make_cmap


def pil_emoji_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    """A Pillow emoji font of ``size`` pixels, or None without one."""
    path = emoji_file()
    return _pil_font(str(path), size) if path is not None else None
