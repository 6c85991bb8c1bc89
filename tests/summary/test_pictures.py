"""The pictures: our own drawings, emoji and uploaded files."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from flows.summary.pictures import BUILTIN_PICTURES, MAX_FILE_BYTES, draw_emoji, draw_picture, load_file, picture_image


def test_there_are_five_or_six_builtin_pictures():
    assert 5 <= len(BUILTIN_PICTURES) <= 6


@pytest.mark.parametrize("name", BUILTIN_PICTURES)
def test_every_builtin_picture_draws(name):
    image = draw_picture(name, 160)
    assert image.size == (160, 160) and image.mode == "RGBA"
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 16)) > 20
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((80, 80))[3] == 255  # rounded corners


def test_a_tiny_picture_draws_too():
    assert draw_picture("puzzle", 8).size == (8, 8)


def test_an_unknown_builtin_picture_is_a_value_error():
    with pytest.raises(ValueError, match="bridge"):
        draw_picture("unicorn", 100)


@pytest.mark.parametrize("emoji", ["☀", "🤝", "👍🏽", "❤️", "", "🏳️‍🌈"])
def test_emoji_never_crash(emoji):
    image = picture_image(f"emoji:{emoji}", 120)
    assert image.size == (120, 120)


def test_an_emoji_the_font_lacks_becomes_a_neutral_circle_with_its_code_point():
    known, unknown = draw_emoji("☀", 120), draw_emoji("🤝", 120)
    assert known.getpixel((60, 60)) != unknown.getpixel((60, 60)) or known.tobytes() != unknown.tobytes()


def test_no_picture_is_none():
    assert picture_image(None, 100) is None and picture_image("", 100) is None


def test_an_unknown_kind_is_a_value_error():
    with pytest.raises(ValueError):
        picture_image("http://example.org/x.png", 100)


def test_a_file_picture_loads_and_fits(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (400, 200), (10, 120, 200)).save(path)
    image = picture_image(f"file:{path}", 100)
    assert image.size == (100, 50) and image.mode == "RGBA"


@pytest.mark.parametrize("content", [b"", b"garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_an_undecodable_file_is_a_value_error(tmp_path, content):
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="broken.png"):
        load_file(path, 100)


def test_a_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError):
        picture_image(f"file:{tmp_path / 'gone.png'}", 100)


def test_a_file_over_10_mb_is_refused(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    assert os.path.getsize(path) > MAX_FILE_BYTES
    with pytest.raises(ValueError, match="10 MB"):
        load_file(path, 100)


def test_other_image_formats_are_refused(tmp_path):
    path = tmp_path / "anim.gif"
    Image.new("RGB", (10, 10)).save(path)
    with pytest.raises(ValueError, match="PNG or JPEG"):
        load_file(path, 100)


def test_an_emoji_picture_is_drawn_from_the_emoji_font_not_as_its_code_point():
    from flows.summary import fonts
    from flows.summary.pictures import NAVY, draw_emoji, emoji_drawable

    assert fonts.emoji_file() is not None, "the emoji font ships with the dependencies (manimgx-fonts)"
    assert emoji_drawable("\U0001F9ED") and emoji_drawable("🤝")
    compass = draw_emoji("\U0001F9ED", 200)
    colours = {colour for _, colour in compass.getcolors(200 * 200)}
    assert NAVY + (255,) in colours  # the glyph itself, in the picture's ink
    assert not emoji_drawable("\U000E0001")  # a tag character no font draws
