"""The scheduled-action table: queue, claim, reserve and settle timed work.

Life of a row (see shared design/scheduling.md)::

    pending --claim--> claimed --reserve--> sending --settle--> sent
                          |                    \\--> failed / unknown
                          \\--> skipped (moot when re-checked)

Claiming is one statement on both dialects (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite serialises writers with ``BEGIN IMMEDIATE``). A dedupe key is unique, so queuing
the same action twice is a no-op. The compare-and-set updates skip the ORM's in-session
synchronisation (``synchronize_session=False``): evaluating their criteria against the
session's objects cost more than the statement, and no caller reads a row's status
back from its session after settling it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, DateTime, Exists, Integer, String, Table, and_, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from flows.store.models import ScheduledAction
from flows.store.sql import among, changed, insert_for, is_postgresql, records

PENDING, CLAIMED, SENDING, SENT = "pending", "claimed", "sending", "sent"
SKIPPED, FAILED, UNKNOWN = "skipped", "failed", "unknown"
OPEN_STATES = (PENDING, CLAIMED, SENDING)


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from any session."""

    id: int
    kind: str
    dedupe_key: str
    due_at: datetime
    attempts: int
    payload: dict[str, Any]
    lease_until: datetime | None = None
    """When the claim's lease runs out, unless renewed (:func:`renew_leases`)."""


def schedule(session: Session, *, kind: str, dedupe_key: str, due_at: datetime, now: datetime,
             workspace_id: int | None = None, channel_id: int | None = None, round_id: int | None = None,
             user_id: str | None = None, payload: dict[str, Any] | None = None) -> bool:
    """Queue an action unless one with the same dedupe key exists; True when queued.

    The new row's id comes back through RETURNING: an INSERT's row count is not
    reported on PostgreSQL (psycopg 3 under SQLAlchemy 2.1 gives -1).
    """
    row = _new_row(kind=kind, dedupe_key=dedupe_key, due_at=due_at, now=now, workspace_id=workspace_id,
                   channel_id=channel_id, round_id=round_id, user_id=user_id, payload=payload)
    statement = _insert_new(session).values(**row).returning(ScheduledAction.id)
    return session.execute(statement).scalar() is not None


def schedule_many(session: Session, rows: list[dict[str, Any]], now: datetime) -> set[str]:
    """:func:`schedule` for several actions (each a dict of its keyword arguments) in one
    statement; the dedupe keys queued."""
    if not rows:
        return set()
    if is_postgresql(session):
        return _schedule_records(session, rows, now)
    statement = _insert_new(session).returning(ScheduledAction.dedupe_key)  # compiled once, whatever the size
    return set(session.scalars(statement, [_new_row(now=now, **row) for row in rows]))


_QUEUED = {"kind": String, "dedupe_key": String, "workspace_id": Integer, "channel_id": Integer,
           "round_id": Integer, "user_id": String, "due_at": DateTime(timezone=True), "payload": JSON}
"""The fields of a row to queue that differ from row to row (see :func:`_schedule_records`)."""


def _schedule_records(session: Session, rows: list[dict[str, Any]], now: datetime) -> set[str]:
    """:func:`schedule_many` on PostgreSQL: ``INSERT … SELECT`` from the rows as one parameter
    (:func:`flows.store.sql.records`), one short statement text whatever the number of rows."""
    table = cast(Table, ScheduledAction.__table__)
    unknown = {name for row in rows for name in row} - _QUEUED.keys()
    if unknown:  # as schedule() would refuse them
        raise TypeError(f"unknown fields for a scheduled action: {sorted(unknown)}")
    source = records(_QUEUED, [{**row, "payload": row.get("payload") or {}} for row in rows])
    moment = literal(now, ScheduledAction.created_at.type)
    statement = (postgresql.insert(table)
                 .from_select([*_QUEUED, "status", "attempts", "created_at", "updated_at"],
                              select(*(source.c[name] for name in _QUEUED), literal(PENDING), literal(0),
                                     moment, moment))
                 .on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(table.c.dedupe_key))
    return set(session.scalars(statement))


