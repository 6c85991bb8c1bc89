"""Where keyed messages landed on their platform (``kickoff:12`` -> Slack ts), per channel.

Every call is one statement (on SQLite :func:`remember_all` takes two): the channel is
found by its platform ids inside the statement (a join, or ``INSERT … SELECT``), not
looked up first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from flows.effects import Place, SentMessage
from flows.store.db import Database
from flows.store.models import Channel, MessageRef, Workspace
from flows.store.sql import among, insert_for, is_postgresql, records


def _in_place(place: Place) -> tuple[ColumnElement[bool], ...]:
    """Conditions picking the channel of ``place`` (join channels to workspaces)."""
    return (Workspace.platform == place.platform, Workspace.external_id == place.workspace,
            Channel.external_id == place.channel)


def find(db: Database, place: Place, key: str) -> MessageRef | None:
    """The platform reference of the keyed message in this channel, if it was sent."""
    with db.reading() as session:
        return session.scalars(
            select(MessageRef).join(Channel, MessageRef.channel_id == Channel.id)
            .join(Workspace, Channel.workspace_id == Workspace.id)
            .where(MessageRef.key == key, *_in_place(place))
        ).first()


def remember(db: Database, place: Place, key: str, ref: str, thread_ref: str | None, now: datetime) -> None:
    """Record (or move) the keyed message's reference; nothing when the channel is unknown."""
    with db.transaction() as session:
        source = (select(Channel.id, literal(key), literal(ref), literal(thread_ref, MessageRef.thread_ref.type),
                         literal(now, MessageRef.created_at.type))
                  .join(Workspace, Channel.workspace_id == Workspace.id).where(*_in_place(place)))
        session.execute(_upsert(session, lambda insert: insert.from_select(
            [MessageRef.channel_id, MessageRef.key, MessageRef.ref, MessageRef.thread_ref, MessageRef.created_at],
            source)))


def remember_all(session: Session, sent: list[SentMessage], now: datetime) -> None:
    """Record several sent messages in ``session`` (one statement however many on PostgreSQL,
    two on SQLite); unknown channels are left out, and of a key sent twice to one channel the
    last counts."""
    if not sent:
        return
    if is_postgresql(session):
        _remember_records(session, sent, now)
        return
    # each id among the wanted ones; a channel of the same id in another wanted workspace may
    # come along, and is not looked up below
    wanted = {(message.place.platform, message.place.workspace, message.place.channel) for message in sent}
    channel_ids = {(platform, workspace, channel): channel_id for platform, workspace, channel, channel_id in
                   session.execute(select(Workspace.platform, Workspace.external_id, Channel.external_id, Channel.id)
                                   .join(Workspace, Channel.workspace_id == Workspace.id)
                                   .where(among(session, Workspace.platform, {place[0] for place in wanted}),
                                          among(session, Workspace.external_id, {place[1] for place in wanted}),
                                          among(session, Channel.external_id, {place[2] for place in wanted})))}
    rows = {}  # one row per (channel, key), the last sent winning: an upsert may touch a row only once
    for message in sent:
        channel_id = channel_ids.get((message.place.platform, message.place.workspace, message.place.channel))
        if channel_id is not None:
            rows[channel_id, message.key] = dict(channel_id=channel_id, key=message.key, ref=message.ref,
                                                 thread_ref=message.thread_ref, created_at=now)
    if not rows:
        return
    session.execute(_upsert(session), list(rows.values()))


_SENT = {"platform": String, "workspace": String, "channel": String, "key": String, "ref": String,
         "thread_ref": String}


def _remember_records(session: Session, sent: list[SentMessage], now: datetime) -> None:
    """:func:`remember_all` on PostgreSQL: the messages as one parameter
    (:func:`flows.store.sql.records`), joined to their channels inside the ``INSERT … SELECT``."""
    latest = {(message.place, message.key): message for message in sent}  # an upsert touches a row once
    rows = records(_SENT, [dict(platform=message.place.platform, workspace=message.place.workspace,
                                channel=message.place.channel, key=message.key, ref=message.ref,
                                thread_ref=message.thread_ref) for message in latest.values()])
    source = (select(Channel.id, rows.c.key, rows.c.ref, rows.c.thread_ref,
                     literal(now, MessageRef.created_at.type))
              .select_from(rows)
              .join(Workspace, and_(Workspace.platform == rows.c.platform, Workspace.external_id == rows.c.workspace))
              .join(Channel, and_(Channel.workspace_id == Workspace.id, Channel.external_id == rows.c.channel)))
    session.execute(_upsert(session, lambda insert: insert.from_select(
        [MessageRef.channel_id, MessageRef.key, MessageRef.ref, MessageRef.thread_ref, MessageRef.created_at],
        source)))


def _upsert(session: Session, source: Callable[[Any], Any] = lambda insert: insert) -> Any:
    """INSERT into message_refs (``source`` may add its rows) that moves the ref of a key already there."""
    statement = source(insert_for(session, MessageRef))
    return statement.on_conflict_do_update(
        index_elements=[MessageRef.channel_id, MessageRef.key],
        set_={"ref": statement.excluded.ref, "thread_ref": statement.excluded.thread_ref})
