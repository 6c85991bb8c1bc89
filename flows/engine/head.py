"""The kop, everyone first: own experiences are collected unseen and shown together.

While the head step is the round's current step, a story sent to the head is stored
but not posted: its author sees it privately, the channel sees how many came in (the
head prompt's count line). When the head ends (by the clock, ``volgende`` or a close)
all its stories are posted together in the head prompt's thread, so nobody reacts to
someone else's story before bringing in their own.

A person's first head story that is short or has no moment in time in it gets one
private, friendly follow-up question from the content pack's head questions.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from flows.content.schema import ContentPack
from flows.effects import Effect, Ephemeral, Post, Update
from flows.engine import keys, presenters
from flows.engine.plan import HEAD, Plan
from flows.engine.scope import Scope
from flows.i18n import N_, tn
from flows.store import queries
from flows.store.models import ROUND_ACTIVE, Contribution, Round

SHORT_STORY_WORDS = 15
"""A head story with fewer words than this gets a follow-up question."""

_MOMENT_WORDS = re.compile(
    r"\b("
    # Dutch: days, parts of the day, seasons, months, relative moments
    r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ochtend|middag|avond|nacht|"
    r"gisteren|eergisteren|vandaag|vanochtend|vanmiddag|vanavond|laatst|onlangs|destijds|toen|ooit|"
    r"keer|moment|dag|week|weken|maand|maanden|jaar|jaren|geleden|vorige|vorig|afgelopen|"
    r"voorjaar|lente|zomer|najaar|herfst|winter|"
    r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    # English
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|afternoon|evening|night|"
    r"yesterday|today|tonight|recently|lately|once|when|then|time|day|days|week|weeks|month|months|"
    r"year|years|ago|last|spring|summer|autumn|fall|"
    r"january|february|march|june|july|august|october"
    r")\b|\b(19|20)\d\d\b",
    re.IGNORECASE,
)


def held_line(language: str, count: int) -> str:
    """The head prompt's line on the stories kept unseen until the head ends."""
    return tn(language, "{count} story has come in so far. All stories are shown together when the head ends.",
              "{count} stories have come in so far. All stories are shown together when the head ends.", count)


def holds(round_row: Round, plan: Plan, topic: str) -> bool:
    """Whether a story for ``topic`` is kept unseen now: the head is the current step."""
    return (topic == HEAD and round_row.status == ROUND_ACTIVE
            and 0 <= round_row.step_index < len(plan.steps)
            and plan.steps[round_row.step_index].kind == "head")


def _stories(scope: Scope, round_row: Round) -> list[Contribution]:
    return [row for row in queries.contributions(scope.session, round_row)
            if row.topic == HEAD and not row.passed]


def count_line(scope: Scope, content: ContentPack, round_row: Round, plan: Plan) -> Effect:
    """The head prompt again, now with how many stories came in so far."""
    view = presenters.prompt_view(scope, content, round_row, plan, HEAD, held=len(_stories(scope, round_row)))
    return Update(scope.place, keys.prompt(round_row.id, HEAD), view)


def held(scope: Scope, content: ContentPack, round_row: Round, plan: Plan, row: Contribution) -> list[Effect]:
    """What follows a story kept unseen: the author sees it, the channel sees the count."""
    effects: list[Effect] = [
        Ephemeral(scope.place, scope.actor.user, presenters.contribution_view(scope, content, row)),
        scope.tell(N_("Thank you — stored as number {number}. Only you can see it for now: the stories of the head "
                      "are shown together when the head ends, so that everyone brings in their own first. You can "
                      "change it with 'edit {number} <text>' or remove it with 'delete {number}'."),
                   number=row.id),
        count_line(scope, content, round_row, plan),
    ]
    question = follow_up(scope, content, row)
    if question is not None:
        effects.append(question)
    return effects


def follow_up(scope: Scope, content: ContentPack, row: Contribution) -> Effect | None:
    """One private question after the person's first head story, when it is short or abstract."""
    earlier = scope.session.scalar(
        select(func.count()).select_from(Contribution).where(
            Contribution.round_id == row.round_id, Contribution.topic == HEAD,
            Contribution.author_id == row.author_id, Contribution.passed.is_(False), Contribution.id < row.id))
    if earlier:
        return None
    questions = content.process.head_questions.get(scope.language)
    if len(row.text.split()) < SHORT_STORY_WORDS:
        return scope.tell(N_("Thank you for your story. Would you like to tell a little more? For instance: "
                             "{question} You can add to it with 'edit {number} <text>'; only you see this question."),
                          question=questions[min(1, len(questions) - 1)], number=row.id)
    if not _MOMENT_WORDS.search(row.text):
        return scope.tell(N_("Thank you for your story. Is there one moment you can put your finger on: when it was, "
                             "who was there, what happened? {question} You can add it with 'edit {number} <text>'; "
                             "only you see this question."),
                          question=questions[-1], number=row.id)
    return None


def reveal(scope: Scope, content: ContentPack, round_row: Round, plan: Plan) -> list[Effect]:
    """Post every head story together in the head prompt's thread (the head has just ended)."""
    stories = _stories(scope, round_row)
    thread = keys.prompt(round_row.id, HEAD)
    if not stories:
        return []
    effects: list[Effect] = [
        Post(scope.place, scope.notice(N_("The head has ended. Here are everyone's stories, all at once; now is the "
                                          "time to react to each other.")),
             key=keys.reveal(round_row.id), thread_key=thread),
    ]
    effects += [Post(scope.place, presenters.contribution_view(scope, content, row), key=keys.contribution(row.id),
                     thread_key=thread) for row in stories]
    effects.append(Update(scope.place, thread, presenters.prompt_view(scope, content, round_row, plan, HEAD)))
    return effects
