"""Rounds: start, open steps, move on, close, cancel, hand over — and show.

State changes use compare-and-set updates (``WHERE step_index = :from``) so that two
processes can never move one round twice. Each timed step and the close are rows in
the scheduled-action table, written in the same transaction as the round.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import asdict

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from flows.content.schema import ContentPack
from flows.effects import Effect, Ephemeral, Post, Update
from flows.engine import keys, presenters, reminders, retention
from flows.engine.defaults import Defaults
from flows.engine.plan import HEAD, Plan, PlanError, lay_out, parse_plan
from flows.engine.scope import Refusal, Scope
from flows.engine.topics import topics_of
from flows.i18n import N_, mention_marker
from flows.scheduling import actions
from flows.store import queries
from flows.store.sql import changed
from flows.store.models import ROUND_ACTIVE, ROUND_CANCELLED, ROUND_CLOSED, Round, RoundStep, SummaryDraft
from flows.summary.draft import compose
from flows.views import Notice, SummaryView

OPEN_STEP = "open_step"
CLOSE_ROUND = "close_round"


def phase_key(round_id: int, index: int) -> str:
    return f"phase:{round_id}:{index}"


def close_key(round_id: int) -> str:
    return f"close:{round_id}"


def may_facilitate(scope: Scope, round_row: Round) -> bool:
    return scope.actor.user == round_row.facilitator_id or scope.actor.is_admin


def require_facilitator(scope: Scope, round_row: Round) -> None:
    if not may_facilitate(scope, round_row):
        raise Refusal(N_("Only the facilitator of this round ({facilitator}) or an admin can do that."),
                      facilitator=mention_marker(round_row.facilitator_id))


def require_active(scope: Scope) -> Round:
    round_row = queries.active_round(scope.session, scope.channel)
    if round_row is None:
        raise Refusal(N_("There is no active round in this channel. Start one with '/goedwerk start'."))
    return round_row


def choose_situation(scope: Scope, content: ContentPack, rng: random.Random) -> int:
    """A random situation the channel has had least often (never, until all were used)."""
    return least_used(content.situations, queries.situation_usage(scope.session, scope.channel), rng)


def least_used(numbers: Iterable[int], usage: dict[int, int], rng: random.Random) -> int:
    """A random one of ``numbers`` with the fewest rounds in ``usage`` (situation -> rounds)."""
    counts = {number: usage.get(number, 0) for number in numbers}
    fewest = min(counts.values())
    return rng.choice(sorted(number for number, count in counts.items() if count == fewest))


def start(scope: Scope, content: ContentPack, defaults: Defaults, *, situation: int | None,
          plan_text: str | None, rng: random.Random) -> list[Effect]:
    """Start a round; ``defaults`` is the engine's :class:`flows.engine.core.Defaults`."""
    existing = queries.active_round(scope.session, scope.channel)
    if existing is not None:
        return [scope.tell(N_("A round is already running in this channel; here it is.")),
                scope_ephemeral_view(scope, content, existing)]
    try:
        plan = parse_plan(plan_text or defaults.plan)
    except PlanError as error:
        raise Refusal(N_("That plan cannot be used: {problem}"), problem=str(error)) from None
    number = situation if situation is not None else choose_situation(scope, content, rng)
    if content.situation(number) is None:
        raise Refusal(N_("There is no situation {number}. See '/goedwerk situations'."), number=number)

    windows = lay_out(plan, scope.now, scope.zone)
    round_row = Round(
        channel_id=scope.channel.id, situation_number=number, plan=plan.text, status=ROUND_ACTIVE,
        step_index=0, facilitator_id=scope.actor.user, started_by=scope.actor.user,
        started_at=scope.now, deadline_at=windows[-1][1],
        steps=[RoundStep(position=i, name=step.name, starts_at=begin, ends_at=end,
                         opened_at=scope.now if i == 0 else None)
               for i, (step, (begin, end)) in enumerate(zip(plan.steps, windows, strict=True))],
    )
    try:
        with scope.session.begin_nested():
            scope.session.add(round_row)
            scope.session.flush()
    except IntegrityError:  # another request started one a moment ago
        raise Refusal(N_("A round is already running in this channel.")) from None
    queries.note_member(scope.session, scope.channel, scope.actor.user, scope.now)
    for index in range(1, len(plan.steps)):
        actions.schedule(scope.session, kind=OPEN_STEP, dedupe_key=phase_key(round_row.id, index),
                         due_at=windows[index][0], now=scope.now, workspace_id=scope.workspace.id,
                         channel_id=scope.channel.id, round_id=round_row.id,
                         payload={"round_id": round_row.id, "index": index})
    actions.schedule(scope.session, kind=CLOSE_ROUND, dedupe_key=close_key(round_row.id),
                     due_at=round_row.deadline_at, now=scope.now, workspace_id=scope.workspace.id,
                     channel_id=scope.channel.id, round_id=round_row.id, payload={"round_id": round_row.id})
    reminders.schedule_reminders(scope, round_row, plan, windows, defaults.remind_at)
    effects: list[Effect] = [
        Post(scope.place, presenters.round_view(scope, content, round_row), key=keys.kickoff(round_row.id))
    ]
    effects += _prompts(scope, content, round_row, plan, 0)
    return effects


