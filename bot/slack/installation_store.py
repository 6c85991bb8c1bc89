"""slack_sdk's SQLAlchemy installation store, plus the bots of many teams in one query.

The weekly fan-out posts to channels of hundreds of workspaces in one batch; asking
``find_bot`` for each costs a query (and a pooled connection's check) per team.
:meth:`BatchInstallationStore.find_bots` answers for a whole batch at once, the same way
``find_bot`` answers for one: the latest installation of the team that has a bot token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import desc, select, update

from bot.slack import installation_tables

ERASED_INSTALLER = "-"


class BatchInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store with :meth:`find_bots` (workspace installs, not organisation-wide ones)."""

    def find_bots(self, team_ids: Iterable[str]) -> dict[str, Bot]:
        """team id → what ``find_bot(enterprise_id=None, team_id=…)`` would return, for every
        team that has one, in one query. A team whose latest bot cannot be read (see
        :meth:`readable_bot`) is left out, so that its own ``find_bot`` reports why."""
        teams = sorted(set(team_ids))
        if not teams:
            return {}
        c = self.bots.c
        query = (self.bots.select()
                 .where(c.client_id == self.client_id, c.enterprise_id.is_(None), c.team_id.in_(teams),
                        c.bot_token.is_not(None))
                 .order_by(c.team_id, desc(c.installed_at)))
        found: dict[str, Bot] = {}
        seen: set[str] = set()
        with self.engine.connect() as connection:
            for row in connection.execute(query).mappings():
                team = row["team_id"]
                if team in seen:  # an older installation of a team already answered for
                    continue
                seen.add(team)
                bot = self.readable_bot(row)
                if bot is not None:
                    found[team] = bot
        return found

    def readable_bot(self, row: Any) -> Bot | None:
        """The row as a ``Bot``, or None when it cannot be read (a subclass may refuse)."""
        return self.build_bot_entity(row)


def describe_installer(session: Any, platform: str, team: str, user: str) -> dict[str, Any]:
    """What the installation rows hold about ``user`` (for their data export): when they
    installed the app here and whether a user token of theirs is kept. Nothing for others."""
    if platform != "slack":
        return {}
    table = installation_tables.installations
    rows = session.execute(select(table.c.installed_at, table.c.user_token).where(
        table.c.team_id == team, table.c.user_id == user).order_by(table.c.installed_at)).all()
    if not rows:
        return {}
    return {"slack_installations": [{"installed_at": row.installed_at.isoformat() if row.installed_at else None,
                                     "user_token_kept": row.user_token is not None} for row in rows]}


def forget_installer(session, platform: str, team: str, user: str) -> None:
    """An erased person who installed the app: their id leaves the installation rows (the
    column may not be empty, so it says :data:`ERASED_INSTALLER`), with any user token."""
    if platform != "slack":
        return
    table = installation_tables.installations
    session.execute(update(table).where(table.c.team_id == team, table.c.user_id == user)
                    .values(user_id=ERASED_INSTALLER, user_token=None, user_scopes=None,
                            user_refresh_token=None, user_token_expires_at=None))
