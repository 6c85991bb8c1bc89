"""Helpers shared by the security tests."""

from __future__ import annotations

import json

from sqlalchemy import select

from flows.store.models import Channel, Contribution, MessageRef, PublishedImage, Round, SummaryDraft, Workspace
from tests.slack.conftest import RunningApp
from tests.slack.signing import slash_command_body


def settle(app: RunningApp, timeout: float = 15.0) -> None:
    """Wait until every request sent so far is handled and no timed work is due (see RunningApp.idle)."""
    app.settle(timeout)


def command(app: RunningApp, text: str, *, user: str, team: str, channel: str, name: str = "cmd") -> None:
    status, _, _ = app.send(slash_command_body(text=text, user_id=user, team_id=team, channel_id=channel,
                                               response_url=app.fake.response_url(name)))
    assert status == 200, (text, status)


def contributions_in(app: RunningApp, team: str, channel: str) -> list[Contribution]:
    with app.db.transaction() as session:
        rows = session.scalars(
            select(Contribution).join(Round, Contribution.round_id == Round.id)
            .join(Channel, Round.channel_id == Channel.id).join(Workspace, Channel.workspace_id == Workspace.id)
            .where(Workspace.external_id == team, Channel.external_id == channel).order_by(Contribution.id)).all()
        session.expunge_all()
        return list(rows)


def rounds_in(app: RunningApp, team: str, channel: str) -> list[Round]:
    with app.db.transaction() as session:
        rows = session.scalars(
            select(Round).join(Channel, Round.channel_id == Channel.id)
            .join(Workspace, Channel.workspace_id == Workspace.id)
            .where(Workspace.external_id == team, Channel.external_id == channel).order_by(Round.id)).all()
        session.expunge_all()
        return list(rows)


def _row(row) -> dict:
    return {column.name: getattr(row, column.name) for column in row.__table__.columns}


def snapshot(app: RunningApp, team: str) -> dict:
    """Every round, contribution, draft, published image and message ref of one workspace, as plain data."""
    with app.db.transaction() as session:
        channels = select(Channel.id).join(Workspace, Channel.workspace_id == Workspace.id).where(
            Workspace.external_id == team)
        rounds = select(Round.id).where(Round.channel_id.in_(channels))
        return {
            "rounds": [_row(r) for r in session.scalars(select(Round).where(Round.channel_id.in_(channels))
                                                        .order_by(Round.id))],
            "contributions": [{**_row(c), "virtues": sorted(v.virtue for v in c.virtues)} for c in session.scalars(
                select(Contribution).where(Contribution.round_id.in_(rounds)).order_by(Contribution.id))],
            "drafts": [_row(d) for d in session.scalars(select(SummaryDraft).where(SummaryDraft.round_id.in_(rounds))
                                                        .order_by(SummaryDraft.id))],
            "images": [_row(i) for i in session.scalars(select(PublishedImage).where(
                PublishedImage.channel_id.in_(channels)).order_by(PublishedImage.id))],
            "refs": [_row(m) for m in session.scalars(select(MessageRef).where(MessageRef.channel_id.in_(channels))
                                                      .order_by(MessageRef.id))],
        }


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
