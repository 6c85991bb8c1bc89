"""What the Slack listeners need, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.runtime.workers import Intake
from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.store.db import Database
from flows.store.models import Channel, Workspace

from .sender import SlackSender


@dataclass
class SlackServices:
    db: Database
    engine: Engine
    sender: SlackSender
    defaults: Defaults
    intake: Intake = None  # type: ignore[assignment]  # None: __post_init__ makes one on db
    """Where listeners record a request before ``ack()`` (see :mod:`bot.runtime.inbox`);
    by default on ``db``, waking nobody (workers then find it at their next poll)."""

    def __post_init__(self) -> None:
        if self.intake is None:
            self.intake = Intake(self.db)

    def language_of(self, team: str, channel: str) -> str:
        """The channel's language (for texts Slack shows before the engine is asked)."""
        with self.db.reading() as session:
            language = session.scalar(
                select(Channel.language).join(Workspace, Channel.workspace_id == Workspace.id)
                .where(Workspace.platform == "slack", Workspace.external_id == team, Channel.external_id == channel))
        return language or self.defaults.language
