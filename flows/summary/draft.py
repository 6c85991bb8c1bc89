"""Composing the draft of the image of good work (the booklet's "rich A4").

Deterministic and explainable, no external AI: the characteristic experience is the
fullest story from the head (or the one the facilitator picks), each perspective gets
up to three short quotes in the order they were written, the most chosen virtues are
counted, and the title suggestions come from fixed patterns filled with the virtues,
the tail and the situation. Anonymous contributions are quoted without a name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from flows.content.schema import ContentPack, Situation
from flows.engine.plan import HEAD, TAIL
from flows.engine.topics import label
from flows.i18n import t
from flows.store.models import Contribution
from flows.views import DraftSection, SummaryView

QUOTES_PER_TOPIC = 3
QUOTE_LENGTH = 200
TITLE_LENGTH = 70
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def shorten(text: str, limit: int = QUOTE_LENGTH) -> str:
    """The first sentence of ``text``, cut at a word boundary with an ellipsis if too long."""
    first = _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _author(row: Contribution) -> str | None:
    return None if row.anonymous else (row.author_name or row.author_id)


def _order(content: ContentPack) -> list[str]:
    ordered = [key for group in content.suggested_order for key in group]
    return ordered + [key for key in content.perspectives if key not in ordered]


def _titles(language: str, situation: Situation, virtues: list[str], tail: list[Contribution]) -> tuple[str, ...]:
    titles: list[str] = []
    if len(virtues) >= 2:
        titles.append(t(language, "{first} and {second}, also when it gets tense", first=virtues[0],
                        second=virtues[1].lower()))
    elif virtues:
        titles.append(t(language, "{first} across boundaries", first=virtues[0]))
    for row in sorted(tail, key=lambda r: (len(r.text), r.id)):
        phrase = shorten(row.text, TITLE_LENGTH).rstrip(".")
        if phrase and phrase not in titles:
            titles.append(f"“{phrase}”")
            break
    titles.append(t(language, "Good work when: {gist}", gist=situation.gist.get(language).rstrip(".")))
    return tuple(titles[:3])


def compose(content: ContentPack, language: str, round_id: int, situation: Situation,
            contributions: Sequence[Contribution], *, experience_id: int | None = None,
            final: bool = False) -> SummaryView:
    """The draft for a round from its live contributions (deleted ones excluded by the caller)."""
    live = [row for row in contributions if row.deleted_at is None]
    written = [row for row in live if not row.passed and row.text]
    by_topic: dict[str, list[Contribution]] = {}
    for row in written:
        by_topic.setdefault(row.topic, []).append(row)

    head = by_topic.get(HEAD, [])
    chosen = next((row for row in head if row.id == experience_id), None)
    if chosen is None and head:
        chosen = max(head, key=lambda row: (len(row.text), -row.id))

    sections = []
    for topic in [*_order(content), TAIL]:
        rows = by_topic.get(topic, [])
        quotes = tuple((shorten(row.text), _author(row)) for row in rows[:QUOTES_PER_TOPIC])
        sections.append(DraftSection(topic, label(content, language, topic), quotes))

    virtue_names = {virtue.nl: virtue.get(language) for virtue in content.virtues}
    counted = Counter(v.virtue for row in live for v in row.virtues)
    top = [(virtue_names.get(word, word), count)
           for word, count in sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:5]]

    return SummaryView(
        language=language, round_id=round_id, situation_title=situation.title.get(language),
        title_suggestions=_titles(language, situation, [name for name, _ in top], by_topic.get(TAIL, [])),
        experience=chosen.text if chosen else None,
        experience_author=_author(chosen) if chosen else None,
        sections=tuple(sections), virtues=tuple(top),
        participants=len({row.author_id for row in live}),
        contributions=len(written), passes=sum(1 for row in live if row.passed),
        empty_topics=tuple(section.label for section in sections if not section.quotes),
        final=final,
    )
