"""Where keyed messages landed on their platform (``kickoff:12`` -> Slack ts), per channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from flows.effects import Place
from flows.store import queries
from flows.store.db import Database
from flows.store.models import Channel, MessageRef, Workspace


def _channel_id(session, place: Place) -> int | None:
    return session.scalar(
        select(Channel.id).join(Workspace, Channel.workspace_id == Workspace.id)
        .where(Workspace.platform == place.platform, Workspace.external_id == place.workspace,
               Channel.external_id == place.channel))


def find(db: Database, place: Place, key: str) -> MessageRef | None:
    """The platform reference of the keyed message in this channel, if it was sent."""
    with db.transaction() as session:
        channel_id = _channel_id(session, place)
        if channel_id is None:
            return None
        return session.scalars(select(MessageRef).where(MessageRef.channel_id == channel_id,
                                                        MessageRef.key == key)).first()


def remember(db: Database, place: Place, key: str, ref: str, thread_ref: str | None, now: datetime) -> None:
    with db.transaction() as session:
        channel_id = _channel_id(session, place)
        if channel_id is not None:
            queries.remember_message(session, channel_id, key, ref, thread_ref, now)
