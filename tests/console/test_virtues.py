"""Virtues: a name that is not on the list never costs the text; the pack's own words count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flows.clock import ManualClock
from flows.engine.virtues import read
from flows.store.db import Database
from flows.store.models import Contribution, ContributionVirtue
from tests.console.transcript import private_to
from tests.harness import MONDAY, QUICK_PLAN, Console, content


@pytest.mark.parametrize("name, language, virtue", [
    ("Tolerantie", "nl", "Verdraagzaamheid"),
    ("vrijmoedigheid", "nl", "Openheid"),
    ("Zelfvertrouwen", "nl", "(Zelf)vertrouwen"),
    ("Vrijgevigheid", "nl", "Vrijgevigheid/royaliteit"),
    ("royaliteit", "nl", "Vrijgevigheid/royaliteit"),
    ("Empathie", "nl", "Meelevendheid"),
    ("Nuchterheid", "nl", "Verstandigheid"),
    ("Saamhorigheid", "nl", "Eenheid"),
    ("Daadkracht", "nl", "Vastberadenheid"),
    ("Betrokkenheid", "nl", "Toewijding"),
    ("Authenticiteit", "nl", "Echtheid"),
    ("Nieuwsgierigheid", "nl", "Ontvankelijkheid"),
    ("Volgzaamheid", "nl", "Dienstbaarheid"),
    ("Ontspannenheid", "nl", "Ontspannen"),
    ("Outspokenness", "en", "Openheid"),
    ("self-confidence", "en", "(Zelf)vertrouwen"),
    ("Fairness", "en", "Rechtvaardigheid"),
    ("moed", "nl", "Moed"),
    ("Courage", "en", "Moed"),
])
def test_the_virtues_the_notes_name_are_accepted_or_mapped(name: str, language: str, virtue: str) -> None:
    reading = read(content(), (name,), language)
    assert reading.words == (virtue,) and not reading.unknown


@pytest.mark.parametrize("name, language, closest", [
    ("Geduldigheid", "nl", "Geduld"),
    ("Eerlijkhied", "nl", "Eerlijkheid"),
    ("Respectvol", "nl", "Respect"),
    ("Honsty", "en", "Honesty"),
    ("Patient", "en", "Patience"),
])
def test_unknown_names_get_the_closest_virtues_in_the_readers_language(name: str, language: str, closest: str) -> None:
    reading = read(content(), (name,), language)
    assert reading.words == () and reading.unknown[0][0] == name
    assert closest in reading.unknown[0][1] and len(reading.unknown[0][1]) <= 3


def test_every_virtue_the_situations_notes_name_is_recognised() -> None:
    pack = content()
    words = ["Loyaliteit", "Geduld", "Begrip", "Doorzettingsvermogen", "Moed", "Openheid", "Eerlijkheid",
             "Idealisme", "Empathie", "Nuchterheid", "Saamhorigheid", "Assertiviteit", "Respect",
             "Zelfvertrouwen", "Voorzichtigheid", "Ontspannenheid", "Vrijmoedigheid", "Rechtvaardigheid",
             "Integriteit", "Tolerantie", "Flexibiliteit", "Dienstbaarheid", "Verantwoordelijkheid",
             "Daadkracht", "Echtheid", "Oordeelsvermogen", "Zorgzaamheid", "Ontvankelijkheid",
             "Meelevendheid", "Betrokkenheid", "Authenticiteit", "Tact", "Nieuwsgierigheid", "Volgzaamheid",
             "Waarachtigheid"]
    for word in words:
        assert word.lower() in " ".join(s.notes["waarden"].nl.lower() for s in pack.situations.values()), word
    assert not read(pack, tuple(words), "nl").unknown


def test_an_unknown_virtue_keeps_the_text_and_names_the_closest(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)
    session.run("/as anna\n/goedwerk start 5\n/tick 2m")
    out = session.run("/goedwerk bijdrage waarden [Vrijmoedigheid, Tolerantie, Geduldigheid] Zeggen wat je ziet, "
                      "en de ander laten uitpraten.")
    private = private_to(out, "anna")
    assert "Dank je wel — opgeslagen als nummer 1" in private
    assert "'Tolerantie' telt als de deugd 'Verdraagzaamheid' van de lijst." in private
    assert "'Vrijmoedigheid' telt als de deugd 'Openheid'" in private
    assert "'Geduldigheid' staat niet op de lijst met deugden" in private and "je tekst is bewaard" in private
    assert "Het dichtst in de buurt op de lijst: Geduld" in private
    with db.transaction() as s:
        row = s.scalars(select(Contribution)).one()
        assert row.text == "Zeggen wat je ziet, en de ander laten uitpraten."
        assert sorted(s.scalars(select(ContributionVirtue.virtue))) == ["Openheid", "Verdraagzaamheid"]
    out = session.run("/goedwerk bewerk 1 [Geduld, Tolerantie] Zeggen wat je ziet.")
    assert "Bijdrage 1 is gewijzigd." in out
    with db.transaction() as s:
        assert sorted(s.scalars(select(ContributionVirtue.virtue))) == ["Geduld", "Verdraagzaamheid"]


def test_english_suggestions_and_an_unknown_virtue_without_text(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 4\n/tick 2m")
    out = session.run("/goedwerk contribute values [Honsty] Say what you see.")
    private = private_to(out, "anna")
    assert "'Honsty' is not on the list of virtues" in private and "Closest on the list: Honesty and Modesty" in private
    assert "Thank you — stored as number 1" in private
    out = " ".join(session.run("/goedwerk contribute values [Bravery]").split())
    assert "'Bravery' is not on the list of virtues, and there was no text, so nothing was stored." in out
