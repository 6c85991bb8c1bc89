"""Workspace paces in the database, shared by every process that posts to Slack.

Each process learns a workspace's limit from the 429s it meets
(:class:`bot.slack.pacing.WorkspaceCooldown`). Where several dispatcher processes post
to one workspace, each paced on its own would together post several times faster
than the pace one of them learned, and collect 429s for it. Here they keep one pace
per workspace in a row: a 429 updates it, and every post in a paced workspace takes
its send slot from it under a row lock. Workspaces that never met a 429 have no row
and cost nothing beyond one look-up per dispatched batch.

Times are seconds since the epoch on the database's clock, so processes on machines
whose clocks differ a little still agree on the slots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Column, Float, String, Table, delete, func, literal_column, select, update
from sqlalchemy.orm import Session

from bot.slack.pacing import Pace
from flows.store.base import Base
from flows.store.db import Database
from flows.store.sql import among, insert_for, is_postgresql

PACES_TABLE = "slack_workspace_paces"
FORGOTTEN_AFTER = 600.0
"""Seconds after its last 429 (and hold) that a workspace's row is deleted: by then the
spacing has faded far below :data:`bot.slack.pacing.SPACING_FLOOR`."""

paces = Table(
    PACES_TABLE, Base.metadata,
    Column("team_id", String(64), primary_key=True),
    Column("held_until", Float, nullable=False),
    Column("spacing", Float, nullable=False),
    Column("set_at", Float, nullable=False),
    Column("next_slot", Float, nullable=False),
)


def database_clock(session: Session):
    """The database's time in seconds since the epoch, as an SQL expression."""
    if is_postgresql(session):
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - literal_column("2440587.5")) * literal_column("86400.0")


def _pace(row) -> Pace:
    return Pace(until=row.held_until, spacing=row.spacing, set_at=row.set_at, next_slot=row.next_slot)


def _values(pace: Pace) -> dict[str, float]:
    return {"held_until": pace.until, "spacing": pace.spacing, "set_at": pace.set_at, "next_slot": pace.next_slot}


class SharedPaces:
    """The board of :class:`bot.slack.pacing.PaceBoard` on goedwerk's database.

    ``clock(session)``, when given, replaces the database's clock (tests).
    """

    def __init__(self, db: Database, clock: Callable[[Session], float] | None = None) -> None:
        self.db = db
        self.clock = clock

    def _now(self, session: Session, row=None) -> float:
        """The time now; ``row`` read by :meth:`_locked` carries it already."""
        if self.clock is not None:
            return self.clock(session)
        if row is not None:
            return float(row.now)
        return float(session.execute(select(database_clock(session))).scalar_one())

    def _locked(self, session: Session, workspace: str):
        """The workspace's row, locked until the transaction ends, with the time it was read."""
        return session.execute(select(paces, database_clock(session).label("now"))
                               .where(paces.c.team_id == workspace).with_for_update(of=paces)).one_or_none()

    def now(self) -> float:
        with self.db.transaction() as session:
            return self._now(session)

    def slowed(self, workspace: str, seconds: float) -> None:
        with self.db.transaction() as session:
            session.execute(insert_for(session, paces).values(team_id=workspace, **_values(Pace()))
                            .on_conflict_do_nothing(index_elements=["team_id"]))
            row = self._locked(session, workspace)
            pace, now = _pace(row), self._now(session, row)
            pace.slowed(now, seconds)
            session.execute(update(paces).where(paces.c.team_id == workspace).values(**_values(pace)))
            session.execute(delete(paces).where(paces.c.held_until < now - FORGOTTEN_AFTER,
                                                paces.c.set_at < now - FORGOTTEN_AFTER))

    def take_slot(self, workspace: str) -> float | None:
        with self.db.transaction() as session:
            row = self._locked(session, workspace)
            if row is None:
                return None
            pace, now = _pace(row), self._now(session, row)
            if pace.spent(now):
                session.execute(delete(paces).where(paces.c.team_id == workspace))
                return None
            delay = pace.take_slot(now)
            session.execute(update(paces).where(paces.c.team_id == workspace)
                            .values(next_slot=pace.next_slot))
            return delay

    def paced(self, workspaces: Iterable[str]) -> dict[str, Pace]:
        workspaces = list(workspaces)
        if not workspaces:
            return {}
        with self.db.transaction() as session:
            rows = session.execute(select(paces).where(among(session, paces.c.team_id, workspaces))).all()
            if not rows:
                return {}
            now = self._now(session)
            found = {row.team_id: _pace(row) for row in rows}
            spent = [workspace for workspace, pace in found.items() if pace.spent(now)]
            if spent:
                session.execute(delete(paces).where(among(session, paces.c.team_id, spent)))
            return {workspace: pace for workspace, pace in found.items() if workspace not in spent}

    def hold_left(self, workspace: str) -> float:
        with self.db.transaction() as session:
            row = session.execute(select(paces.c.held_until, database_clock(session).label("now"))
                                  .where(paces.c.team_id == workspace)).one_or_none()
            if row is None:
                return 0.0
            now = self._now(session, row)
            return max(0.0, row.held_until - now)
