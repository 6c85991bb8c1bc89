"""The method's shape: plans that leave part of it out start only after 'bevestig'; closing
before the staart asks first. Plan errors speak the channel's language."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from flows.clock import ManualClock
from flows.engine.plan import parse_plan
from flows.engine.shape import concerns
from flows.store.db import Database
from flows.store.models import PendingConfirmation, Round
from tests.harness import MONDAY, QUICK_PLAN, Console


@pytest.mark.parametrize("plan, expected", [
    ("kop=1d,handelingen+kennis=1d,waarden+vrijheid=1d,identiteit=1d,staart=3d", []),
    ("kop=1m,handelingen=1m,kennis=1m,waarden=1m,vrijheid=1m,identiteit=1m,staart=1m", []),
    ("handelingen+kennis=1d,waarden+vrijheid=1d,identiteit=1d,staart=3d", ["There is no kop"]),
    ("kop=1d,handelingen+kennis=1d,waarden+vrijheid=1d,identiteit=1d", ["There is no staart"]),
    ("kop=1d,handelingen+kennis=1d,staart=1d", ["Perspectives missing"]),
    ("staart=1d,kop=1d", ["Perspectives missing"]),
    ("kop=1d,staart=1d,handelingen+kennis+waarden+vrijheid+identiteit=1d", ["The staart comes before"]),
    ("handelingen+kennis+waarden+vrijheid+identiteit=1d,kop=1d,staart=1d", ["The kop comes after the body"]),
    ("kop=99999d,handelingen+kennis+waarden+vrijheid+identiteit=1d,staart=1d", ["longer than 14 days"]),
    ("kop=15d,handelingen+kennis+waarden+vrijheid+identiteit=14d,staart=337h", ["longer than 14 days"] * 2),
    ("handelingen=1d", ["There is no kop", "Perspectives missing", "There is no staart"]),
])
def test_plan_concerns_table(plan: str, expected: list[str]) -> None:
    found = concerns(parse_plan(plan))
    assert len(found) == len(expected), found
    for concern, start in zip(found, expected, strict=True):
        assert start in concern.msgid


def test_a_plan_without_the_staart_starts_only_after_confirmation(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY))
    out = session.run("/as anna\n/goedwerk taal en\n/goedwerk start 4 plan=staart=1d,kop=1d")
    assert "This plan leaves out part of the method" in out
    missing = "Perspectives missing: Actions, Knowledge, Identity, Values and virtues and Freedom."
    assert missing in " ".join(out.split()), out
    assert "Round 1" not in out
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Round)) == 0
    out = session.run("/as bob\n/goedwerk confirm")
    assert "nothing waiting for your confirmation" in out  # only the one who asked can confirm
    out = session.run("/as anna\n/goedwerk confirm")
    assert "Round 1 — 4." in out
    with db.transaction() as s:
        assert s.scalar(select(Round.plan)) == "staart=1d,kop=1d"
        assert s.scalar(select(func.count()).select_from(PendingConfirmation)) == 0
    assert "nothing waiting" in session.run("/goedwerk confirm")


def test_dutch_plan_explanations_and_errors_are_fully_dutch(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY))
    out = " ".join(session.run("/goedwerk start 2 plan=kop=99999d,handelingen=1d").split())
    assert "Dit plan laat een deel van de methode weg" in out and "langer dan 14 dagen" in out
    assert "Kennis, Identiteit, Waarden en deugden en Vrijheid" in out and "/goedwerk bevestig" in out
    out = " ".join(session.run("/goedwerk start 2 plan=foo=1d").split())
    assert "onbekende stap 'foo'" in out and "De juiste vorm is stap=duur" in out
    assert "unknown" not in out and "right form" not in out
    out = " ".join(session.run("/goedwerk start 2 plan=").split())
    assert "Na plan= horen de stappen te staan" in out
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Round)) == 0
    out = session.run("/goedwerk bevestig")  # the plan with 99999d was replaced by nothing: still waiting
    assert "Ronde 1 — 2." in out


def test_the_confirm_button_starts_the_round(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY))
    out = session.run("/goedwerk taal en\n/goedwerk start 3 plan=kop=1h")
    number = out.split("] Start anyway")[0].rsplit("[", 1)[1]
    out = session.run(number)
    assert "Round 1 — 3." in out


def test_closing_before_the_staart_asks_first_and_names_the_skipped_staart(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)
    session.run("/as anna\n/goedwerk start 1\n/goedwerk bijdrage kop Een verhaal van vorige week over een lastig "
                "overleg met de gemeente.")
    out = " ".join(session.run("/goedwerk sluit").split())
    assert "De staart is nog niet begonnen" in out and "wordt de staart overgeslagen" in out
    with db.transaction() as s:
        assert s.scalar(select(Round.status)) == "active"
    out = session.run("/goedwerk bevestig")
    assert "De kop is voorbij" in out  # closing during the head still shows its stories
    assert "gesloten" in out and "closed" not in out
    with db.transaction() as s:
        assert s.scalar(select(Round.status)) == "closed"


def test_closing_during_the_staart_needs_no_confirmation(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 1\n/tick 4m")
    out = session.run("/goedwerk close")
    assert "skipped" not in out and "The round is closed" in out or "Nobody wrote anything" in out


def test_forgetting_a_person_drops_what_waits_for_their_confirmation(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY))
    session.run("/as anna\n/goedwerk start 4 plan=kop=1d,staart=1d")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PendingConfirmation)) == 1
    out = session.run("/goedwerk mijn-gegevens verwijder bevestig")
    assert "verwijderd" in out
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PendingConfirmation)) == 0
    assert "niets op jouw bevestiging" in session.run("/goedwerk bevestig")
