"""One person's overview across the channels of their workspace (Slack's App Home).

Only the person's own contributions are listed, anonymous ones included (they are
the author); other people's words never appear here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.content.schema import ContentPack
from flows.engine.catalog import HELP
from flows.engine.plan import parse_plan
from flows.engine.topics import label, topics_of
from flows.i18n import t
from flows.store.models import (
    ROUND_ACTIVE,
    Channel,
    ChannelMember,
    Contribution,
    PublishedImage,
    Round,
    Workspace,
)
from flows.views import HomeContribution, HomeImage, HomeRound, HomeView

MAX_ITEMS = 20


def home_view(session: Session, content: ContentPack, language: str, platform: str, workspace: str,
              user: str) -> HomeView:
    team = session.scalars(select(Workspace).where(Workspace.platform == platform,
                                                   Workspace.external_id == workspace)).first()
    if team is None:
        return HomeView(language, user, (), (), (), t(language, HELP))
    rounds = session.execute(
        select(Round, Channel.external_id).join(Channel, Round.channel_id == Channel.id)
        .join(ChannelMember, (ChannelMember.channel_id == Channel.id) & (ChannelMember.user_id == user))
        .where(Channel.workspace_id == team.id, Round.status == ROUND_ACTIVE)
        .order_by(Round.deadline_at).limit(MAX_ITEMS)
    ).all()
    home_rounds = []
    for round_row, channel in rounds:
        plan = parse_plan(round_row.plan)
        situation = content.situation(round_row.situation_number)
        step = round_row.steps[round_row.step_index]
        step_label = " + ".join(label(content, language, topic)
                                for topic in topics_of(plan.steps[round_row.step_index]))
        home_rounds.append(HomeRound(channel, round_row.id, situation.title.get(language) if situation else "?",
                                     step_label, step.ends_at, round_row.deadline_at))
    own = session.execute(
        select(Contribution, Channel.external_id).join(Round, Contribution.round_id == Round.id)
        .join(Channel, Round.channel_id == Channel.id)
        .where(Channel.workspace_id == team.id, Contribution.author_id == user,
               Contribution.deleted_at.is_(None), Round.status == ROUND_ACTIVE)
        .order_by(Contribution.id.desc()).limit(MAX_ITEMS)
    ).all()
    contributions = tuple(HomeContribution(channel, row.id, label(content, language, row.topic), row.text,
                                           row.anonymous, row.passed) for row, channel in own)
    images = session.execute(
        select(PublishedImage, Channel.external_id).join(Channel, PublishedImage.channel_id == Channel.id)
        .join(ChannelMember, (ChannelMember.channel_id == Channel.id) & (ChannelMember.user_id == user))
        .where(Channel.workspace_id == team.id, PublishedImage.removed_at.is_(None))
        .order_by(PublishedImage.published_at.desc()).limit(MAX_ITEMS)
    ).all()
    return HomeView(language, user, tuple(home_rounds), contributions,
                    tuple(HomeImage(channel, image.title, image.published_at) for image, channel in images),
                    t(language, HELP))
