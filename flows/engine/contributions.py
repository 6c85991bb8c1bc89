"""Contributing, passing, editing and deleting — with the rules of the method.

A contribution goes to a topic whose step has started, until the round closes.
Text is at most 3000 characters and is never cut silently. Delivering the same
submission twice stores it once (unique idempotency key).
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flows.content.schema import ContentPack
from flows.effects import Effect, Post, Remove, Update
from flows.engine import keys, presenters
from flows.engine.plan import Plan, parse_plan
from flows.engine.scope import Refusal, Scope
from flows.engine.topics import VALUES_TOPIC, label, resolve, step_of_topic, topics_of
from flows.i18n import N_, moment_marker
from flows.store import queries
from flows.store.models import ROUND_ACTIVE, Contribution, ContributionVirtue, Round

MAX_TEXT = 3000
RELEASED_KEY_PREFIX = "gone:"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and outer white space."""
    return _CONTROL.sub("", text).strip()


def _active_round(scope: Scope, round_id: int | None) -> tuple[Round, Plan]:
    round_row = queries.active_round(scope.session, scope.channel)
    if round_row is None or (round_id is not None and round_row.id != round_id):
        raise Refusal(N_("There is no active round here to contribute to; it may have closed."))
    return round_row, parse_plan(round_row.plan)


def _open_topic(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, word: str) -> str:
    topic = resolve(content, plan, word)
    if topic is None:
        for step in plan.steps:
            if step.name == word.lower() and len(topics_of(step)) > 1:
                raise Refusal(N_("That step has several perspectives; choose one: {choices}."),
                              choices=", ".join(topics_of(step)))
        raise Refusal(N_("'{word}' is not a step of this round. Steps: {steps}."),
                      word=word[:40], steps=", ".join(step.name for step in plan.steps))
    index = step_of_topic(plan, topic)
    if index is not None and index > round_row.step_index:
        opens = round_row.steps[index].starts_at
        raise Refusal(N_("That step has not started yet; it opens {moment}."),
                      moment=moment_marker(opens))
    return topic


def _virtue_words(content: ContentPack, chosen: tuple[str, ...]) -> list[str]:
    """Map chosen virtue names (Dutch or English, any case) to the pack's Dutch words."""
    known = {}
    for virtue in content.virtues:
        known[virtue.nl.lower()] = virtue.nl
        known[virtue.en.lower()] = virtue.nl
    words = []
    for name in chosen:
        word = known.get(name.strip().lower())
        if word is None:
            raise Refusal(N_("'{name}' is not on the list of virtues."), name=name[:75])
        if word not in words:
            words.append(word)
    return words


def contribute(scope: Scope, content: ContentPack, *, topic: str, text: str, anonymous: bool = False,
               passed: bool = False, virtues: tuple[str, ...] = (), idempotency_key: str | None = None,
               round_id: int | None = None) -> list[Effect]:
    round_row, plan = _active_round(scope, round_id)
    topic = _open_topic(scope, content, round_row, plan, topic)
    text = "" if passed else clean_text(text)
    if len(text) > MAX_TEXT:
        raise Refusal(N_("Your text has {length} characters; the limit is {limit}. Nothing was stored."),
                      length=len(text), limit=MAX_TEXT)
    words = _virtue_words(content, virtues)
    if words and topic != VALUES_TOPIC:
        raise Refusal(N_("Virtues can be chosen in the values and virtues step only."))
    if not text and not words and not passed:
        raise Refusal(N_("An empty contribution was not stored. Write something, or pass."))
    key = idempotency_key or _derived_key(round_row.id, scope.actor.user, topic, text, anonymous, passed, words)
    row = Contribution(
        round_id=round_row.id, topic=topic, author_id=scope.actor.user,
        author_name=scope.actor.user_name, text=text, anonymous=anonymous, passed=passed,
        idempotency_key=key[:200], created_at=scope.now,
        virtues=[ContributionVirtue(virtue=word) for word in words],
    )
    try:
        with scope.session.begin_nested():
            scope.session.add(row)
            scope.session.flush()
    except IntegrityError:
        return [scope.tell(N_("This contribution was already stored."))]
    queries.note_member(scope.session, scope.channel, scope.actor.user, scope.now)
    effects: list[Effect] = []
    if not passed:
        effects.append(Post(scope.place, presenters.contribution_view(scope, content, row),
                            key=keys.contribution(row.id), thread_key=keys.prompt(round_row.id, topic)))
        effects.append(scope.tell(N_("Thank you — stored as number {number}. You can change it with 'edit {number} "
                                     "<text>' or remove it with 'delete {number}' until the round closes."),
                                  number=row.id))
    else:
        effects.append(scope.tell(N_("Noted: nothing to add on {topic}. That counts as taking part."),
                                  topic=label(content, scope.language, topic)))
    effects.append(Update(scope.place, keys.kickoff(round_row.id), presenters.round_view(scope, content, round_row)))
    return effects


