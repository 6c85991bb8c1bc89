"""The PDF: one A4 page for typical content, more pages with a marker for long content."""

from __future__ import annotations

import io
import logging
import shutil
from dataclasses import replace

import pytest
from pypdf import PdfReader

from flows.summary import fonts
from flows.summary.card import labels
from flows.summary.pdf import render_pdf

A4 = (595, 842)


def _read(card) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(render_pdf(card)))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _words(text: str) -> str:
    """Extracted text with line breaks and repeated spaces folded, for phrase checks."""
    return " ".join(text.split())


@pytest.fixture
def no_dejavu(monkeypatch, tmp_path):
    """No DejaVu anywhere: the renderers fall back to the built-in fonts."""
    monkeypatch.setenv(fonts.FONT_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(fonts, "SYSTEM_DIRS", ())


def test_typical_card_is_one_a4_page_with_all_its_text(typical_card):
    reader, text = _read(typical_card)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1
    flat = _words(text)
    assert typical_card.title in flat
    for word in ("dinsdagochtend", "woningcorporatie", "procedures", "slotwoordnarratief", "wegmoffelen"):
        assert word in flat
    for label, _ in typical_card.perspectives:
        assert label in flat
    assert "Fatima el Amrani" in flat and "Bescheidenheid" in flat
    assert "Als regels elkaar tegenspreken" in flat and "14 maart 2025" in flat
    assert "Rijksoverheid, 2022" in flat
    assert labels(typical_card).continued not in flat


def test_typical_content_matches_the_sizes_of_the_brief(typical_card):
    assert 30 <= len(typical_card.title) <= 50
    assert 500 <= len(typical_card.experience) <= 700
    assert 1000 <= len(typical_card.narrative) <= 1400
    assert len(typical_card.perspectives) == 5
    assert all(250 <= len(text) <= 350 for _, text in typical_card.perspectives)


def test_metadata_names_the_title_author_and_language(typical_card):
    reader, _ = _read(typical_card)
    assert reader.metadata.title == typical_card.title
    assert reader.metadata.author == "goedwerk"
    assert reader.trailer["/Root"]["/Lang"] == "nl"


def test_long_content_flows_onto_more_pages_and_keeps_all_text(long_card):
    reader, text = _read(long_card)
    continued = labels(long_card).continued
    assert len(reader.pages) >= 2
    for page in reader.pages[:-1]:
        assert f"{continued} →" in page.extract_text()  # at the bottom of every page but the last
    for page in reader.pages[1:]:
        assert f"{long_card.title} ({continued})" in page.extract_text()  # at the top of later pages
    assert f"{continued} →" not in reader.pages[-1].extract_text()
    for member in range(1, 13):
        assert f"einde{member}" in text, f"the end of member {member}'s text is missing"
    assert "einde0" in text and "einde99" in text
    assert text.count("Deelnemer 12") == len(reader.pages)  # the footer is on every page


def test_empty_perspectives_virtues_and_picture_are_fine(typical_card):
    card = replace(typical_card, perspectives=(), virtues=(), picture=None, participants=())
    reader, text = _read(card)
    assert len(reader.pages) == 1 and typical_card.title in _words(text)


def test_anonymous_experience_shows_no_name_but_says_anonymous(typical_card):
    card = replace(typical_card, experience_author=None, participants=("Joost de Vries",))
    _, text = _read(card)
    assert "Fatima" not in text
    assert "— anoniem" in _words(text)


def test_named_author_is_shown(typical_card):
    card = replace(typical_card, participants=())
    _, text = _read(card)
    assert "Fatima el Amrani" in text


def test_markup_characters_in_user_text_are_printed_as_written(typical_card):
    card = replace(typical_card, title="Kosten & baten <samen>", narrative="A < B & C > D")
    _, text = _read(card)
    flat = _words(text)
    assert "Kosten & baten <samen>" in flat and "A < B & C > D" in flat


def test_non_latin_scripts_render(scripts_card):
    reader, text = _read(scripts_card)
    assert len(reader.pages) == 1
    if fonts.font_files() is None:
        pytest.skip("DejaVu Sans is not installed: Greek and Cyrillic fall back to '?'")
    flat = _words(text)
    for word in ("δουλειά", "Хорошая", "ανοιχτά", "открыто", "Εμπιστοσύνη", "смелость", "Ольга"):
        assert word in flat


def test_without_dejavu_it_falls_back_to_helvetica_with_question_marks(scripts_card, no_dejavu, caplog):
    assert fonts.font_files() is None
    with caplog.at_level(logging.WARNING, logger="flows.summary.fonts"):
        reader, text = _read(scripts_card)
    assert len(reader.pages) == 1
    assert "?" in text and "Situation" in text
    assert any("cannot draw" in record.getMessage() for record in caplog.records)


def test_font_dir_from_the_environment_is_used_first(monkeypatch, tmp_path, typical_card):
    found = fonts.font_files()
    if found is None:
        pytest.skip("DejaVu Sans is not installed")
    shutil.copy(found.regular, tmp_path / fonts.FILES["regular"])
    monkeypatch.setenv(fonts.FONT_DIR_ENV, str(tmp_path))
    chosen = fonts.font_files()
    assert chosen.regular == tmp_path / fonts.FILES["regular"]
    assert chosen.bold == chosen.regular  # missing styles fall back to the regular face


def test_a_broken_file_picture_is_a_value_error(typical_card, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture at all")
    with pytest.raises(ValueError):
        render_pdf(replace(typical_card, picture=f"file:{broken}"))


def test_every_kind_of_picture_renders(typical_card, tmp_path):
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (80, 50), (200, 120, 40)).save(photo)
    for picture in ("builtin:compass", "emoji:☀", "emoji:🤝", f"file:{photo}"):
        reader, _ = _read(replace(typical_card, picture=picture))
        assert len(reader.pages) == 1


def test_control_characters_and_line_breaks_anywhere_do_not_crash(typical_card):
    nasty = "a\x00b\x1b\r\nc\td <b>&amp; \u202eevil\u202c 😀👍🏽 𝕏 \ufeff\u200b e\u0301 中文 عربي"
    card = replace(typical_card, title=nasty, experience=nasty, experience_author=nasty, narrative=nasty,
                   perspectives=((nasty, nasty),), virtues=(nasty, "\n"), situation_title=nasty,
                   participants=(nasty,), picture=f"emoji:{nasty}")
    reader, text = _read(card)
    assert len(reader.pages) == 1 and "<b>&amp;" in text


def test_a_very_long_list_of_names_moves_from_the_footer_to_the_text(typical_card):
    names = tuple(f"Deelnemer met een heel lange naam nummer {number}" for number in range(60))
    reader, text = _read(replace(typical_card, participants=names))
    flat = _words(text)
    assert all(name in flat for name in names)
    assert flat.count(names[-1]) == 1  # once, in the text, not on every page