def _new_row(*, kind: str, dedupe_key: str, due_at: datetime, now: datetime, workspace_id: int | None = None,
             channel_id: int | None = None, round_id: int | None = None, user_id: str | None = None,
             payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return dict(kind=kind, dedupe_key=dedupe_key, due_at=due_at, status=PENDING, attempts=0,
                workspace_id=workspace_id, channel_id=channel_id, round_id=round_id, user_id=user_id,
                payload=payload or {}, created_at=now, updated_at=now)


def _insert_new(session: Session) -> Any:
    """INSERT into the queue that does nothing for a dedupe key already there (both dialects)."""
    return insert_for(session, ScheduledAction).on_conflict_do_nothing(index_elements=["dedupe_key"])


def cancel_pending(session: Session, *, round_id: int, now: datetime, reason: str,
                   keep: tuple[str, ...] = ()) -> int:
    """Skip the round's actions that have not started, except those of the ``keep`` kinds;
    returns how many."""
    result = session.execute(
        update(ScheduledAction)
        .where(ScheduledAction.round_id == round_id, ScheduledAction.status == PENDING,
               ScheduledAction.kind.not_in(keep))
        .values(status=SKIPPED, last_error=reason[:500], updated_at=now)
    )
    return changed(result)


def skip(session: Session, dedupe_key: str, now: datetime, reason: str) -> bool:
    """Skip one pending action by key (e.g. a step opened early by hand)."""
    result = session.execute(
        update(ScheduledAction)
        .where(ScheduledAction.dedupe_key == dedupe_key, ScheduledAction.status == PENDING)
        .values(status=SKIPPED, last_error=reason[:500], updated_at=now)
    )
    return changed(result) == 1


def next_due(session: Session) -> datetime | None:
    """When the earliest pending action is due."""
    return session.scalar(select(func.min(ScheduledAction.due_at)).where(ScheduledAction.status == PENDING))


def reclaim_expired(session: Session, now: datetime) -> tuple[int, int]:
    """Return expired claims to pending; mark expired reservations unknown.

    A ``claimed`` row was never sent, so it may run again. A ``sending`` row may or may
    not have reached the platform: it becomes ``unknown`` for the reconciler.
    """
    expired = and_(ScheduledAction.lease_expires_at.is_not(None), ScheduledAction.lease_expires_at < now)
    back = changed(session.execute(
        update(ScheduledAction).where(ScheduledAction.status == CLAIMED, expired)
        .values(status=PENDING, lease_owner=None, lease_expires_at=None, updated_at=now)
    ))
    lost = changed(session.execute(
        update(ScheduledAction).where(ScheduledAction.status == SENDING, expired)
        .values(status=UNKNOWN, updated_at=now)
    ))
    return back, lost


def _waits_for_earlier_work() -> Exists:
    """True for an action whose round still has open work due before it.

    A round's actions run one at a time in due order, whichever process claims them: a
    round's close is never claimed while the prompt of its last step, due earlier, is
    still pending or being sent by another dispatcher (which would make it moot).
    """
    earlier = aliased(ScheduledAction)
    return exists().where(
        earlier.round_id == ScheduledAction.round_id,
        earlier.status.in_(OPEN_STATES),
        or_(earlier.due_at < ScheduledAction.due_at,
            and_(earlier.due_at == ScheduledAction.due_at, earlier.id < ScheduledAction.id)),
    )


def claim_due(session: Session, *, owner: str, now: datetime, lease: timedelta, limit: int = 50) -> list[Claimed]:
    """Claim up to ``limit`` due pending actions for ``owner``.

    Actions of one round are claimed in due order, one at a time (see
    :func:`_waits_for_earlier_work`); actions without a round are claimed freely.

    The ids are locked first, then updated: as one ``UPDATE … WHERE id IN (SELECT …
    LIMIT n FOR UPDATE SKIP LOCKED)`` PostgreSQL may run the subquery once per row
    (a nested-loop semi join), each run skipping the rows the previous ones locked,
    and so claim every due row whatever the limit.
    """
    due_ids = session.scalars(
        select(ScheduledAction.id)
        .where(ScheduledAction.status == PENDING, ScheduledAction.due_at <= now,
               or_(ScheduledAction.round_id.is_(None), ~_waits_for_earlier_work()))
        .order_by(ScheduledAction.due_at, ScheduledAction.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due_ids:
        return []
    rows = session.execute(
        update(ScheduledAction)
        .where(among(session, ScheduledAction.id, due_ids), ScheduledAction.status == PENDING)
        .values(status=CLAIMED, lease_owner=owner, lease_expires_at=now + lease,
                attempts=ScheduledAction.attempts + 1, updated_at=now)
        .returning(ScheduledAction.id, ScheduledAction.kind, ScheduledAction.dedupe_key,
                   ScheduledAction.due_at, ScheduledAction.attempts, ScheduledAction.payload,
                   ScheduledAction.lease_expires_at)
        .execution_options(synchronize_session=False)
    ).all()
    claimed = [Claimed(*row) for row in rows]
    return sorted(claimed, key=lambda c: (c.due_at, c.id))


def release(session: Session, action_ids: list[int], owner: str, now: datetime) -> int:
    """Give our claims that never started back to pending (a stopping process), uncounted."""
    if not action_ids:
        return 0
    return changed(session.execute(
        update(ScheduledAction)
        .where(among(session, ScheduledAction.id, action_ids), ScheduledAction.status == CLAIMED,
               ScheduledAction.lease_owner == owner)
        .values(status=PENDING, lease_owner=None, lease_expires_at=None,
                attempts=ScheduledAction.attempts - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ))


def renew_leases(session: Session, action_ids: list[int], owner: str, until: datetime, now: datetime) -> int:
    """Extend the leases of our claimed or reserved actions to ``until`` (one statement): a
    batch still being sent must not look abandoned to another process, which would send it
    again. How many were still ours."""
    return _update_ours(session, action_ids, owner, lease_expires_at=until, updated_at=now)


def reserve(session: Session, action_id: int, owner: str, now: datetime) -> ScheduledAction | None:
    """Move our claim to ``sending`` (compare-and-set); None when it is no longer ours."""
    rows = reserve_many(session, [action_id], owner, now)
    return rows[0] if rows else None


def reserve_many(session: Session, action_ids: list[int], owner: str, now: datetime,
                 kind: str | None = None) -> list[ScheduledAction]:
    """:func:`reserve` for several claims (only those of ``kind``, when given) in one
    statement; the rows still ours, in due order, returned by the statement itself."""
    if not action_ids:
        return []
    conditions = [among(session, ScheduledAction.id, action_ids), ScheduledAction.status == CLAIMED,
                  ScheduledAction.lease_owner == owner]
    if kind is not None:
        conditions.append(ScheduledAction.kind == kind)
    rows = session.scalars(
        update(ScheduledAction).where(*conditions)
        .values(status=SENDING, updated_at=now)
        .returning(ScheduledAction)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(rows, key=lambda row: (row.due_at, row.id))


def settle(session: Session, action_id: int, owner: str, status: str, now: datetime,
           result: str | None = None, error: str | None = None) -> bool:
    """Record how our claimed or reserved action ended."""
    outcome = session.execute(
        update(ScheduledAction)
        .where(ScheduledAction.id == action_id, ScheduledAction.lease_owner == owner,
               ScheduledAction.status.in_((CLAIMED, SENDING)))
        .values(status=status, result=result, last_error=(error or None) and error[:500],
                lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return changed(outcome) == 1


def settle_sent(session: Session, action_ids: list[int], owner: str, now: datetime) -> int:
    """:func:`settle` several of our actions as sent, in one statement; how many were ours."""
    return _update_ours(session, action_ids, owner, status=SENT, result=None, last_error=None,
                        lease_expires_at=None, updated_at=now)


def _update_ours(session: Session, action_ids: list[int], owner: str, **values: Any) -> int:
    """Set ``values`` on those of ``action_ids`` we still hold (claimed or reserved), in one
    statement; how many they were."""
    if not action_ids:
        return 0
    return changed(session.execute(
        update(ScheduledAction)
        .where(among(session, ScheduledAction.id, action_ids), ScheduledAction.lease_owner == owner,
               ScheduledAction.status.in_((CLAIMED, SENDING)))
        .values(**values)
        .execution_options(synchronize_session=False)
    ))


def retry_later(session: Session, action_id: int, owner: str, due_at: datetime, now: datetime,
                error: str) -> bool:
    """Put our claimed action back to pending at ``due_at`` (a failure before sending)."""
    outcome = session.execute(
        update(ScheduledAction)
        .where(ScheduledAction.id == action_id, ScheduledAction.lease_owner == owner,
               ScheduledAction.status.in_((CLAIMED, SENDING)))
        .values(status=PENDING, due_at=due_at, lease_owner=None, lease_expires_at=None,
                last_error=error[:500], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return changed(outcome) == 1


def retry_unknown(session: Session, now: datetime, keep: frozenset[str]) -> int:
    """Send again the actions whose outcome is unknown, except the ``keep`` kinds (left as they are).

    The retry runs with ``resend`` so the adapter first checks what already arrived. It keeps
    its original due time, so it runs before work that was due after it (a step's prompt
    before the round's close).
    """
    return changed(session.execute(
        update(ScheduledAction).where(ScheduledAction.status == UNKNOWN, ScheduledAction.kind.not_in(keep))
        .values(status=PENDING, lease_owner=None, lease_expires_at=None, updated_at=now)
    ))
