"""Reminders that help and do not nag.

Once per step, at a set point of the step (80 % by default), everyone in the channel
who has neither contributed to nor passed that step gets one private message with a
way straight into the form. People who opted out get none. In the channel the bot
names no one: it may post one nudge naming the perspectives nobody wrote about yet.

Timing: each step gets one ``remind_step`` row when the round starts. When it runs it
queues one ``remind_user`` row per silent member (dedupe key per person and step), so
each private message is sent at most once, even across processes and crashes. With a
day-based plan, messages wait for working hours (08:00–18:00, Monday to Friday, channel
time) and lapse when the step ends first.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from flows.content.schema import ContentPack
from flows.effects import DirectMessage, Effect, Post
from flows.engine import keys, presenters
from flows.engine.plan import Plan, parse_plan
from flows.engine.progress import progress, silent_members
from flows.engine.scope import Scope
from flows.engine.topics import label, topics_of
from flows.i18n import N_
from flows.scheduling import actions
from flows.store.models import ROUND_ACTIVE, Person, Round
from flows.views import Choice, Notice, ReminderView

REMIND_STEP = "remind_step"
REMIND_USER = "remind_user"
DEFAULT_REMIND_AT = 0.8
QUIET_START, QUIET_END = time(8, 0), time(18, 0)


def step_key(round_id: int, index: int) -> str:
    return f"remind:{round_id}:{index}"


def user_key(round_id: int, index: int, user: str) -> str:
    return f"remind:{round_id}:{index}:{user}"


def allowed_moment(moment: datetime, zone: ZoneInfo) -> datetime:
    """The first moment at or after ``moment`` inside working hours (weekdays 08:00–18:00)."""
    local = moment.astimezone(zone)
    while True:
        if local.weekday() < 5 and QUIET_START <= local.time() < QUIET_END:
            return local.astimezone(moment.tzinfo)
        if local.weekday() < 5 and local.time() < QUIET_START:
            local = datetime.combine(local.date(), QUIET_START, tzinfo=zone)
        else:
            local = datetime.combine(local.date() + timedelta(days=1), QUIET_START, tzinfo=zone)


def reminder_time(plan: Plan, index: int, begin: datetime, end: datetime, zone: ZoneInfo,
                  remind_at: float) -> datetime | None:
    """When step ``index``'s reminder goes out, or None when it would fall after the step."""
    due = begin + (end - begin) * remind_at
    if plan.steps[index].unit == "d":
        due = allowed_moment(due, zone)
    return due if due < end else None


def schedule_reminders(scope: Scope, round_row: Round, plan: Plan, windows: list[tuple[datetime, datetime]],
                       remind_at: float) -> None:
    """Queue one ``remind_step`` row per step (called in the transaction that starts the round)."""
    for index, (begin, end) in enumerate(windows):
        due = reminder_time(plan, index, begin, end, scope.zone, remind_at)
        if due is not None:
            actions.schedule(scope.session, kind=REMIND_STEP, dedupe_key=step_key(round_row.id, index), due_at=due,
                             now=scope.now, workspace_id=scope.workspace.id, channel_id=scope.channel.id,
                             round_id=round_row.id, payload={"round_id": round_row.id, "index": index})


def _opted_out(scope: Scope, users: list[str]) -> set[str]:
    return set(scope.session.scalars(select(Person.external_id).where(
        Person.workspace_id == scope.workspace.id, Person.external_id.in_(users),
        Person.reminders_enabled.is_(False))))


def remind_step(scope: Scope, content: ContentPack, round_row: Round, index: int,
                members: list[str]) -> list[Effect]:
    """Queue a private reminder per silent member; return the channel nudge, if any."""
    if round_row.status != ROUND_ACTIVE or round_row.step_index != index:
        return []  # the step is over (moved on by hand, or closed): the reminder lapses
    if round_row.steps[index].ends_at <= scope.now:
        return []  # we were down until after the step: too late to help
    plan = parse_plan(round_row.plan)
    silent = silent_members(scope.session, round_row, plan, index, members)
    for user in sorted(set(silent) - _opted_out(scope, silent)):
        actions.schedule(scope.session, kind=REMIND_USER, dedupe_key=user_key(round_row.id, index, user),
                         due_at=scope.now, now=scope.now, workspace_id=scope.workspace.id,
                         channel_id=scope.channel.id, round_id=round_row.id, user_id=user,
                         payload={"round_id": round_row.id, "index": index, "user": user})
    opened = [topic for step in plan.steps[: index + 1] for topic in topics_of(step)]
    empty = [topic for topic in progress(scope.session, round_row, plan).empty_topics() if topic in opened]
    if not empty:
        return []
    names = ", ".join(label(content, scope.language, topic) for topic in empty)
    nudge = Notice(scope.language, scope.t(N_("Nobody has written about {topics} yet. Every view helps, even a short "
                                              "one."),
                                           topics=names))
    return [Post(scope.place, nudge, thread_key=keys.prompt(round_row.id, topics_of(plan.steps[index])[0]))]


def remind_user(scope: Scope, content: ContentPack, round_row: Round, index: int, user: str) -> list[Effect]:
    """The private reminder itself, if the person is still silent and the step still open."""
    if round_row.status != ROUND_ACTIVE or round_row.step_index != index:
        return []
    if round_row.steps[index].ends_at <= scope.now:
        return []
    plan = parse_plan(round_row.plan)
    if user not in silent_members(scope.session, round_row, plan, index, [user]) or _opted_out(scope, [user]):
        return []
    situation = presenters.situation_of(content, round_row)
    topics = topics_of(plan.steps[index])
    choices = tuple(Choice(scope.t(N_("Contribute: {topic}"), topic=label(content, scope.language, topic)),
                           presenters.CONTRIBUTE, f"{round_row.id}:{topic}", primary=True) for topic in topics)
    choices += (Choice(scope.t(N_("Nothing to add")), presenters.PASS, f"{round_row.id}:{plan.steps[index].name}"),)
    view = ReminderView(scope.language, round_row.id, scope.channel.external_id, situation.title.get(scope.language),
                        " + ".join(label(content, scope.language, topic) for topic in topics),
                        round_row.steps[index].ends_at, choices)
    return [DirectMessage(scope.place, user, view, key=user_key(round_row.id, index, user))]
