"""Composing the draft of the image of good work (the booklet's "rich A4").

Deterministic and explainable, no external AI:

- the characteristic experience is the fullest story from the head (or the one the
  facilitator picks);
- every perspective gets up to three short quotes, each with its own author ("None"
  when written anonymously). Quotes are chosen for balance, not order of arrival: first
  everyone who wrote in the body gets at least one quote (the quietest first), then the
  remaining places go to the people quoted least so far;
- title suggestions come from the team's own words: short phrases from the tail;
  only without a tail do the virtues the team chose make a title;
- the narrative starts as a scaffold from the tail in the rich A4's shape
  ("In our view…"), which the team then edits.
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
from flows.summary.card import join_names
from flows.views import DraftSection, SummaryView

QUOTES_PER_TOPIC = 3
QUOTE_LENGTH = 200
TITLE_LENGTH = 60
TITLE_SUGGESTIONS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_END = re.compile(r"\s*(?:[.!?;:]|\s[—–-]\s)\s*")


def shorten(text: str, limit: int = QUOTE_LENGTH) -> str:
    """The first sentence of ``text``, cut at a word boundary with an ellipsis if too long."""
    first = _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit].rsplit(" ", 1)[0] if " " in first[:limit] else first[: limit - 1]
    return cut.rstrip(",;:") + "…"


def phrase(text: str, limit: int = TITLE_LENGTH) -> str | None:
    """A short phrase from ``text`` fit for a title: its first clause, whole words only.

    None when the first clause is longer than ``limit`` (a title is never cut mid-word or
    mid-thought) or has fewer than two words.
    """
    first = _CLAUSE_END.split(" ".join(text.split()), maxsplit=1)[0].strip(" ,\"'“”„")
    if not first or len(first) > limit or len(first.split()) < 2:
        return None
    return first[0].upper() + first[1:]


def _author(row: Contribution) -> str | None:
    return None if row.anonymous else (row.author_name or row.author_id)


def _order(content: ContentPack) -> list[str]:
    ordered = [key for group in content.suggested_order for key in group]
    return ordered + [key for key in content.perspectives if key not in ordered]


def choose_quotes(by_topic: dict[str, list[Contribution]], topics: Sequence[str],
                  limit: int = QUOTES_PER_TOPIC) -> dict[str, list[Contribution]]:
    """Which contributions each topic quotes: everyone at least once, then balanced by person.

    First every author who wrote in ``topics`` gets one quote (those who wrote least go
    first, each in the topic with the fewest quotes so far where they wrote), even when
    that takes a topic past ``limit``. Then the topics are filled up to ``limit`` with the
    authors quoted least so far. Within a topic the chosen quotes keep their written order.
    """
    chosen: dict[str, list[Contribution]] = {topic: [] for topic in topics}
    per_author: Counter[str] = Counter()
    written: Counter[str] = Counter(row.author_id for topic in topics for row in by_topic.get(topic, []))
    position = {topic: index for index, topic in enumerate(topics)}
    for author in sorted(written, key=lambda person: (written[person], person)):
        options = [(len(chosen[topic]), position[topic], -len(row.text), row.id, topic, row)
                   for topic in topics for row in by_topic.get(topic, []) if row.author_id == author]
        *_, topic, row = min(options, key=lambda option: option[:4])
        chosen[topic].append(row)
        per_author[author] += 1
    for topic in topics:
        rest = [row for row in by_topic.get(topic, []) if row not in chosen[topic]]
        while len(chosen[topic]) < limit and rest:
            row = min(rest, key=lambda r: (per_author[r.author_id],
                                           sum(1 for c in chosen[topic] if c.author_id == r.author_id), r.id))
            rest.remove(row)
            chosen[topic].append(row)
            per_author[row.author_id] += 1
        chosen[topic].sort(key=lambda row: row.id)
    return chosen


def _titles(language: str, virtues: list[str], tail: list[Contribution]) -> tuple[str, ...]:
    """Up to three titles from the tail's phrases (one per person first); the virtues only without them."""
    titles: list[str] = []
    seen: set[str] = set()
    for row in sorted(tail, key=lambda r: (sum(1 for other in tail if other.author_id == r.author_id
                                               and other.id < r.id), r.id)):
        found = phrase(row.text)
        if found and found.casefold() not in seen:
            seen.add(found.casefold())
            titles.append(found)
    if not titles and len(virtues) >= 2:
        titles.append(t(language, "{first} and {second}, also when it gets tense", first=virtues[0],
                        second=virtues[1].lower()))
    elif not titles and virtues:
        titles.append(t(language, "{first} across boundaries", first=virtues[0]))
    return tuple(titles[:TITLE_SUGGESTIONS])


def scaffold(language: str, tail: Sequence[Contribution], virtues: Sequence[str]) -> str | None:
    """The narrative's first version in the rich A4's shape, from the tail: the team edits it."""
    sentences = [shorten(row.text).rstrip(".!?…") for row in tail if row.text.strip()]
    if not sentences:
        return None
    lines = [t(language, "In our view, good work in this situation means: {words}.",
               words=sentences[0][0].lower() + sentences[0][1:])]
    lines += [t(language, "We also said: {words}.", words=sentence) for sentence in sentences[1:3]]
    if virtues:
        lines.append(t(language, "It asks of us: {virtues}.",
                       virtues=join_names(language, [word.lower() for word in virtues[:3]])))
    return " ".join(lines)


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

    body = _order(content)
    picked = {**choose_quotes(by_topic, body), **choose_quotes(by_topic, [TAIL])}
    sections = tuple(
        DraftSection(topic, label(content, language, topic),
                     tuple((shorten(row.text), _author(row)) for row in picked[topic]))
        for topic in [*body, TAIL])

    virtue_names = {virtue.nl: virtue.get(language) for virtue in content.virtues}
    counted = Counter(v.virtue for row in live for v in row.virtues)
    top = [(virtue_names.get(word, word), count)
           for word, count in sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:5]]
    tail = by_topic.get(TAIL, [])
    names = [name for name, _ in top]

    return SummaryView(
        language=language, round_id=round_id, situation_title=situation.title.get(language),
        title_suggestions=_titles(language, names, tail),
        experience=chosen.text if chosen else None,
        experience_author=_author(chosen) if chosen else None,
        sections=sections, virtues=tuple(top),
        participants=len({row.author_id for row in live}),
        contributions=len(written), passes=sum(1 for row in live if row.passed),
        empty_topics=tuple(section.label for section in sections if not section.quotes),
        final=final, narrative=scaffold(language, tail, names),
    )
