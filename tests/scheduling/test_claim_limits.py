"""Claiming honours its limit and scheduling reports what it queued, on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.scheduling import actions
from flows.store.db import Database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def test_a_claim_takes_at_most_its_limit(db: Database) -> None:
    with db.transaction() as session:
        for number in range(12):
            actions.schedule(session, kind="weekly_prompt", dedupe_key=f"weekly:{number}", due_at=NOW, now=NOW)
    with db.transaction() as session:
        assert len(actions.claim_due(session, owner="a", now=NOW, lease=LEASE, limit=5)) == 5
    with db.transaction() as session:
        assert len(actions.claim_due(session, owner="b", now=NOW, lease=LEASE, limit=50)) == 7


def test_schedule_says_whether_it_queued(db: Database) -> None:
    with db.transaction() as session:
        assert actions.schedule(session, kind="weekly_prompt", dedupe_key="once", due_at=NOW, now=NOW)
        assert not actions.schedule(session, kind="weekly_prompt", dedupe_key="once", due_at=NOW, now=NOW)
