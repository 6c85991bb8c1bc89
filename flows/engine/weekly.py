"""The weekly prompt: once a week, a random situation for the channel to talk about.

A channel has at most one :class:`~flows.store.models.WeeklyRule` (weekday, local time,
IANA zone, enabled). Anyone in the channel sets it with ``/goedwerk weekly on [day]
[HH:MM]`` (default Monday 09:00 channel time, or the rule's earlier choice), turns it
off with ``weekly off`` and looks at it with ``weekly``.

Storage (shared design/scheduling.md): every occurrence is one ``weekly_prompt`` row in
the scheduled-action table, with the dedupe key ``weekly:{channel_id}:{iso-week}`` (the
local ISO week), ``due_at`` the occurrence in UTC and the payload ``{"channel_id",
"situation", "at"}``. The situation is chosen once, when the row is created, so a retry
posts the same one; ``at`` is the occurrence the row stands for (``due_at`` may move on
a retry), which is how a run notices that the rule changed in the meantime.

A run skips when the rule is off or paused, no longer fires at ``at``, or a round is
running in the channel (the team is already talking); it skips and
logs when it is more than :data:`GRACE` late (after downtime only the latest missed
occurrence may still go out). Otherwise it posts a short intro and the situation card
with its "Start a round on this situation" button, in one message. Either way it queues the next
occurrence in the same transaction and records it in ``WeeklyRule.next_run_at``.

The situation: the least used by the channel's *rounds* (:func:`flows.engine.rounds.
choose_situation`, so the pool refills only when every situation had a round), except
the one offered last — the next week's situation is chosen a week ahead, before the
team has had the chance to start a round on this week's.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import datetime
from typing import Any

from babel.dates import get_day_names
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from flows.content.schema import ContentPack
from flows.effects import Effect, Place, Post
from flows.engine import rounds
from flows.engine.catalog import card_in
from flows.engine.defaults import Defaults
from flows.engine.scope import Scope, scope_for_channel
from flows.i18n import N_, moment_marker, t
from flows.scheduling import actions
from flows.scheduling import weekly as times
from flows.store import queries
from flows.store.models import Channel, ScheduledAction, WeeklyRule
from flows.store.sql import among, changed, not_among

log = logging.getLogger("goedwerk.weekly")

WEEKLY_PROMPT = times.WEEKLY_PROMPT
GRACE = times.GRACE
DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = "09:00"
OFFERED = (actions.SENT, actions.SENDING, actions.UNKNOWN)
REARMABLE = (actions.PENDING, actions.SKIPPED)


# -- the command --------------------------------------------------------------------


def command(scope: Scope, content: ContentPack, args: dict[str, Any], rng: random.Random) -> list[Effect]:
    """``weekly`` (show), ``weekly on [day] [HH:MM]`` or ``weekly off``; answers are ephemeral."""
    rule = _rule(scope.session, scope.channel.id)
    if args["mode"] == "show":
        return [_describe(scope, rule)]
    if args["mode"] == "off":
        if rule is None or not rule.enabled:
            return [scope.tell(N_("The weekly situation is already off in this channel."))]
        rule.enabled, rule.next_run_at, rule.updated_at = False, None, scope.now
        _skip_pending(scope.session, scope.channel.id, scope.now, "weekly prompt turned off")
        return [scope.tell(N_("The weekly situation is off. Turn it on again with '/goedwerk weekly on'."))]

    weekday = args["weekday"] if args["weekday"] is not None else (rule.weekday if rule else DEFAULT_WEEKDAY)
    local_time = args["time"] or (rule.local_time if rule else DEFAULT_TIME)
    rule = rule or _new_rule(scope)
    rule.weekday, rule.local_time, rule.timezone = weekday, local_time, scope.zone.key
    rule.enabled, rule.paused_reason, rule.updated_at = True, None, scope.now
    scope.session.flush()
    first = times.next_occurrence(rule.weekday, rule.local_time, rule.timezone, scope.now)
    arm(scope, content, rng, rule, first)
    return [_describe(scope, rule)]


def _new_rule(scope: Scope) -> WeeklyRule:
    """A new rule for the channel (or the one another request created a moment ago)."""
    rule = WeeklyRule(channel_id=scope.channel.id, weekday=DEFAULT_WEEKDAY, local_time=DEFAULT_TIME,
                      timezone=scope.zone.key, enabled=True, created_at=scope.now, updated_at=scope.now)
    try:
        with scope.session.begin_nested():
            scope.session.add(rule)
            scope.session.flush()
        return rule
    except IntegrityError:  # another request made it first: that one is ours
        made = _rule(scope.session, scope.channel.id)
        if made is None:
            raise
        return made


def _describe(scope: Scope, rule: WeeklyRule | None) -> Effect:
    if rule is None:
        return scope.tell(N_("There is no weekly situation in this channel yet. Turn it on with '/goedwerk weekly on "
                             "[day] [HH:MM]' (default: Monday 09:00)."))
    day = _day_name(scope.language, rule.weekday)
    if not rule.enabled:
        return scope.tell(N_("The weekly situation is off in this channel (it was {day} at {time}). Turn it on again "
                             "with '/goedwerk weekly on'."),
                          day=day, time=rule.local_time)
    if rule.paused_reason:
        return scope.tell(N_("The weekly situation is paused because the bot could not post in this channel "
                             "({reason}). Turn it on again with '/goedwerk weekly on'."),
                          reason=rule.paused_reason)
    upcoming = rule.next_run_at or times.next_occurrence(rule.weekday, rule.local_time, rule.timezone, scope.now)
    return scope.tell(N_("Every {day} at {time} ({zone}) this channel gets a situation to talk about. The next one "
                         "comes {moment}."),
                      day=day, time=rule.local_time, zone=rule.timezone,
                      moment=moment_marker(upcoming))


def _day_name(language: str, weekday: int) -> str:
    return str(get_day_names("wide", locale="nl_NL" if language == "nl" else "en_GB")[weekday])


# -- running one occurrence ---------------------------------------------------------


def run_prompt(session: Session, content: ContentPack, defaults: Defaults, rng: random.Random, row: ScheduledAction,
               owner: str, now: datetime) -> list[Effect] | None:
    """Run a reserved ``weekly_prompt`` action; None (and the row settled as skipped) when moot.

    ``defaults`` is the engine's :class:`flows.engine.core.Defaults`.
    """
    def skip(reason: str) -> None:
        actions.settle(session, row.id, owner, actions.SKIPPED, now, error=reason)

    payload = dict(row.payload or {})
    channel = session.get(Channel, row.channel_id, options=[joinedload(Channel.workspace)]) \
        if row.channel_id is not None else None
    if channel is None:
        skip("channel gone")
        return None
    rule = _rule(session, channel.id)
    if rule is None or not rule.enabled:
        log.info("weekly prompt %s skipped: the rule is off", row.dedupe_key)
        skip("weekly prompt turned off")
        return None
    if rule.paused_reason:
        log.info("weekly prompt %s skipped: the rule is paused (%s)", row.dedupe_key, rule.paused_reason)
        skip(f"weekly prompt paused: {rule.paused_reason}")
        return None
    at = payload_moment(payload.get("at"))
    if (at is None or payload.get("channel_id") != channel.id
            or not times.is_occurrence(rule.weekday, rule.local_time, rule.timezone, at)
            or times.dedupe_key(channel.id, at, rule.timezone) != row.dedupe_key):
        log.info("weekly prompt %s skipped: the rule changed since it was queued", row.dedupe_key)
        skip("weekly rule changed")
        return None

    scope = scope_for_channel(session, channel, now, defaults.language, defaults.timezone)
    following = times.resume_after(rule.weekday, rule.local_time, rule.timezone, at, now)
    if times.is_late(at, now):
        skip("too late")  # settled first, so the next situation is not chosen to differ from it
        upcoming = arm(scope, content, rng, rule, following)
        missed = [times.week_of(moment, rule.timezone)
                  for moment in times.missed_between(rule.weekday, rule.local_time, rule.timezone, at, upcoming)]
        log.warning("weekly prompt %s skipped: %s late, more than the grace of %s; also missed: %s; next: %s",
                    row.dedupe_key, now - at, GRACE, ", ".join(missed) or "none", upcoming.isoformat())
        return None
    if queries.active_round(session, channel) is not None:
        skip("a round is running")  # the team is already talking; a second situation would only distract
        upcoming = arm(scope, content, rng, rule, following)
        log.info("weekly prompt %s skipped: a round is running in the channel; next: %s",
                 row.dedupe_key, upcoming.isoformat())
        return None

    number = payload.get("situation")
    if not isinstance(number, int) or content.situation(number) is None:
        number = _choose(scope, content, rng)
        row.payload = {**payload, "situation": number}  # a retry posts this one
    arm(scope, content, rng, rule, following)
    return prompt_effects(scope, content, number, row.dedupe_key)


def prompt_effects(scope: Scope, content: ContentPack, number: int, key: str) -> list[Effect]:
    """One message: a short invitation above the situation card with its start button.

    One post, not two: a channel takes about one message a second, so a second post
    would make every weekly prompt wait on Slack's rate limit.
    """
    return prompt_post(scope.place, scope.language, content, number, key)


def prompt_post(place: Place, language: str, content: ContentPack, number: int, key: str) -> list[Effect]:
    """:func:`prompt_effects` for a channel known by its place and language."""
    card = card_in(language, content, number)
    intro = t(language,
              N_("This week's situation: talk it over together, or start a round on it with the button below."))
    return [Post(place, replace(card, intro=intro), key=key)]


# -- queuing occurrences ------------------------------------------------------------


def arm(scope: Scope, content: ContentPack, rng: random.Random, rule: WeeklyRule, occurrence: datetime) -> datetime:
    """Make sure the rule's row for ``occurrence`` (or the first later week still free) is pending.

    A new row gets a freshly chosen situation (insert, on conflict do nothing); a pending
    or skipped row of that week is moved to ``occurrence`` and keeps its situation; a week
    whose row is already sent or under way is taken, so the next week is tried: never
    two prompts in one week. Other pending rows of the channel are skipped. Returns the
    occurrence queued and records it in ``rule.next_run_at``.
    """
    session = scope.session
    for _ in range(10):
        key = times.dedupe_key(rule.channel_id, occurrence, rule.timezone)
        row = _action(session, key)
        if row is None:
            payload = {"channel_id": rule.channel_id, "situation": _choose(scope, content, rng),
                       "at": occurrence.isoformat()}
            if actions.schedule(session, kind=WEEKLY_PROMPT, dedupe_key=key, due_at=occurrence, now=scope.now,
                                workspace_id=scope.workspace.id, channel_id=rule.channel_id, payload=payload):
                break
            row = _action(session, key)  # another process queued it a moment ago
        if row is not None and _rearm(scope, content, rng, row, occurrence):
            break
        occurrence = times.following(rule.weekday, rule.local_time, rule.timezone, occurrence)
    else:  # pragma: no cover - ten weeks in a row already taken cannot happen
        raise RuntimeError(f"no free week for the weekly prompt of channel {rule.channel_id}")
    skip_other_pending(session, [rule.channel_id], [key], scope.now)
    rule.next_run_at = occurrence
    return occurrence


def skip_other_pending(session: Session, channel_ids: list[int], keep: list[str], now: datetime) -> None:
    """Skip the channels' pending prompts except the ``keep`` keys: queued for a week the rule no longer has."""
    session.execute(
        update(ScheduledAction)
        .where(ScheduledAction.kind == WEEKLY_PROMPT, among(session, ScheduledAction.channel_id, channel_ids),
               ScheduledAction.status == actions.PENDING, not_among(session, ScheduledAction.dedupe_key, keep))
        .values(status=actions.SKIPPED, last_error="weekly rule changed", updated_at=now)
        .execution_options(synchronize_session=False)  # the rows it skips are not in the session
    )


