"""What the Slack listeners need, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.store.db import Database
from flows.store.models import Channel, Workspace

from .sender import SlackSender
from .work import WorkQueue


@dataclass
class SlackServices:
    db: Database
    engine: Engine
    sender: SlackSender
    defaults: Defaults
    work: WorkQueue = field(default_factory=WorkQueue)
    """Where listeners send everything after ``ack()`` (see :mod:`bot.slack.work`)."""

    def language_of(self, team: str, channel: str) -> str:
        """The channel's language (for texts Slack shows before the engine is asked)."""
        with self.db.transaction() as session:
            language = session.scalar(
                select(Channel.language).join(Workspace, Channel.workspace_id == Workspace.id)
                .where(Workspace.platform == "slack", Workspace.external_id == team, Channel.external_id == channel))
        return language or self.defaults.language
