"""Where Teams conversations are reached: their ``serviceUrl`` and reference, per tenant.

Every checked inbound activity refreshes its conversation's row (:func:`remember`): the
``serviceUrl`` Teams named (it may change per region), the kind of conversation, the team,
the bot's own id and, in a 1:1 chat, the person. Outbound calls go only to a serviceUrl
stored here (:func:`find`, :func:`personal_chat`), never to one a card or a setting names.
A channel is stored under its channel id (``19:…@thread.tacv2``, no ``;messageid=``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Index, String, Table, func, select, update

from flows.store.base import Base
from flows.store.db import Database
from flows.store.sql import insert_for
from flows.store.types import UTCDateTime

CONVERSATIONS_TABLE = "teams_conversations"

conversations = Table(
    CONVERSATIONS_TABLE, Base.metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(255), primary_key=True),
    Column("service_url", String(512), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("team_id", String(255), nullable=True),
    Column("user_id", String(255), nullable=True),
    Column("bot_id", String(255), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("removed_at", UTCDateTime(), nullable=True),
    Index("ix_teams_conversations_personal", "tenant_id", "user_id"),
)


@dataclass(frozen=True)
class ConversationRef:
    """A conversation as outbound calls need it."""

    tenant: str
    conversation: str
    service_url: str
    kind: str
    team: str | None = None
    user: str | None = None
    bot: str | None = None
    removed: bool = False
    """goedwerk was removed from it (nothing is sent there until it comes back)."""


_seen: dict[tuple[str, str], ConversationRef] = {}
_seen_lock = threading.Lock()


def _note(ref: ConversationRef) -> ConversationRef:
    with _seen_lock:
        _seen[ref.tenant, ref.conversation] = ref
    return ref


def seen(tenant: str, conversation: str) -> ConversationRef | None:
    """The conversation as this process last read or stored it, without asking the database.

    For lookups made inside another transaction (the engine asking for a channel's members):
    on SQLite a second transaction there would wait for the first one's write lock.
    """
    with _seen_lock:
        return _seen.get((tenant, conversation))


def remember(db: Database, ref: ConversationRef, now: datetime) -> None:
    """Insert or refresh the conversation's row (one statement)."""
    values = dict(tenant_id=ref.tenant, conversation_id=ref.conversation, service_url=ref.service_url,
                  kind=ref.kind, team_id=ref.team, user_id=ref.user, bot_id=ref.bot, updated_at=now, removed_at=None)
    with db.transaction() as session:
        statement = insert_for(session, conversations).values(**values)
        refreshed = {name: statement.excluded[name] for name in ("service_url", "kind", "updated_at", "removed_at")}
        for name in ("team_id", "user_id", "bot_id"):  # an activity that lacks one keeps the one we had
            refreshed[name] = statement.excluded[name] if values[name] is not None else conversations.c[name]
        session.execute(statement.on_conflict_do_update(index_elements=["tenant_id", "conversation_id"],
                                                        set_=refreshed))
    known = seen(ref.tenant, ref.conversation)
    if known is not None:  # as the row now is: what this activity lacked stays as it was
        ref = ConversationRef(ref.tenant, ref.conversation, ref.service_url, ref.kind, ref.team or known.team,
                              ref.user or known.user, ref.bot or known.bot)
    _note(ref)


def mark_removed(db: Database, tenant: str, conversation: str, team: str | None, now: datetime) -> bool:
    """goedwerk was removed from a team (all its channels) or a chat; whether any conversation of
    the tenant still has it."""
    with db.transaction() as session:
        where = conversations.c.conversation_id == conversation
        if team:
            where = where | (conversations.c.team_id == team)
        session.execute(update(conversations).where(conversations.c.tenant_id == tenant, where)
                        .values(removed_at=now))
        remaining = session.scalar(select(func.count()).select_from(conversations).where(
            conversations.c.tenant_id == tenant, conversations.c.removed_at.is_(None),
            conversations.c.kind != "personal"))
    with _seen_lock:
        for key in [key for key, ref in _seen.items() if key[0] == tenant and (
                ref.conversation == conversation or (team and ref.team == team))]:
            del _seen[key]
    return bool(remaining)


def find(db: Database, tenant: str, conversation: str) -> ConversationRef | None:
    """The stored conversation, or None when Teams never sent us anything from it."""
    with db.transaction() as session:
        row = session.execute(select(conversations).where(conversations.c.tenant_id == tenant,
                                                          conversations.c.conversation_id == conversation)).first()
    return _ref(row) if row else None


def personal_chat(db: Database, tenant: str, user: str) -> ConversationRef | None:
    """The person's 1:1 chat with the bot, once one is known."""
    with db.transaction() as session:
        row = session.execute(select(conversations).where(
            conversations.c.tenant_id == tenant, conversations.c.user_id == user,
            conversations.c.kind == "personal", conversations.c.removed_at.is_(None)
        ).order_by(conversations.c.updated_at.desc())).first()
    return _ref(row) if row else None


def any_in_tenant(db: Database, tenant: str) -> ConversationRef | None:
    """The tenant's most recently active conversation (its serviceUrl serves the whole tenant)."""
    with db.transaction() as session:
        row = session.execute(select(conversations).where(conversations.c.tenant_id == tenant)
                              .order_by(conversations.c.updated_at.desc())).first()
    return _ref(row) if row else None


def _ref(row) -> ConversationRef:
    return _note(ConversationRef(row.tenant_id, row.conversation_id, row.service_url, row.kind, row.team_id,
                                 row.user_id, row.bot_id, row.removed_at is not None))
