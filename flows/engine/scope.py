"""The scope of one event: its transaction, the time, and the resolved workspace and channel.

Everything a handler reads or writes is reached through the scope's workspace and
channel, so one team's event can never touch another team's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from flows.effects import Ephemeral, Place
from flows.events import Actor
from flows.i18n import t, tn
from flows.store import queries
from flows.store.models import Channel, Workspace
from flows.views import Notice


class Refusal(Exception):
    """A request the engine turns down; shown to the actor only, nothing is written."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


@dataclass
class Scope:
    session: Session
    now: datetime
    actor: Actor
    workspace: Workspace
    channel: Channel
    language: str
    zone: ZoneInfo
    checkback_days: int = 21  # set by the engine from its defaults

    @property
    def place(self) -> Place:
        return Place(self.actor.platform, self.actor.workspace, self.actor.channel)

    def t(self, msgid: str, **params: object) -> str:
        return t(self.language, msgid, **params)

    def tell_n(self, singular: str, plural: str, count: int, *, error: bool = False, **params: object) -> Ephemeral:
        """An ephemeral notice to the actor with plural forms for ``count`` (see :func:`flows.i18n.tn`)."""
        return Ephemeral(self.place, self.actor.user,
                         Notice(self.language, tn(self.language, singular, plural, count, **params), error))

    def notice(self, msgid: str, **params: object) -> Notice:
        """A notice for the whole channel in its language."""
        return Notice(self.language, self.t(msgid, **params))

    def notice_text(self, text: str) -> Notice:
        """A notice for the whole channel from an already translated text."""
        return Notice(self.language, text)

    def tell(self, msgid: str, *, error: bool = False, **params: object) -> Ephemeral:
        """An ephemeral notice to the actor in the channel's language."""
        return Ephemeral(self.place, self.actor.user, Notice(self.language, self.t(msgid, **params), error))


def channel_language(channel: Channel, default_language: str) -> str:
    """The language the channel speaks: its own setting, else the process default."""
    return channel.language or default_language


def channel_zone(channel: Channel, default_zone: str) -> ZoneInfo:
    """The channel's time zone: its own setting, else the process default."""
    return ZoneInfo(channel.timezone or default_zone)


def open_scope(session: Session, actor: Actor, now: datetime, default_language: str,
               default_zone: str) -> Scope:
    """Resolve (creating where new) the actor's workspace, channel and person."""
    workspace = queries.workspace(session, actor.platform, actor.workspace, now)
    channel = queries.channel(session, workspace, actor.channel, now, actor.channel_name)
    queries.person(session, workspace, actor.user, actor.user_name)
    return Scope(session, now, actor, workspace, channel, channel_language(channel, default_language),
                 channel_zone(channel, default_zone))


def scope_for_channel(session: Session, channel: Channel, now: datetime, default_language: str,
                      default_zone: str, user: str = "goedwerk") -> Scope:
    """A scope for work the clock starts (no human actor): the bot acts in the channel."""
    workspace = channel.workspace
    actor = Actor(workspace.platform, workspace.external_id, channel.external_id, user)
    return Scope(session, now, actor, workspace, channel, channel_language(channel, default_language),
                 channel_zone(channel, default_zone))
