"""Progress of a round: coverage per topic and who has taken part in which step.

Who has *not* taken part is for private reminders only; the channel sees counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.engine.plan import Plan
from flows.engine.topics import all_topics, topics_of
from flows.store.models import Contribution, Round


@dataclass(frozen=True)
class Progress:
    coverage: dict[str, int]  # topic -> contributions with text (passes not counted)
    passes: int
    participants: int  # distinct people who wrote or passed

    def empty_topics(self) -> list[str]:
        return [topic for topic, count in self.coverage.items() if count == 0]


def progress(session: Session, round_row: Round, plan: Plan) -> Progress:
    """Counts for the round in two small aggregate queries."""
    rows = session.execute(
        select(Contribution.topic, Contribution.passed, func.count())
        .where(Contribution.round_id == round_row.id, Contribution.deleted_at.is_(None))
        .group_by(Contribution.topic, Contribution.passed)
    ).all()
    coverage = Counter({topic: 0 for topic in all_topics(plan)})
    passes = 0
    for topic, passed, count in rows:
        if passed:
            passes += count
        elif topic in coverage:
            coverage[topic] += count
    participants = session.scalar(
        select(func.count(func.distinct(Contribution.author_id)))
        .where(Contribution.round_id == round_row.id, Contribution.deleted_at.is_(None))
    ) or 0
    return Progress(dict(coverage), passes, participants)


def silent_members(session: Session, round_row: Round, plan: Plan, step_index: int,
                   members: list[str]) -> list[str]:
    """Members who have neither contributed to nor passed any topic of the step."""
    topics = topics_of(plan.steps[step_index])
    spoke = set(session.scalars(
        select(Contribution.author_id).where(
            Contribution.round_id == round_row.id, Contribution.topic.in_(topics),
            Contribution.deleted_at.is_(None))
    ))
    return [member for member in members if member not in spoke]
