"""Recognising the virtues people name, and suggesting the closest ones when a word is not on the list.

A virtue is recognised by its Dutch or English word in any case, by each half of a word
such as "Vrijgevigheid/royaliteit", with or without the part in brackets of
"(Zelf)vertrouwen", and by the pack's other words for it (``also``: tolerantie counts
as Verdraagzaamheid). Virtues are stored by their Dutch word.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from flows.content.schema import ContentPack, Virtue

SUGGESTIONS = 3
_BRACKETED = re.compile(r"\(([^)]*)\)")


@dataclass(frozen=True)
class Reading:
    """What the names someone gave turned out to be."""

    words: tuple[str, ...]
    """The recognised virtues (Dutch words, each once, in the order given)."""
    mapped: tuple[tuple[str, str], ...]
    """(name as typed, virtue) for names recognised through another word for the virtue."""
    unknown: tuple[tuple[str, tuple[str, ...]], ...]
    """(name as typed, closest virtues in the reader's language) for names not recognised."""


def _forms(word: str) -> set[str]:
    """The ways a list word can be typed: "(Zelf)vertrouwen" -> zelfvertrouwen, vertrouwen."""
    forms = set()
    for part in word.split("/"):
        forms.add(_BRACKETED.sub(r"\1", part).strip().casefold())
        forms.add(" ".join(_BRACKETED.sub("", part).split()).casefold())
    return {form for form in forms if form}


@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]      # a list word (any form, either language) -> Dutch word
    other: dict[str, str]      # another word for a virtue -> Dutch word
    shown: dict[str, dict[str, str]]  # language -> key -> the virtue as shown in that language


def _index(content: ContentPack) -> _Index:
    return _index_of(content.virtues)


@lru_cache(maxsize=8)
def _index_of(virtues: tuple[Virtue, ...]) -> _Index:
    exact: dict[str, str] = {}
    other: dict[str, str] = {}
    shown: dict[str, dict[str, str]] = {"nl": {}, "en": {}}
    for virtue in virtues:
        for language in ("nl", "en"):
            for form in _forms(virtue.get(language)):
                exact.setdefault(form, virtue.nl)
                shown[language].setdefault(form, virtue.get(language))
            for word in getattr(virtue.also, language):
                other.setdefault(word.casefold(), virtue.nl)
                shown[language].setdefault(word.casefold(), virtue.get(language))
    return _Index(exact, other, shown)


def read(content: ContentPack, names: tuple[str, ...], language: str) -> Reading:
    """Recognise ``names``; suggestions for the unknown ones are in ``language``."""
    index = _index(content)
    words: list[str] = []
    mapped: list[tuple[str, str]] = []
    unknown: list[tuple[str, tuple[str, ...]]] = []
    for name in names:
        key = " ".join(name.split()).casefold()
        word = index.exact.get(key)
        if word is None and key in index.other:
            word = index.other[key]
            mapped.append((name.strip()[:75], word))
        if word is None:
            unknown.append((name.strip()[:75], suggest(content, key, language)))
        elif word not in words:
            words.append(word)
    return Reading(tuple(words), tuple(mapped), tuple(unknown))


def suggest(content: ContentPack, key: str, language: str) -> tuple[str, ...]:
    """The virtues whose words (in ``language``) look most like ``key``, as shown in ``language``."""
    shown = _index(content).shown["en" if language == "en" else "nl"]
    stem = key[:max(4, len(key) - 5)]  # "geduldigheid" -> "geduld": the same word with another ending
    alike = [form for form in shown
             if len(key) >= 4 and (form.startswith(stem) or key.startswith(form[:max(4, len(form) - 2)]))]
    close = difflib.get_close_matches(key, list(shown), n=SUGGESTIONS * 2, cutoff=0.6)
    return tuple(dict.fromkeys(shown[match] for match in alike + close))[:SUGGESTIONS]


def display(content: ContentPack, word: str, language: str) -> str:
    """A stored (Dutch) virtue word as shown in ``language``."""
    for virtue in content.virtues:
        if virtue.nl == word:
            return virtue.get(language)
    return word
