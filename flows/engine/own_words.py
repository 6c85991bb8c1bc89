"""A person's words as a draft of the image of good work shows them.

The draft quotes contributions without saying whose they are (an anonymous quote has no
author at all), so to take someone's words out, named and anonymous alike, we look for
their texts in the forms the draft uses: whole (the characteristic experience), as a
quote (:func:`flows.summary.draft.shorten`) and as a title suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.store.models import Contribution
from flows.summary.draft import TITLE_LENGTH, phrase, shorten

_QUOTE = re.compile(r"[„“]([^”]*)”(?: — [^\n„“]*)?")
"""One quote of a published text, with its author's name if it has one."""


def forms_of(texts: Iterable[str]) -> set[str]:
    """Every form in which a draft may show ``texts``."""
    forms: set[str] = set()
    for text in texts:
        if text:
            forms |= {text, shorten(text), f"“{shorten(text, TITLE_LENGTH).rstrip('.')}”"}
            title = phrase(text)  # a title suggestion taken from it
            if title:
                forms.add(title)
            sentence = shorten(text).rstrip(".!?…")  # as the narrative's first version uses it
            if sentence:
                forms |= {sentence, sentence[0].lower() + sentence[1:]}
    return forms


def words_of(session: Session, round_ids: Iterable[int], people: Iterable[str]) -> set[str]:
    """The forms of everything ``people`` wrote in the rounds ``round_ids``, anonymous or not."""
    round_ids, people = list(round_ids), list(people)
    if not round_ids or not people:
        return set()
    texts = session.scalars(select(Contribution.text).where(Contribution.round_id.in_(round_ids),
                                                           Contribution.author_id.in_(people)))
    return forms_of(texts)


def without(text: str, words: set[str]) -> str:
    """A published perspective text (``„quote” — Name``, one per line) without the quotes in ``words``."""
    kept = [match.group(0) for match in _QUOTE.finditer(text)
            if match.group(1) not in words]
    return "\n".join(part.strip() for part in kept)