def scope_ephemeral_view(scope: Scope, content: ContentPack, round_row: Round) -> Effect:
    return Ephemeral(scope.place, scope.actor.user, presenters.round_view(scope, content, round_row))


def _prompts(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, index: int) -> list[Effect]:
    return [Post(scope.place, presenters.prompt_view(scope, content, round_row, plan, topic),
                 key=keys.prompt(round_row.id, topic))
            for topic in topics_of(plan.steps[index])]


def _move_to(scope: Scope, round_row: Round, index: int) -> bool:
    """Compare-and-set the round's step forward to ``index``; False when someone beat us."""
    result = scope.session.execute(
        update(Round).where(Round.id == round_row.id, Round.status == ROUND_ACTIVE,
                            Round.step_index < index).values(step_index=index)
    )
    if changed(result) != 1:
        return False
    scope.session.refresh(round_row)
    step = round_row.steps[index]
    if step.opened_at is None:
        step.opened_at = scope.now
    return True


def open_step(scope: Scope, content: ContentPack, round_row: Round, index: int, *,
              resend: bool = False) -> list[Effect]:
    """The clock opens step ``index``: post its prompts and refresh the kickoff message.

    With ``resend`` (a retry after an unknown outcome) a step that is already open gets
    its effects again; the adapter skips messages it can show were sent.
    """
    plan = parse_plan(round_row.plan)
    if round_row.status != ROUND_ACTIVE:
        return []
    if not _move_to(scope, round_row, index):
        if not (resend and round_row.step_index == index):
            return []
    return _opened(scope, content, round_row, plan, index)


def _opened(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, index: int) -> list[Effect]:
    """What the channel sees when a step opens; the tail also gets the draft so far to work from."""
    effects = _prompts(scope, content, round_row, plan, index) + [_kickoff_update(scope, content, round_row)]
    if plan.steps[index].kind == "tail":  # the draft so far, to work on together
        _store_draft(scope, round_row, draft_for(scope, content, round_row, final=False))
        effects.append(Post(scope.place, _image_view(scope, content, round_row), key=keys.draft(round_row.id),
                            thread_key=keys.prompt(round_row.id, plan.steps[index].name)))
    return effects


def next_step(scope: Scope, content: ContentPack) -> list[Effect]:
    round_row = require_active(scope)
    require_facilitator(scope, round_row)
    plan = parse_plan(round_row.plan)
    index = round_row.step_index + 1
    if index >= len(plan.steps):
        raise Refusal(N_("This is the last step. Use '/goedwerk close' to close the round."))
    if not _move_to(scope, round_row, index):
        raise Refusal(N_("The round has just moved on; try again."))
    round_row.steps[index].starts_at = scope.now
    actions.skip(scope.session, phase_key(round_row.id, index), scope.now, "opened early by the facilitator")
    return _opened(scope, content, round_row, plan, index) + [scope.tell(N_("The next step has started."))]


