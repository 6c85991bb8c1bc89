"""Plural forms come from the catalogue's Plural-Forms rule; lists are joined as each language does."""

from __future__ import annotations

from flows.clock import ManualClock
from flows.i18n import join, tn
from flows.store.db import Database
from tests.harness import MONDAY, Console

DAY, DAYS = "{count} day (default)", "{count} days (default)"


def test_plural_forms_follow_the_count_in_both_languages() -> None:
    assert tn("nl", DAY, DAYS, 1) == "1 dag (standaard)"
    assert tn("nl", DAY, DAYS, 2) == "2 dagen (standaard)"
    assert tn("nl", DAY, DAYS, 0) == "0 dagen (standaard)"
    assert tn("en", DAY, DAYS, 1) == "1 day (default)"
    assert tn("en", DAY, DAYS, 5) == "5 days (default)"


def test_lists_are_joined_with_and() -> None:
    assert join("nl", ["Kennis", "Vrijheid", "Identiteit"]) == "Kennis, Vrijheid en Identiteit"
    assert join("en", ["Knowledge", "Freedom"]) == "Knowledge and Freedom"
    assert join("nl", ["Kennis"]) == "Kennis" and join("nl", []) == ""


def test_one_day_of_retention_is_one_day_not_one_days(db: Database) -> None:
    session = Console(db, ManualClock(MONDAY))
    out = " ".join(session.run("/goedwerk bewaartermijn 1").split())
    assert "Een bewaartermijn van 1 dag is korter" in out and "Ja, verkort hem tot 1 dag" in out
    out = " ".join(session.run("/goedwerk bewaartermijn 1 bevestig").split())
    assert "nu 1 dag na het sluiten" in out and "1 dagen" not in out
    out = session.run("/goedwerk bewaartermijn\n/goedwerk taal en\n/goedwerk retention 2")
    out = " ".join(out.split())
    assert "worden 1 dag na het sluiten" in out and "now deleted 2 days after" in out
