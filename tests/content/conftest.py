"""Fixtures for the content pack tests: small packs built in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.content import default_pack_dir

# An invented situation, used only to exercise the loader.
SITUATION = """\
number: {number}
title:
  nl: "Testsituatie {number}"
  en: "Test situation {number}"
gist:
  nl: Een korte regel voor de keuzelijst
  en: A short line for the pick list
description:
  nl: >-
    Een verzonnen situatie waarin een team de planning van een gezamenlijke
    campagne niet rond krijgt. Hoe ga je hier goed mee om?
  en: >-
    A made-up situation in which a team cannot settle the planning of a joint
    campaign. How do you deal with this well?
question:
  nl: Hoe ga je hier goed mee om?
  en: How do you deal with this well?
notes:
  handelingen:
    nl: Plan een kort overleg met alle partijen.
    en: Plan a short meeting with all parties.
  kennis:
    nl: Weet wie over het budget gaat.
    en: Know who controls the budget.
  identiteit:
    nl: Je bent degene die de draad vasthoudt.
    en: You are the one holding the thread.
  waarden:
    nl: Geduld en openheid.
    en: Patience and openness.
  vrijheid:
    nl: De opdrachtgever beslist uiteindelijk.
    en: The client decides in the end.
examples:
  - title:
      nl: Rustig blijven
      en: Staying calm
    who:
      nl: Een projectleider
      en: A project lead
    gist:
      nl: Ze nam de tijd voor iedereen en kwam zo tot een plan.
      en: She took time for everybody and so reached a plan.
"""


def situation_text(number: int) -> str:
    return SITUATION.format(number=number)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


@pytest.fixture
def make_pack(tmp_path: Path):
    """Build a full pack (the real base files plus invented situations 1 and 2)."""

    def make(name: str = "pack") -> Path:
        pack = tmp_path / name
        (pack / "situations").mkdir(parents=True)
        for file in ("pack.yaml", "perspectives.yaml", "process.yaml", "virtues.yaml"):
            shutil.copy(default_pack_dir() / file, pack / file)
        for number in (1, 2):
            (pack / "situations" / f"0{number}-test.yaml").write_text(
                situation_text(number), encoding="utf-8")
        return pack

    return make


@pytest.fixture
def pack_dir(make_pack) -> Path:
    return make_pack()


@pytest.fixture(name="situation_text")
def _situation_text():
    return situation_text


@pytest.fixture(name="line_of")
def _line_of():
    return line_of
