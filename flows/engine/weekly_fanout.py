"""Many weekly prompts at once: the minute thousands of channels are due together.

:func:`run_prompts` does for a batch of reserved ``weekly_prompt`` rows what
:func:`flows.engine.weekly.run_prompt` does for one, in a handful of statements for the
whole batch instead of about ten per prompt. Only the common case takes this path: the
rule is on and unchanged, the prompt is on time with a valid situation, no round runs
in the channel, nothing was offered in the channel after it, and next week's row does
not exist yet. Every other row goes through ``run_prompt`` as before, and a row whose
next week another process queued a moment ago through ``arm``, in the same transaction:
both paths decide alike, and draw next week's situation the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import DateTime, Integer, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from flows.content.schema import ContentPack
from flows.effects import Effect, Place
from flows.engine import rounds, weekly
from flows.engine.defaults import Defaults
from flows.engine.scope import channel_language, scope_for_channel
from flows.scheduling import actions
from flows.scheduling import weekly as times
from flows.store.models import ROUND_ACTIVE, Channel, Round, ScheduledAction, WeeklyRule, Workspace
from flows.store.sql import among, is_postgresql, records


@dataclass
class _Plan:
    """A prompt on the common path: what it posts and which week comes next."""

    row: ScheduledAction
    channel: Any
    """A :class:`Row`: the channel's id, place and language (:data:`_CHANNEL_FACTS`), not an ORM object:
    the common path reads the batch's channels and rules as plain rows."""
    rule: Any
    """A :class:`Row`: the rule's id and times (:data:`_RULE_FACTS`)."""
    situation: int
    following: datetime
    next_key: str
    next_situation: int | None = None

    def place(self) -> Place:
        return Place(self.channel.platform, self.channel.workspace_external_id, self.channel.external_id)


_CHANNEL_FACTS = (Channel.id, Channel.external_id, Channel.language, Channel.workspace_id, Workspace.platform,
                  Workspace.external_id.label("workspace_external_id"))
_RULE_FACTS = (WeeklyRule.id, WeeklyRule.channel_id, WeeklyRule.weekday, WeeklyRule.local_time,
               WeeklyRule.timezone, WeeklyRule.enabled, WeeklyRule.paused_reason)


def run_prompts(session: Session, content: ContentPack, defaults: Defaults, rng: random.Random,
                rows: list[ScheduledAction], owner: str, now: datetime) -> dict[int, list[Effect] | None]:
    """Run reserved ``weekly_prompt`` rows; the effects to send per action id (None when moot).

    ``defaults`` is the engine's :class:`flows.engine.core.Defaults`.
    """
    facts = _Facts(session, rows)
    plans = {row.id: plan for row in rows if (plan := facts.plan(row, content, now)) is not None}
    taken = facts.next_weeks_taken(list(plans.values()))
    plans = {row_id: plan for row_id, plan in plans.items() if plan.next_key not in taken}

    results: dict[int, list[Effect] | None] = {}
    for row in rows:  # in due order, so next week's situations are drawn in the order one by one would
        plan = plans.get(row.id)
        if plan is None:
            results[row.id] = weekly.run_prompt(session, content, defaults, rng, row, owner, now)
        else:
            plan.next_situation = rounds.least_used(weekly.candidates(content, plan.situation),  # as arm would
                                                    facts.usage.get(plan.rule.channel_id, {}), rng)
    queued = _queue_next_weeks(session, list(plans.values()), now)
    for plan in plans.values():
        if plan.next_key not in queued:  # another process queued that week a moment ago: the careful way
            _arm(session, content, defaults, rng, plan, now)
        language = channel_language(plan.channel, defaults.language)
        results[plan.row.id] = weekly.prompt_post(plan.place(), language, content, plan.situation, plan.row.dedupe_key)
    fast = [plan for plan in plans.values() if plan.next_key in queued]
    if fast:  # as arm does (those that went through arm did it themselves)
        _move_rules(session, fast)
        weekly.skip_other_pending(session, [plan.rule.channel_id for plan in fast], list(queued), now)
    return results


def _arm(session: Session, content: ContentPack, defaults: Defaults, rng: random.Random, plan: _Plan,
         now: datetime) -> None:
    """Queue the plan's next week through :func:`flows.engine.weekly.arm`, with the ORM
    objects it works on."""
    channel = session.get_one(Channel, plan.channel.id)
    scope = scope_for_channel(session, channel, now, defaults.language, defaults.timezone)
    weekly.arm(scope, content, rng, session.get_one(WeeklyRule, plan.rule.id), plan.following)


