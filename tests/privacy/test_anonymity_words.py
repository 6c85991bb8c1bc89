"""Anonymity is recognised however a person writes it; a near-miss is asked about first."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flows.clock import ManualClock
from flows.engine import anonymity
from flows.events import Actor, Command, Contribute
from flows.store.db import Database
from flows.store.models import Contribution
from tests.console.test_dialogues import console
from tests.harness import MONDAY, QUICK_PLAN, make_engine

START = "/members anna bob\n/as anna\n/goedwerk taal en\n/goedwerk start 2\n"


@pytest.mark.parametrize("written", ["anoniem", "anoniem:", "Anoniem,", "anonymous", "[anoniem]", "ANONIEM -",
                                     "(anonymous)", "anon"])
def test_every_way_of_asking_for_anonymity_is_recognised(written: str) -> None:
    assert anonymity.read(f"{written} dit is een test") == anonymity.Reading(True, "dit is een test")


@pytest.mark.parametrize("text", ["Anton zei het al", "Anders dan gedacht", "Annotaties hielpen", "Een anonieme tip"])
def test_ordinary_first_words_are_left_alone(text: str) -> None:
    assert anonymity.read(text) == anonymity.Reading(False, text)


def _revealed(out: str) -> str:
    """What the channel sees of the head's stories: the replies revealed in the kop thread when the head ends."""
    return out.split("↳ prompt:1:kop", 1)[1].split("↻ prompt:1:kop", 1)[0]


def test_anoniem_with_a_colon_is_posted_without_a_name(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(START)
    session.run("/as anna\n/goedwerk bijdrage kop anoniem: dit is een test")
    session.run("/as bob\n/goedwerk bijdrage kop [anoniem] nog een test")
    posted = _revealed(session.run("/as anna\n/goedwerk volgende"))  # the head ends: its stories are shown
    assert "#1 anonymous:" in posted, posted
    assert "dit is een test" in posted, posted
    assert "#2 anonymous:" in posted, posted
    assert "nog een test" in posted, posted
    for leaked in ("anna", "bob", "anoniem:", "[anoniem]"):
        assert leaked not in posted, posted
    with db.transaction() as s:
        rows = s.scalars(select(Contribution).order_by(Contribution.id)).all()
        assert [(row.text, row.anonymous) for row in rows] == [("dit is een test", True), ("nog een test", True)]


def test_a_near_miss_is_asked_about_before_anything_is_posted(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(START)
    out = session.run("/as anna\n/goedwerk bijdrage kop anonym: mijn verhaal")
    assert "Did you mean to contribute anonymously? Nothing has been posted yet." in " ".join(out.split())
    assert "#1" not in out
    with db.transaction() as s:
        assert s.scalars(select(Contribution)).first() is None
    out = session.run("/goedwerk bijdrage kop named anonym: mijn verhaal")  # the person says: with my name
    with db.transaction() as s:
        row = s.scalars(select(Contribution)).one()
        assert (row.text, row.anonymous) == ("anonym: mijn verhaal", False)


def test_a_form_whose_text_asks_for_anonymity_is_anonymous(db: Database) -> None:
    engine = make_engine(db, ManualClock(MONDAY), plan=QUICK_PLAN)
    anna = Actor("console", "local", "team", "anna", user_name="anna")
    engine.handle(Command(anna, "start 2"))
    engine.handle(Contribute(anna, "kop", "Anoniem, this came from the form.", anonymous=False))
    engine.handle(Contribute(anna, "kop", "Anonymity was not the point here.", anonymous=False))
    with db.transaction() as s:
        rows = s.scalars(select(Contribution).order_by(Contribution.id)).all()
        assert [(row.text, row.anonymous) for row in rows] == [("this came from the form.", True),
                                                              ("Anonymity was not the point here.", False)]
