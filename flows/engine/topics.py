"""Topics: what one can contribute to — the head, each perspective, the tail.

A plan step opens one topic (``kop``, ``staart``) or several (``handelingen+kennis``
opens ``handelingen`` and ``kennis``), and each topic gets its own prompt and thread.
"""

from __future__ import annotations

from flows.content.schema import ContentPack
from flows.engine.plan import HEAD, TAIL, Plan, PlanStep
from flows.i18n import N_, t

VALUES_TOPIC = "waarden"
TOPIC_NAMES = {HEAD: N_("Head (your own experiences)"), TAIL: N_("Tail (our image of good work)")}


def topics_of(step: PlanStep) -> tuple[str, ...]:
    return step.perspectives or (step.name,)


def all_topics(plan: Plan) -> list[str]:
    return [topic for step in plan.steps for topic in topics_of(step)]


def step_of_topic(plan: Plan, topic: str) -> int | None:
    """The index of the plan step that opens ``topic``."""
    for index, step in enumerate(plan.steps):
        if topic in topics_of(step):
            return index
    return None


def label(content: ContentPack, language: str, topic: str) -> str:
    """The topic's name as readers see it."""
    if topic in TOPIC_NAMES:
        return t(language, TOPIC_NAMES[topic])
    perspective = content.perspectives.get(topic)
    return perspective.name.get(language) if perspective else topic


def resolve(content: ContentPack, plan: Plan, word: str) -> str | None:
    """The topic a user means by ``word``: a key, a step name, a perspective name or number."""
    word = word.strip().lower()
    aliases = {"head": HEAD, "tail": TAIL, "kop": HEAD, "staart": TAIL,
               "waarden": "waarden", "deugden": "waarden", "values": "waarden", "virtues": "waarden",
               "actions": "handelingen", "knowledge": "kennis", "identity": "identiteit",
               "freedom": "vrijheid"}
    if word in aliases:
        word = aliases[word]
    for perspective in content.perspectives.values():
        names = {perspective.key, perspective.name.nl.lower(), perspective.name.en.lower(), str(perspective.number)}
        if word in names:
            word = perspective.key
    return word if word in all_topics(plan) else None