class _Facts:
    """What the batch's channels look like, read with one statement per kind of fact."""

    def __init__(self, session: Session, rows: list[ScheduledAction]) -> None:
        self.session = session
        ids = [row.channel_id for row in rows if row.channel_id is not None]
        self.twice = {channel for channel in set(ids) if ids.count(channel) > 1}
        self.channels = {channel.id: channel for channel in session.execute(
            select(*_CHANNEL_FACTS).join(Workspace, Channel.workspace_id == Workspace.id)
            .where(among(session, Channel.id, ids)))}
        self.rules = {rule.channel_id: rule for rule in session.execute(
            select(*_RULE_FACTS).where(among(session, WeeklyRule.channel_id, ids)))}
        self.busy = set(session.scalars(select(Round.channel_id).where(among(session, Round.channel_id, ids),
                                                                       Round.status == ROUND_ACTIVE)))
        self.usage: dict[int, dict[int, int]] = {}
        for channel_id, number, count in session.execute(
                select(Round.channel_id, Round.situation_number, func.count())
                .where(among(session, Round.channel_id, ids)).group_by(Round.channel_id, Round.situation_number)):
            self.usage.setdefault(channel_id, {})[number] = count
        earliest = min((row.due_at for row in rows), default=None)
        self.offered: dict[int, list[tuple[datetime, int]]] = {}
        if earliest is not None:
            for offered_in, due_at, action_id in session.execute(
                    select(ScheduledAction.channel_id, ScheduledAction.due_at, ScheduledAction.id)
                    .where(ScheduledAction.kind == weekly.WEEKLY_PROMPT,
                           among(session, ScheduledAction.channel_id, ids),
                           ScheduledAction.status.in_(weekly.OFFERED), ScheduledAction.due_at >= earliest)):
                if offered_in is not None:
                    self.offered.setdefault(offered_in, []).append((due_at, action_id))

    def plan(self, row: ScheduledAction, content: ContentPack, now: datetime) -> _Plan | None:
        """The row's plan when it takes the common path, else None."""
        channel, rule = self.channels.get(row.channel_id), self.rules.get(row.channel_id)
        payload = row.payload or {}
        at = weekly.payload_moment(payload.get("at"))
        number = payload.get("situation")
        if (channel is None or rule is None or not rule.enabled or rule.paused_reason or at is None
                or channel.id in self.twice or channel.id in self.busy or payload.get("channel_id") != channel.id
                or not isinstance(number, int) or content.situation(number) is None or times.is_late(at, now)
                or not times.is_occurrence(rule.weekday, rule.local_time, rule.timezone, at)
                or times.dedupe_key(channel.id, at, rule.timezone) != row.dedupe_key
                or any(other > (row.due_at, row.id) for other in self.offered.get(channel.id, ()))):
            return None
        following = times.resume_after(rule.weekday, rule.local_time, rule.timezone, at, now)
        return _Plan(row, channel, rule, number, following, times.dedupe_key(channel.id, following, rule.timezone))

    def next_weeks_taken(self, plans: list[_Plan]) -> set[str]:
        """The next-week keys that already have a row (those prompts take the careful way)."""
        keys = [plan.next_key for plan in plans]
        if not keys:
            return set()
        return set(self.session.scalars(select(ScheduledAction.dedupe_key).where(
            among(self.session, ScheduledAction.dedupe_key, keys))))


_RULE_TIMES = {"rule": Integer, "following": DateTime(timezone=True)}


def _move_rules(session: Session, plans: list[_Plan]) -> None:
    """Set each plan's rule to its next week in one statement, as ``rule.next_run_at = …``
    would but without loading and flushing each rule (on PostgreSQL an ``UPDATE … FROM`` the
    rows as one parameter, on SQLite one statement run once per row)."""
    table = cast(Table, WeeklyRule.__table__)
    times_of = [{"rule": plan.rule.id, "following": plan.following} for plan in plans]
    if is_postgresql(session):
        rows = records(_RULE_TIMES, times_of)
        session.execute(update(table).where(table.c.id == rows.c.rule).values(next_run_at=rows.c.following))
    else:
        session.execute(update(table).where(table.c.id == bindparam("rule"))
                        .values(next_run_at=bindparam("following")), times_of)


def _queue_next_weeks(session: Session, plans: list[_Plan], now: datetime) -> set[str]:
    """Queue next week's row of every plan in one statement; the keys queued."""
    return actions.schedule_many(session, [
        dict(kind=weekly.WEEKLY_PROMPT, dedupe_key=plan.next_key, due_at=plan.following,
             workspace_id=plan.channel.workspace_id, channel_id=plan.rule.channel_id,
             payload={"channel_id": plan.rule.channel_id, "situation": plan.next_situation,
                      "at": plan.following.isoformat()}) for plan in plans], now)
