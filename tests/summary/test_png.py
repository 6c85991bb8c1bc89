"""The PNG preview card: the requested width, real content, texts shortened to fit."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

import pytest
from PIL import Image

from flows.summary import fonts
from flows.summary.png import ELLIPSIS, MAX_ASPECT, render_png, wrap


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _distinct_colours(image: Image.Image) -> int:
    return len(image.convert("RGB").getcolors(maxcolors=1 << 20))


def test_typical_card_has_the_width_and_real_content(typical_card):
    image = _open(render_png(typical_card))
    assert image.format == "PNG"
    assert image.width == 1200
    assert 600 <= image.height <= 1200 * MAX_ASPECT
    assert _distinct_colours(image) > 200


@pytest.mark.parametrize("width", [240, 480, 800, 1600])
def test_the_width_is_respected(typical_card, width):
    image = _open(render_png(typical_card, width=width))
    assert image.width == width
    assert image.height <= width * MAX_ASPECT


@pytest.mark.parametrize("width", [240, 400, 1200])
def test_long_text_is_shortened_within_the_maximum_height(long_card, width, caplog):
    card = replace(long_card, title=" ".join(["Een heel lange titel"] * 12), situation_title="lang " * 80,
                   virtues=("x" * 300, "Moed") * 6, experience_author="Een zeer lange naam " * 5)
    with caplog.at_level(logging.WARNING, logger="flows.summary.png"):
        image = _open(render_png(card, width=width))
    assert not caplog.records  # shortened with "…", not cut off
    assert image.width == width and image.height <= width * MAX_ASPECT
    assert _distinct_colours(image) > 50


def test_non_latin_text_and_missing_pictures_do_not_crash(scripts_card):
    image = _open(render_png(scripts_card))
    assert image.width == 1200
    image = _open(render_png(replace(scripts_card, picture=None, virtues=(), experience="")))
    assert image.width == 1200


def test_without_dejavu_the_card_still_renders(scripts_card, monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.FONT_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(fonts, "SYSTEM_DIRS", ())
    image = _open(render_png(scripts_card, width=600))
    assert image.width == 600


def test_a_broken_file_picture_is_a_value_error(typical_card, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ValueError):
        render_png(replace(typical_card, picture=f"file:{broken}"))


def test_wrap_keeps_lines_within_the_width_and_marks_shortening():
    font = fonts.pil_font(20)
    text = "goed werk " * 200
    lines = wrap(text, font, lambda i: 300, max_lines=4)
    assert len(lines) == 4
    assert all(font.getlength(line) <= 300 for line in lines)
    assert lines[-1].endswith(ELLIPSIS)
    assert wrap("kort", font, lambda i: 300, max_lines=4) == ["kort"]


def test_wrap_breaks_text_without_spaces():
    font = fonts.pil_font(20)
    lines = wrap("信任与勇气" * 40, font, lambda i: 200, max_lines=50)
    assert len(lines) > 1 and all(font.getlength(line) <= 200 for line in lines)
    assert "".join(lines) == "信任与勇气" * 40


def test_a_too_narrow_card_is_refused(typical_card):
    with pytest.raises(ValueError):
        render_png(typical_card, width=100)


NASTY = "a\x00b\x1b\r\nc\td <b>&amp; \u202eevil\u202c 😀👍🏽 𝕏 \ufeff\u200b e\u0301 中文 عربي"


def test_control_characters_and_line_breaks_anywhere_do_not_crash(typical_card):
    card = replace(typical_card, title=NASTY, experience=NASTY, experience_author=NASTY, narrative=NASTY,
                   perspectives=((NASTY, NASTY),), virtues=(NASTY, "\n", ""), situation_title=NASTY,
                   participants=(NASTY,), picture=f"emoji:{NASTY}")
    assert _open(render_png(card, width=600)).width == 600
