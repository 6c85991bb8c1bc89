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
from sqlalchemy.engine import Connection

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


def database_clock(connection: Connection):
    """The database's time in seconds since the epoch, as an SQL expression."""
    if is_postgresql(connection):
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - literal_column("2440587.5")) * literal_column("86400.0")


def _pace(row) -> Pace:
    return Pace(until=row.held_until, spacing=row.spacing, set_at=row.set_at, next_slot=row.next_slot)


def _values(pace: Pace) -> dict[str, float]:
    return {"held_until": pace.until, "spacing": pace.spacing, "set_at": pace.set_at, "next_slot": pace.next_slot}


class SharedPaces:
    """The board of :class:`bot.slack.pacing.PaceBoard` on goedwerk's database.

    ``clock(connection)``, when given, replaces the database's clock (tests).
    """

    def __init__(self, db: Database, clock: Callable[[Connection], float] | None = None) -> None:
        self.db = db
        self.clock = clock

    def _now(self, connection: Connection, row) -> float:
        """The time ``row`` was read at (every read here carries the database's clock as ``now``)."""
        if self.clock is not None:
            return self.clock(connection)
        return float(row.now)

    def _locked(self, connection: Connection, workspace: str):
        """The workspace's row, locked until the transaction ends, with the time it was read."""
        return connection.execute(select(paces, database_clock(connection).label("now"))
                                  .where(paces.c.team_id == workspace).with_for_update(of=paces)).one_or_none()

    def slowed(self, workspace: str, seconds: float) -> None:
        with self.db.engine.begin() as connection:
            connection.execute(insert_for(connection, paces).values(team_id=workspace, **_values(Pace()))
                               .on_conflict_do_nothing(index_elements=["team_id"]))
            row = self._locked(connection, workspace)
            pace, now = _pace(row), self._now(connection, row)
            pace.slowed(now, seconds)
            connection.execute(update(paces).where(paces.c.team_id == workspace).values(**_values(pace)))
            connection.execute(delete(paces).where(paces.c.held_until < now - FORGOTTEN_AFTER,
                                                   paces.c.set_at < now - FORGOTTEN_AFTER))

    def take_slot(self, workspace: str) -> float | None:
        with self.db.engine.begin() as connection:
            row = self._locked(connection, workspace)
            if row is None:
                return None
            pace, now = _pace(row), self._now(connection, row)
            if pace.spent(now):
                connection.execute(delete(paces).where(paces.c.team_id == workspace))
                return None
            delay = pace.take_slot(now)
            connection.execute(update(paces).where(paces.c.team_id == workspace)
                               .values(next_slot=pace.next_slot))
            return delay

    def paced(self, workspaces: Iterable[str]) -> tuple[dict[str, Pace], float]:
        workspaces = list(workspaces)
        if not workspaces:
            return {}, 0.0
        with self.db.engine.begin() as connection:
            rows = connection.execute(select(paces, database_clock(connection).label("now"))
                                      .where(among(connection, paces.c.team_id, workspaces))).all()
            if not rows:
                return {}, 0.0  # nothing to shift: the time is not needed
            now = self._now(connection, rows[0])
            found = {row.team_id: _pace(row) for row in rows}
            spent = [workspace for workspace, pace in found.items() if pace.spent(now)]
            if spent:
                connection.execute(delete(paces).where(among(connection, paces.c.team_id, spent)))
            return {workspace: pace for workspace, pace in found.items() if workspace not in spent}, now

    def hold_left(self, workspace: str) -> float:
        with self.db.engine.begin() as connection:
            row = connection.execute(select(paces.c.held_until, database_clock(connection).label("now"))
                                     .where(paces.c.team_id == workspace)).one_or_none()
            if row is None:
                return 0.0
            now = self._now(connection, row)
            return max(0.0, row.held_until - now)
