"""`goedwerk db repair`: put back what a crash or a mistake left out of the database's plans."""

from __future__ import annotations

from bot.settings import Settings
from flows.clock import SystemClock
from flows.engine import retention
from flows.store.db import Database


def repair(settings: Settings, clock=None) -> retention.Repaired:
    """Queue the purge of every closed round that has none, and the daily sweep; the counts."""
    db = Database(settings.database_url)
    try:
        with db.transaction() as session:
            now = (clock or SystemClock()).now()
            repaired = retention.repair(session, now)
            retention.schedule_sweep(session, now)
            return repaired
    finally:
        db.dispose()
