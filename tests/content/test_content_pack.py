"""The built-in content pack: complete, bilingual, and in our own words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.content import check_dir, default_pack_dir, load_pack
from flows.content.checks import MAX_VIRTUE_LENGTH, RICH_A4_KEYS
from flows.content.schema import LANGUAGES, PERSPECTIVE_KEYS

REPO = Path(__file__).resolve().parents[2]
OVERLAP_TOOL = REPO.parent / "shared" / "tools" / "seed_overlap.py"


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def test_default_pack_dir_is_the_repository_content_folder():
    assert default_pack_dir() == REPO / "content"


def test_builtin_pack_has_no_problems():
    assert check_dir(None) == []
    assert check_dir(REPO / "content") == []


def test_info_credits_the_booklet(pack):
    for language in LANGUAGES:
        assert "Beelden van goed werk in samenwerking" in pack.info.source.get(language)
        assert "2022" in pack.info.source.get(language)
        assert pack.info.licence_note.get(language)


def test_five_perspectives_in_booklet_order(pack):
    assert list(pack.perspectives) == list(PERSPECTIVE_KEYS)
    for number, key in enumerate(PERSPECTIVE_KEYS, 1):
        perspective = pack.perspective(key)
        assert perspective.number == number
        for language in LANGUAGES:
            assert len(perspective.questions.get(language)) == 4
    assert pack.perspective("waarden").name.nl == "Waarden en deugden"
    assert pack.suggested_order == (("handelingen", "kennis"), ("waarden", "vrijheid"), ("identiteit",))


def test_process_is_complete(pack):
    process = pack.process
    for language in LANGUAGES:
        assert len(process.choosing.get(language)) >= 3
        assert process.head_questions.get(language)
        assert len(process.tail_questions.get(language)) >= 4
        assert len(process.facilitator_tips.get(language)) >= 5
        assert process.body_intro.get(language) and process.tail_intro.get(language)
    assert [field.key for field in process.rich_a4] == list(RICH_A4_KEYS)


def test_ten_booklet_situations_numbered_one_to_ten(pack):
    booklet = sorted(n for n, s in pack.situations.items() if s.source == "booklet")
    assert booklet == list(range(1, 11))


@pytest.mark.parametrize("number", range(1, 11))
def test_situation_is_complete_in_both_languages(pack, number):
    situation = pack.situation(number)
    assert situation is not None
    assert set(situation.notes) == set(PERSPECTIVE_KEYS)
    for language in LANGUAGES:
        for text in (situation.title, situation.gist, situation.description, situation.question):
            assert text.get(language).strip()
        for key in PERSPECTIVE_KEYS:
            assert situation.notes[key].get(language).strip()
    assert situation.examples
    for example in situation.examples:
        for language in LANGUAGES:
            assert example.title.get(language) and example.who.get(language)
            assert example.gist.get(language)


def test_virtues_unique_short_and_complete(pack):
    assert len(pack.virtues) >= 85
    for language in LANGUAGES:
        names = pack.virtue_names(language)
        assert len({name.casefold() for name in names}) == len(names), language
        assert all(0 < len(name) <= MAX_VIRTUE_LENGTH for name in names)
    dutch = pack.virtue_names("nl")
    assert dutch[0] == "Aandacht" and dutch[-1] == "Trouw"
    assert {"Moed", "Rekening houden met anderen", "(Zelf)vertrouwen"} <= set(dutch)
    english = pack.virtue_names("en")
    assert {"Order", "Orderliness"} <= set(english)


@pytest.mark.skipif(not OVERLAP_TOOL.exists(), reason="../shared/tools/seed_overlap.py not present")
def test_no_passage_copied_from_the_booklet():
    result = subprocess.run([sys.executable, str(OVERLAP_TOOL), "."], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().startswith("0 passage"), result.stdout