def _rearm(scope: Scope, content: ContentPack, rng: random.Random, row: ScheduledAction,
           occurrence: datetime) -> bool:
    """Point a pending or skipped row at ``occurrence`` (compare-and-set); False when the week is taken."""
    if row.status not in REARMABLE:
        return False
    payload = {**(row.payload or {}), "at": occurrence.isoformat()}
    if not isinstance(payload.get("situation"), int) or content.situation(payload["situation"]) is None:
        payload["situation"] = _choose(scope, content, rng)
    values = dict(status=actions.PENDING, due_at=occurrence, payload=payload, lease_owner=None,
                  lease_expires_at=None, updated_at=scope.now)
    if row.status == actions.SKIPPED:  # never sent: start afresh
        values.update(attempts=0, last_error=None)
    result = scope.session.execute(
        update(ScheduledAction).where(ScheduledAction.id == row.id, ScheduledAction.status == row.status)
        .values(**values).execution_options(synchronize_session=False)
    )
    return changed(result) == 1


def _choose(scope: Scope, content: ContentPack, rng: random.Random) -> int:
    """The least used situation by rounds (random among equals), not the one offered last."""
    return rounds.least_used(candidates(content, _last_offered(scope.session, scope.channel.id)),
                             queries.situation_usage(scope.session, scope.channel), rng)