def pass_step(scope: Scope, content: ContentPack, word: str, round_id: int | None = None) -> list[Effect]:
    """Pass a topic, or every topic of a step named as a whole (``handelingen+kennis``)."""
    round_row, plan = _active_round(scope, round_id)
    names = [step for step in plan.steps if step.name == word.lower()]
    topics = topics_of(names[0]) if names else (word,)
    effects: list[Effect] = []
    for topic in topics:
        effects += contribute(scope, content, topic=topic, text="", passed=True, round_id=round_row.id)
    # one refreshed kickoff message is enough: keep only the last update of it
    kickoff = keys.kickoff(round_row.id)
    last = max(i for i, effect in enumerate(effects) if isinstance(effect, Update) and effect.key == kickoff)
    return [effect for i, effect in enumerate(effects)
            if not (isinstance(effect, Update) and effect.key == kickoff and i != last)]


def _derived_key(round_id: int, user: str, topic: str, text: str, anonymous: bool, passed: bool,
                 words: list[str]) -> str:
    digest = hashlib.sha256("\x1f".join([text, str(anonymous), str(passed), *words]).encode()).hexdigest()
    return f"c:{round_id}:{user}:{topic}:{digest[:32]}"


def own_contribution(scope: Scope, contribution_id: int) -> tuple[Contribution, Round]:
    """The actor's own live contribution in this channel's active round, or a refusal."""
    found = scope.session.execute(
        select(Contribution, Round).join(Round, Contribution.round_id == Round.id)
        .where(Contribution.id == contribution_id, Round.channel_id == scope.channel.id)
    ).first()
    if found is None or found[0].deleted_at is not None:
        raise Refusal(N_("There is no contribution {number} in this channel."), number=contribution_id)
    row, round_row = found
    if row.author_id != scope.actor.user:
        raise Refusal(N_("Only the author can change or delete a contribution."))
    if round_row.status != ROUND_ACTIVE:
        raise Refusal(N_("The round has closed; contributions can no longer be changed."))
    return row, round_row


def edit(scope: Scope, content: ContentPack, contribution_id: int, text: str, anonymous: bool | None = None,
         virtues: tuple[str, ...] | None = None) -> list[Effect]:
    row, round_row = own_contribution(scope, contribution_id)
    if row.passed:
        raise Refusal(N_("That was a pass; contribute instead to add text."))
    text = clean_text(text)
    if len(text) > MAX_TEXT:
        raise Refusal(N_("Your text has {length} characters; the limit is {limit}. Nothing was stored."),
                      length=len(text), limit=MAX_TEXT)
    if not text and not (virtues or row.virtues):
        raise Refusal(N_("An empty text was not stored; use 'delete {number}' to remove a contribution."),
                      number=row.id)
    row.text, row.edited_at, row.passed = text, scope.now, False
    if anonymous is not None:
        row.anonymous = anonymous
    if virtues is not None:
        words = _virtue_words(content, virtues)
        row.virtues = [ContributionVirtue(virtue=word) for word in words]
    scope.session.flush()
    view = presenters.contribution_view(scope, content, row)
    return [Update(scope.place, keys.contribution(row.id), view),
            scope.tell(N_("Contribution {number} was changed."), number=row.id),
            Update(scope.place, keys.kickoff(round_row.id), presenters.round_view(scope, content, round_row))]


def released_key(contribution_id: int) -> str:
    """The idempotency key a deleted or erased contribution keeps: nothing derived from its
    text or author, so the same words can be written again."""
    return f"{RELEASED_KEY_PREFIX}{contribution_id}"


def delete(scope: Scope, content: ContentPack, contribution_id: int) -> list[Effect]:
    row, round_row = own_contribution(scope, contribution_id)
    row.deleted_at, row.text, row.idempotency_key = scope.now, "", released_key(row.id)
    row.virtues = []
    scope.session.flush()
    return [Remove(scope.place, keys.contribution(row.id)),
            scope.tell(N_("Contribution {number} was deleted."), number=row.id),
            Update(scope.place, keys.kickoff(round_row.id), presenters.round_view(scope, content, round_row))]
