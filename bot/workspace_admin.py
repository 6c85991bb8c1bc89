"""`goedwerk workspace export|purge <team>`: an operator's view of one workspace's data.

The export is JSON of every row that hangs off the workspace (Slack tokens are never
included). The purge deletes the workspace — everything under it cascades — and the
team's Slack installation rows; it prints counts only.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, inspect, select

from flows.engine import retention
from flows.store.db import Database
from flows.store.models import (
    Channel,
    ChannelMember,
    Contribution,
    ContributionVirtue,
    ImageRevision,
    MessageRef,
    Person,
    Picture,
    PublishedImage,
    Round,
    RoundStep,
    ScheduledAction,
    SummaryDraft,
    WeeklyRule,
    Workspace,
)


class WorkspaceAdminError(Exception):
    """Something the operator can fix; the text says what."""


def _find(session, team: str, platform: str | None) -> Workspace:
    query = select(Workspace).where(Workspace.external_id == team)
    if platform:
        query = query.where(Workspace.platform == platform)
    found = list(session.scalars(query))
    if not found:
        raise WorkspaceAdminError(f"no workspace {team}" + (f" on {platform}" if platform else ""))
    if len(found) > 1:
        raise WorkspaceAdminError(f"workspace {team} exists on several platforms; add --platform")
    return found[0]


def _value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _rows(session, model, *where) -> list[dict]:
    columns = [column.key for column in inspect(model).column_attrs]
    return [{name: _value(getattr(row, name)) for name in columns}
            for row in session.scalars(select(model).where(*where))]


def collect(db: Database, team: str, platform: str | None = None) -> dict:
    """All of a workspace's data as JSON-ready tables."""
    with db.transaction() as session:
        workspace = _find(session, team, platform)
        channels = select(Channel.id).where(Channel.workspace_id == workspace.id)
        rounds = select(Round.id).where(Round.channel_id.in_(channels))
        contributions = select(Contribution.id).where(Contribution.round_id.in_(rounds))
        return {
            "format": "goedwerk-workspace/1",
            "workspaces": _rows(session, Workspace, Workspace.id == workspace.id),
            "channels": _rows(session, Channel, Channel.workspace_id == workspace.id),
            "people": _rows(session, Person, Person.workspace_id == workspace.id),
            "channel_members": _rows(session, ChannelMember, ChannelMember.channel_id.in_(channels)),
            "weekly_rules": _rows(session, WeeklyRule, WeeklyRule.channel_id.in_(channels)),
            "rounds": _rows(session, Round, Round.channel_id.in_(channels)),
            "round_steps": _rows(session, RoundStep, RoundStep.round_id.in_(rounds)),
            "contributions": _rows(session, Contribution, Contribution.round_id.in_(rounds)),
            "contribution_virtues": _rows(session, ContributionVirtue,
                                          ContributionVirtue.contribution_id.in_(contributions)),
            "summary_drafts": _rows(session, SummaryDraft, SummaryDraft.round_id.in_(rounds)),
            "pictures": _rows(session, Picture, Picture.round_id.in_(rounds)),
            "image_revisions": _rows(session, ImageRevision, ImageRevision.round_id.in_(rounds)),
            "published_images": _rows(session, PublishedImage, PublishedImage.channel_id.in_(channels)),
            "message_refs": _rows(session, MessageRef, MessageRef.channel_id.in_(channels)),
            "scheduled_actions": _rows(session, ScheduledAction,
                                       (ScheduledAction.workspace_id == workspace.id)
                                       | ScheduledAction.channel_id.in_(channels)
                                       | ScheduledAction.round_id.in_(rounds)),
        }


def export(db: Database, team: str, out: Path | None = None, platform: str | None = None) -> str:
    """Write the workspace's JSON to ``out`` (or return it for standard output)."""
    text = json.dumps(collect(db, team, platform), ensure_ascii=False, indent=2, sort_keys=True)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    return text


def counts(db: Database, team: str, platform: str | None = None) -> dict[str, int]:
    with db.transaction() as session:
        return retention.counts(session, _find(session, team, platform).id)


def purge(db: Database, team: str, platform: str | None = None) -> dict[str, int]:
    """Delete the workspace (rows cascade) and, for Slack, the team's installation rows
    and its shared pace."""
    from bot.slack.installation_tables import bots, installations
    from bot.slack.shared_paces import paces

    with db.transaction() as session:
        workspace = _find(session, team, platform)
        is_slack = workspace.platform == "slack"
        found = retention.purge_workspace(session, workspace)
        if is_slack:
            for name, table in (("slack_installations", installations), ("slack_bots", bots),
                                ("slack_workspace_paces", paces)):
                found[name] = int(session.scalar(select(func.count()).select_from(table)
                                                 .where(table.c.team_id == team)) or 0)
                session.execute(delete(table).where(table.c.team_id == team))
    return found
