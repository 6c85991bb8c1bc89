"""The requests inbox: every acknowledged request is a row before its ``ack()``.

A platform adapter writes one small row per request it is about to acknowledge
(:func:`record`), keyed by what makes the request unique on its platform (a form's
view id, a command's trigger id, an event id), so a retry or a double click is one
row. Workers in any process then claim rows, finish them and delete them::

    pending --claim--> claimed --handled (same transaction as the engine's writes)-->
        claimed, effects saved --delivered--> deleted

Claiming follows the discipline of scheduled actions (:mod:`flows.scheduling.actions`):
one statement locks the ids (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises writers), a claim carries an owner and a lease, and a
claim whose lease ran out (its process died) is claimed again by whoever comes next.
Rows of one *lane* (a channel, or one person's App Home) are claimed one at a time in
arrival order: a row is claimable only while no earlier row of its lane is left, so
``start`` always runs before the contribution typed just after it. Rows that open a
form are *urgent* and go first across lanes (the trigger lives 3 seconds).

The engine's writes and the row's ``effects`` are committed together
(:func:`mark_handled`): a process that dies after that commit leaves a row whose next
claimer only delivers the saved effects again (with ``resend``, so a message that did
arrive is found instead of repeated); one that dies before it leaves the engine's
transaction rolled back and the row to run afresh.

A row holds the request's payload, the person's words included, only from the
acknowledgement until its work is done (normally well under a second; at most
:data:`MAX_ATTEMPTS` leases after a crash loop), then it is deleted. Times are seconds
since the epoch on the writing machine's clock.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from flows.store.base import Base
from flows.store.db import Database
from flows.store.sql import among, changed, insert_for

INBOX_TABLE = "requests_inbox"
PENDING, CLAIMED = "pending", "claimed"
MAX_ATTEMPTS = 5
"""Claims a row gets; a row whose work kept killing its process is dropped after this (logged)."""

requests = Table(
    INBOX_TABLE, Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("request_key", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("lane", String(200), nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("payload", JSON, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("owner", String(100)),
    Column("lease_until", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("effects", LargeBinary),
    UniqueConstraint("platform", "request_key", name="uq_requests_inbox_platform_request_key"),
    Index("ix_requests_inbox_lane", "platform", "lane", "id"),
)


@dataclass(frozen=True)
class Request:
    """What an adapter records before it acknowledges: ``kind`` names the work (the
    adapter's own vocabulary), ``lane`` orders it, ``payload`` is what the work needs
    (plain JSON: the platform's request body)."""

    platform: str
    key: str
    kind: str
    lane: str
    payload: dict
    urgent: bool = False


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from any session. ``effects`` is None until the engine's
    part is done (then only delivery remains)."""

    id: int
    platform: str
    kind: str
    payload: dict
    received_at: float
    attempts: int
    effects: list | None
    urgent: bool = False


def record(db: Database, request: Request, now: float | None = None) -> bool:
    """Insert ``request`` unless a row with its key is waiting already; True when inserted."""
    values = dict(platform=request.platform, request_key=request.key[:200], kind=request.kind,
                  lane=request.lane[:200], urgent=request.urgent, payload=request.payload,
                  received_at=time.time() if now is None else now, status=PENDING, attempts=0)
    with db.engine.begin() as connection:
        statement = (insert_for(connection, requests).values(**values)
                     .on_conflict_do_nothing(index_elements=["platform", "request_key"])
                     .returning(requests.c.id))
        return connection.execute(statement).scalar() is not None


def _claimable(now: float):
    """A row nobody holds (pending, or its lease ran out) with no earlier row of its lane left."""
    earlier = aliased(requests)
    return and_(
        or_(requests.c.status == PENDING, requests.c.lease_until < now),
        ~exists().where(earlier.c.platform == requests.c.platform, earlier.c.lane == requests.c.lane,
                        earlier.c.id < requests.c.id),
    )


def claim(db: Database, owner: str, lease: float, limit: int, platforms: tuple[str, ...],
          now: float | None = None, others: int | None = None) -> list[Claimed]:
    """Claim up to ``limit`` rows of ``platforms`` for ``owner``: urgent ones first, then up to
    ``others`` (default: the rest of ``limit``) that are not, each kind in arrival order."""
    now = time.time() if now is None else now
    with db.transaction() as session:
        ids: list[int] = []
        for urgent in (True, False):  # each an index scan in arrival order that stops at its limit
            room = limit - len(ids) if urgent else min(limit - len(ids), limit if others is None else others)
            if room > 0:
                ids += session.scalars(
                    select(requests.c.id)
                    .where(requests.c.urgent.is_(urgent), _claimable(now),
                           among(session, requests.c.platform, platforms))
                    .order_by(requests.c.id)
                    .limit(room)
                    .with_for_update(skip_locked=True)
                ).all()
        if not ids:
            return []
        rows = session.execute(
            update(requests)
            .where(among(session, requests.c.id, ids), or_(requests.c.status == PENDING,
                                                          requests.c.lease_until < now))
            .values(status=CLAIMED, owner=owner, lease_until=now + lease, attempts=requests.c.attempts + 1)
            .returning(requests.c.id, requests.c.platform, requests.c.kind, requests.c.payload,
                       requests.c.received_at, requests.c.attempts, requests.c.effects, requests.c.urgent)
        ).all()
    claimed = [Claimed(row.id, row.platform, row.kind, row.payload, row.received_at, row.attempts,
                       _load(row.effects), row.urgent) for row in rows]
    return sorted(claimed, key=lambda row: row.id)


def _load(blob: bytes | None) -> list | None:
    if blob is None:
        return None
    try:
        return pickle.loads(blob)
    except Exception:  # written by another version: the engine's part is done, the rest is lost
        return []


def mark_handled(session, request_id: int, owner: str, effects: list) -> bool:
    """In the engine's transaction: the row's engine part is done and these ``effects``
    remain to be delivered. False when the row is no longer ours (the caller must then
    roll the engine's work back: another process took the row over)."""
    return changed(session.execute(
        update(requests).where(requests.c.id == request_id, requests.c.owner == owner,
                               requests.c.status == CLAIMED)
        .values(effects=pickle.dumps(effects, protocol=pickle.HIGHEST_PROTOCOL))
    )) == 1


def finish(db: Database, request_ids: list[int], owner: str) -> int:
    """Delete our rows whose work is done (one statement); how many were still ours."""
    if not request_ids:
        return 0
    with db.transaction() as session:
        return changed(session.execute(
            delete(requests).where(among(session, requests.c.id, request_ids), requests.c.owner == owner)
        ))


def release(db: Database, request_ids: list[int], owner: str) -> int:
    """Give our claims back to whoever comes next (a stopping process), uncounted."""
    if not request_ids:
        return 0
    with db.transaction() as session:
        return changed(session.execute(
            update(requests).where(among(session, requests.c.id, request_ids), requests.c.owner == owner,
                                   requests.c.status == CLAIMED)
            .values(status=PENDING, owner=None, lease_until=None, attempts=requests.c.attempts - 1)
        ))


def renew(db: Database, request_ids: list[int], owner: str, until: float) -> int:
    """Extend the leases of our rows still in hand (a slow platform) to ``until``."""
    if not request_ids:
        return 0
    with db.transaction() as session:
        return changed(session.execute(
            update(requests).where(among(session, requests.c.id, request_ids), requests.c.owner == owner)
            .values(lease_until=until)
        ))


def waiting(db: Database) -> int:
    """Rows not finished yet (all platforms)."""
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(requests)) or 0


def next_lease_end(db: Database, platforms: tuple[str, ...]) -> float | None:
    """When the earliest claim of ``platforms`` runs out (a dead process's rows come back then)."""
    with db.transaction() as session:
        return session.scalar(select(func.min(requests.c.lease_until)).where(
            requests.c.status == CLAIMED, among(session, requests.c.platform, platforms)))