def candidates(content: ContentPack, last: int | None) -> list[int]:
    """The situations next week's prompt may offer: all but ``last`` (unless it is the only one)."""
    if len(content.situations) > 1:
        return [number for number in content.situations if number != last]
    return list(content.situations)


def _last_offered(session: Session, channel_id: int) -> int | None:
    payload = session.scalar(
        select(ScheduledAction.payload)
        .where(ScheduledAction.kind == WEEKLY_PROMPT, ScheduledAction.channel_id == channel_id,
               ScheduledAction.status.in_(OFFERED))
        .order_by(ScheduledAction.due_at.desc(), ScheduledAction.id.desc()).limit(1)
    )
    number = (payload or {}).get("situation")
    return number if isinstance(number, int) else None


def _skip_pending(session: Session, channel_id: int, now: datetime, reason: str) -> int:
    return changed(session.execute(
        update(ScheduledAction)
        .where(ScheduledAction.kind == WEEKLY_PROMPT, ScheduledAction.channel_id == channel_id,
               ScheduledAction.status == actions.PENDING)
        .values(status=actions.SKIPPED, last_error=reason[:500], updated_at=now)
    ))


# -- pausing ------------------------------------------------------------------------


def pause_unreachable(session: Session, action_id: int, reason: str) -> None:
    """Engine listener: the platform refused the channel of a timed action for good.

    The channel's weekly rule is paused (and its pending prompt skipped) until someone
    turns it on again with ``weekly on``.
    """
    channel_id = session.scalar(select(ScheduledAction.channel_id).where(ScheduledAction.id == action_id))
    rule = _rule(session, channel_id) if channel_id is not None else None
    if channel_id is None or rule is None or not rule.enabled or rule.paused_reason:
        return
    # the dispatcher settled the action a moment ago with its clock: that is our 'now'
    now = session.scalar(select(ScheduledAction.updated_at).where(ScheduledAction.id == action_id))
    if now is None:
        return
    rule.paused_reason, rule.next_run_at = reason[:200], None
    skipped = _skip_pending(session, channel_id, now, f"weekly prompt paused: {reason}")
    log.warning("weekly prompt of channel %s paused (%s); %d pending skipped", channel_id, reason, skipped)


# -- small reads --------------------------------------------------------------------


def _rule(session: Session, channel_id: int) -> WeeklyRule | None:
    return session.scalars(select(WeeklyRule).where(WeeklyRule.channel_id == channel_id)).first()


def _action(session: Session, key: str) -> ScheduledAction | None:
    return session.scalars(select(ScheduledAction).where(ScheduledAction.dedupe_key == key)
                           .execution_options(populate_existing=True)).first()


def payload_moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