def _kickoff_update(scope: Scope, content: ContentPack, round_row: Round) -> Effect:
    ready = round_row.status == ROUND_CLOSED
    return Update(scope.place, keys.kickoff(round_row.id), presenters.round_view(scope, content, round_row, ready))


def draft_for(scope: Scope, content: ContentPack, round_row: Round, *, final: bool) -> SummaryView:
    situation = presenters.situation_of(content, round_row)
    stored = scope.session.query(SummaryDraft).filter_by(round_id=round_row.id).first()
    experience = stored.content.get("experience_id") if stored else None
    return compose(content, scope.language, round_row.id, situation,
                   queries.contributions(scope.session, round_row), experience_id=experience, final=final)


def close(scope: Scope, content: ContentPack, round_row: Round, *, by_hand: bool,
          resend: bool = False) -> list[Effect]:
    """Close the round (compare-and-set), store and post the draft image of good work."""
    if by_hand:
        require_facilitator(scope, round_row)
    result = scope.session.execute(
        update(Round).where(Round.id == round_row.id, Round.status == ROUND_ACTIVE)
        .values(status=ROUND_CLOSED, closed_at=scope.now)
    )
    if changed(result) != 1 and not (resend and round_row.status == ROUND_CLOSED):
        return [scope.tell(N_("This round has already ended."))] if by_hand else []
    scope.session.refresh(round_row)
    # a retried close (after a crash) must not cancel the purge its first attempt queued
    actions.cancel_pending(scope.session, round_id=round_row.id, now=scope.now, reason="round closed",
                           keep=retention.KINDS)
    retention.round_closed(scope, round_row)
    draft = draft_for(scope, content, round_row, final=True)
    effects: list[Effect] = [_kickoff_update(scope, content, round_row)]
    if draft.contributions == 0:
        effects.append(Post(scope.place, Notice(scope.language, scope.t(
            N_("The round on '{title}' has closed. Nobody wrote anything this time, so there is no image of good work "
               "to summarise. Start again whenever it suits the team."),
            title=draft.situation_title))))
        return effects
    _store_draft(scope, round_row, draft)
    effects.append(Post(scope.place, _image_view(scope, content, round_row), key=keys.summary(round_row.id)))
    if by_hand:
        effects.append(scope.tell(N_("The round is closed and the draft has been posted.")))
    return effects


def pick_experience(scope: Scope, content: ContentPack, contribution_id: int) -> list[Effect]:
    """The facilitator picks which head story the draft uses as the characteristic experience."""
    round_row = queries.active_round(scope.session, scope.channel) or queries.latest_round(scope.session, scope.channel)
    if round_row is None:
        raise Refusal(N_("There is no round in this channel yet. Start one with '/goedwerk start'."))
    stored = scope.session.query(SummaryDraft).filter_by(round_id=round_row.id).first()
    builder = (stored.content or {}).get("image_builder") if stored is not None else None
    if builder != scope.actor.user:  # the image builder picks the story like the facilitator
        require_facilitator(scope, round_row)
    story = next((row for row in queries.contributions(scope.session, round_row)
                  if row.id == contribution_id and row.topic == HEAD and not row.passed), None)
    if story is None:
        raise Refusal(N_("Contribution {number} is not a story from the head of this round."), number=contribution_id)
    stored = scope.session.query(SummaryDraft).filter_by(round_id=round_row.id).first()
    if stored is None:
        scope.session.add(SummaryDraft(round_id=round_row.id, content={"experience_id": story.id},
                                       status="draft", created_at=scope.now, updated_at=scope.now))
    else:
        stored.content = {**stored.content, "experience_id": story.id}
        stored.updated_at = scope.now
    scope.session.flush()
    final = round_row.status == ROUND_CLOSED
    draft = draft_for(scope, content, round_row, final=final)
    effects: list[Effect] = [scope.tell(N_("Story {number} is now the characteristic experience."), number=story.id)]
    if final:
        _store_draft(scope, round_row, draft)
        effects.append(Update(scope.place, keys.summary(round_row.id), _image_view(scope, content, round_row)))
    else:
        effects.append(Ephemeral(scope.place, scope.actor.user, draft))
    return effects


