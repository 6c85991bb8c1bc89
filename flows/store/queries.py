"""Small, reusable reads and get-or-create writes on the models.

Every function takes the open session of the caller's transaction; none commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import (
    ROUND_ACTIVE,
    Channel,
    ChannelMember,
    Contribution,
    MessageRef,
    Person,
    Round,
    Workspace,
)

Row = TypeVar("Row", Workspace, Channel, Person, ChannelMember)


def _get_or_create(session: Session, model: type[Row], lookup: dict[str, Any], defaults: dict[str, Any]) -> Row:
    row = session.scalars(select(model).filter_by(**lookup)).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**lookup, **defaults)
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        # another process created it between our read and our insert
        return session.scalars(select(model).filter_by(**lookup)).one()


def workspace(session: Session, platform: str, external_id: str, now: datetime) -> Workspace:
    row = _get_or_create(session, Workspace, {"platform": platform, "external_id": external_id},
                         {"created_at": now})
    if row.uninstalled_at is not None:  # back in use: a pending purge_workspace becomes moot
        row.uninstalled_at = None
    return row


def channel(session: Session, workspace_row: Workspace, external_id: str, now: datetime,
            name: str | None = None) -> Channel:
    row = _get_or_create(session, Channel, {"workspace_id": workspace_row.id, "external_id": external_id},
                         {"created_at": now, "name": name})
    if name and row.name != name:
        row.name = name
    return row


def person(session: Session, workspace_row: Workspace, external_id: str,
           display_name: str | None = None) -> Person:
    row = _get_or_create(session, Person, {"workspace_id": workspace_row.id, "external_id": external_id},
                         {"display_name": display_name})
    if display_name and row.display_name != display_name:
        row.display_name = display_name
    return row


def note_member(session: Session, channel_row: Channel, user_id: str, now: datetime) -> None:
    """Remember that ``user_id`` belongs to the channel (seen acting, or declared)."""
    _get_or_create(session, ChannelMember, {"channel_id": channel_row.id, "user_id": user_id}, {"since": now})


def members(session: Session, channel_row: Channel) -> list[str]:
    return list(session.scalars(
        select(ChannelMember.user_id).where(ChannelMember.channel_id == channel_row.id)
        .order_by(ChannelMember.user_id)
    ))


def set_members(session: Session, channel_row: Channel, user_ids: list[str], now: datetime) -> None:
    """Replace the channel's member list (the console's ``/members``)."""
    session.query(ChannelMember).filter(ChannelMember.channel_id == channel_row.id).delete()
    for user_id in dict.fromkeys(user_ids):
        session.add(ChannelMember(channel_id=channel_row.id, user_id=user_id, since=now))
    session.flush()


def active_round(session: Session, channel_row: Channel, *, for_update: bool = False) -> Round | None:
    query = select(Round).where(Round.channel_id == channel_row.id, Round.status == ROUND_ACTIVE)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def latest_round(session: Session, channel_row: Channel) -> Round | None:
    return session.scalars(
        select(Round).where(Round.channel_id == channel_row.id).order_by(Round.id.desc()).limit(1)
    ).first()


def situation_usage(session: Session, channel_row: Channel) -> dict[int, int]:
    """How many rounds the channel has had per situation number."""
    rows = session.execute(
        select(Round.situation_number, func.count()).where(Round.channel_id == channel_row.id)
        .group_by(Round.situation_number)
    )
    return {number: count for number, count in rows}


def contributions(session: Session, round_row: Round, *, include_deleted: bool = False) -> list[Contribution]:
    query = select(Contribution).where(Contribution.round_id == round_row.id)
    if not include_deleted:
        query = query.where(Contribution.deleted_at.is_(None))
    return list(session.scalars(query.order_by(Contribution.id)))


def message_ref(session: Session, channel_id: int, key: str) -> MessageRef | None:
    return session.scalars(
        select(MessageRef).where(MessageRef.channel_id == channel_id, MessageRef.key == key)
    ).first()


def remember_message(session: Session, channel_id: int, key: str, ref: str, thread_ref: str | None,
                     now: datetime) -> None:
    existing = message_ref(session, channel_id, key)
    if existing is None:
        session.add(MessageRef(channel_id=channel_id, key=key, ref=ref, thread_ref=thread_ref, created_at=now))
    else:
        existing.ref, existing.thread_ref = ref, thread_ref
    session.flush()
