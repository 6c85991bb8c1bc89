"""A deleted contribution's text can be written again."""

from __future__ import annotations

from sqlalchemy import select

from flows.store.db import Database
from flows.store.models import Contribution
from tests.console.test_dialogues import console
from tests.harness import QUICK_PLAN


def test_the_same_text_can_be_posted_again_after_deleting_it(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 2\n/goedwerk bijdrage kop The text I want back.")
    session.run("/goedwerk verwijder 1")
    out = session.run("/goedwerk bijdrage kop The text I want back.")
    assert "already stored" not in out
    assert "stored as number 2" in out and "#2" in out and "The text I want back." in out
    with db.transaction() as s:
        rows = s.scalars(select(Contribution).order_by(Contribution.id)).all()
        assert [(row.id, row.text, row.deleted_at is None) for row in rows] == [
            (1, "", False), (2, "The text I want back.", True)]
        assert "anna" not in rows[0].idempotency_key
    out = session.run("/goedwerk bijdrage kop The text I want back.")  # a second delivery still counts once
    assert "already stored" in out