def _image_view(scope: Scope, content: ContentPack, round_row: Round) -> SummaryView:
    """The stored draft with the team's work on it and its buttons (see :mod:`flows.engine.image`)."""
    from flows.engine import image  # image builds on this module; imported here to keep one direction

    stored = scope.session.query(SummaryDraft).filter_by(round_id=round_row.id).one()
    return image.view_of(scope, content, round_row, stored)


def _store_draft(scope: Scope, round_row: Round, draft: SummaryView) -> None:
    content = {k: v for k, v in asdict(draft).items() if k != "choices"}
    stored = scope.session.query(SummaryDraft).filter_by(round_id=round_row.id).first()
    if stored is None:
        scope.session.add(SummaryDraft(round_id=round_row.id, content=content, status="draft",
                                       created_at=scope.now, updated_at=scope.now))
    else:
        stored.content = {**stored.content, **content}
        stored.updated_at = scope.now


def cancel(scope: Scope, content: ContentPack) -> list[Effect]:
    round_row = require_active(scope)
    require_facilitator(scope, round_row)
    scope.session.execute(
        update(Round).where(Round.id == round_row.id, Round.status == ROUND_ACTIVE)
        .values(status=ROUND_CANCELLED, closed_at=scope.now)
    )
    scope.session.refresh(round_row)
    actions.cancel_pending(scope.session, round_id=round_row.id, now=scope.now, reason="round cancelled")
    return [_kickoff_update(scope, content, round_row),
            Post(scope.place, Notice(scope.language, scope.t(
                N_("The facilitator has stopped this round. The contributions stay visible in the threads.")))),
            scope.tell(N_("The round has been stopped."))]


def hand_over(scope: Scope, content: ContentPack, user: str) -> list[Effect]:
    round_row = require_active(scope)
    require_facilitator(scope, round_row)
    round_row.facilitator_id = user
    queries.note_member(scope.session, scope.channel, user, scope.now)
    return [Post(scope.place, Notice(scope.language, scope.t(
                N_("{user} is now the facilitator of this round."), user=mention_marker(user)))),
            _kickoff_update(scope, content, round_row)]


def status(scope: Scope, content: ContentPack) -> list[Effect]:
    round_row = queries.active_round(scope.session, scope.channel) or queries.latest_round(scope.session, scope.channel)
    if round_row is None:
        return [scope.tell(N_("There is no round in this channel yet. Start one with '/goedwerk start'."))]
    return [scope_ephemeral_view(scope, content, round_row)]


def summary(scope: Scope, content: ContentPack) -> list[Effect]:
    round_row = queries.active_round(scope.session, scope.channel) or queries.latest_round(scope.session, scope.channel)
    if round_row is None:
        return [scope.tell(N_("There is no round in this channel yet. Start one with '/goedwerk start'."))]
    in_tail = round_row.status == ROUND_ACTIVE and parse_plan(round_row.plan).steps[round_row.step_index].kind == "tail"
    if (in_tail or round_row.status == ROUND_CLOSED) and \
            scope.session.query(SummaryDraft).filter_by(round_id=round_row.id).first() is not None:
        # the team works on the draft: show it as 'beeld' does, votes, title and edits included
        return [Ephemeral(scope.place, scope.actor.user, _image_view(scope, content, round_row))]
    draft = draft_for(scope, content, round_row, final=round_row.status == ROUND_CLOSED)
    return [Ephemeral(scope.place, scope.actor.user, draft)]
