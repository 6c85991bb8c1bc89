"""Checks a pack needs beyond the schema, run on the raw YAML data.

Each function takes a parsed ``Source`` and returns Problems pointing at the
line of the offending key, so that a file with several mistakes reports them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .problems import Problem
from .schema import PERSPECTIVE_KEYS
from .yamlsource import Source

RICH_A4_KEYS = ("title", "experience", "narrative", "picture")
MAX_VIRTUE_LENGTH = 75  # the longest text a chat menu option can show


def _expected() -> str:
    return ", ".join(PERSPECTIVE_KEYS)


def situation_notes(source: Source) -> list[Problem]:
    """Notes must name each of the five perspectives, and no other."""
    notes = source.data.get("notes")
    if not isinstance(notes, dict):
        return []
    problems = [
        source.problem(("notes", str(key)),
                       f"unknown perspective '{key}' (expected one of {_expected()})",
                       shown=("notes",))
        for key in notes if str(key) not in PERSPECTIVE_KEYS
    ]
    problems += [
        source.problem(("notes",), f"missing perspective '{key}'")
        for key in PERSPECTIVE_KEYS if key not in notes
    ]
    return problems


def _items(source: Source, field: str) -> Iterable[tuple[int, dict[str, Any]]]:
    items = source.data.get(field)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def perspectives(source: Source) -> list[Problem]:
    """Exactly the five known perspectives, once each, with their own numbers."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in _items(source, "perspectives"):
        key = item.get("key")
        if not isinstance(key, str):
            continue
        loc = ("perspectives", index, "key")
        if key not in PERSPECTIVE_KEYS:
            problems.append(source.problem(
                loc, f"unknown perspective '{key}' (expected one of {_expected()})"))
        elif key in seen:
            problems.append(source.problem(loc, f"perspective '{key}' appears more than once"))
        else:
            number = PERSPECTIVE_KEYS.index(key) + 1
            if isinstance(item.get("number"), int) and item["number"] != number:
                problems.append(source.problem(("perspectives", index, "number"),
                                               f"perspective '{key}' must have number {number}"))
        seen.add(key)
    if isinstance(source.data.get("perspectives"), list):
        problems += [source.problem(("perspectives",), f"missing perspective '{key}'")
                     for key in PERSPECTIVE_KEYS if key not in seen]
    return problems + _suggested_order(source)


def _suggested_order(source: Source) -> list[Problem]:
    groups = source.data.get("suggested_order")
    if not isinstance(groups, list):
        return []
    problems: list[Problem] = []
    seen: set[str] = set()
    for g, group in enumerate(groups):
        for k, key in enumerate(group if isinstance(group, list) else []):
            loc = ("suggested_order", g, k)
            if not isinstance(key, str):
                continue
            if key not in PERSPECTIVE_KEYS:
                problems.append(source.problem(
                    loc, f"unknown perspective '{key}' (expected one of {_expected()})"))
            elif key in seen:
                problems.append(source.problem(loc, f"perspective '{key}' appears more than once"))
            seen.add(key)
    problems += [source.problem(("suggested_order",), f"leaves out perspective '{key}'")
                 for key in PERSPECTIVE_KEYS if key not in seen]
    return problems


def process(source: Source) -> list[Problem]:
    """The rich A4 has the four known fields, each once."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in _items(source, "rich_a4"):
        key = item.get("key")
        if not isinstance(key, str):
            continue
        loc = ("rich_a4", index, "key")
        if key not in RICH_A4_KEYS:
            problems.append(source.problem(
                loc, f"unknown field '{key}' (expected one of {', '.join(RICH_A4_KEYS)})"))
        elif key in seen:
            problems.append(source.problem(loc, f"field '{key}' appears more than once"))
        seen.add(key)
    if isinstance(source.data.get("rich_a4"), list):
        problems += [source.problem(("rich_a4",), f"missing field '{key}'")
                     for key in RICH_A4_KEYS if key not in seen]
    return problems


def virtues(source: Source) -> list[Problem]:
    """Virtue words (and their other words) are unique per language and short enough for a menu."""
    problems: list[Problem] = []
    seen: dict[str, set[str]] = {"nl": set(), "en": set()}
    for index, item in _items(source, "virtues"):
        for language, words in seen.items():
            word = item.get(language)
            if not isinstance(word, str):
                continue
            loc = ("virtues", index, language)
            word = word.strip()
            if len(word) > MAX_VIRTUE_LENGTH:
                problems.append(source.problem(
                    loc, f"'{word[:30]}...' is longer than {MAX_VIRTUE_LENGTH} characters"))
            if word.casefold() in words:
                problems.append(source.problem(loc, f"'{word}' appears more than once"))
            words.add(word.casefold())
    for index, item in _items(source, "virtues"):  # other words may not be another virtue's word
        also = item.get("also")
        for language, words in seen.items():
            others = also.get(language) if isinstance(also, dict) else None
            for other in others if isinstance(others, list) else []:
                if isinstance(other, str) and other.strip().casefold() in words:
                    problems.append(source.problem(("virtues", index, "also", language),
                                                   f"'{other.strip()}' is already a virtue word"))
                elif isinstance(other, str):
                    words.add(other.strip().casefold())
    return problems
