"""The published image of good work as data, ready to render as a PDF or a PNG card.

:class:`ImageCard` is the booklet's "rich A4" after the team agreed on it: a catchy
title, the characteristic experience, the image of good work (a narrative plus the five
perspectives), the virtues and a picture. :mod:`flows.summary.pdf` and
:mod:`flows.summary.png` render it; both take their fixed labels from here so the two
outputs say the same thing in the same language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from flows.i18n import t

#: The booklet the method comes from; credited on every rendering.
SOURCE = "Beelden van goed werk in samenwerking (Rijksoverheid, 2022)"


@dataclass(frozen=True)
class ImageCard:
    """A published image of good work.

    ``experience_author`` is ``None`` for an anonymous experience: no name is shown at
    all. ``perspectives`` holds ``(label, text)`` pairs, e.g. ``("Kennis", "…")``, and may
    be empty. ``picture`` is ``"emoji:<char>"``, ``"builtin:<name>"`` (see
    :data:`flows.summary.pictures.BUILTIN_PICTURES`), ``"file:<path to png/jpg>"`` or
    ``None``. ``participants`` lists only the people who agreed to be named; ``others`` counts the rest.
    """

    language: str
    title: str
    experience: str
    experience_author: str | None
    narrative: str
    perspectives: tuple[tuple[str, str], ...]
    virtues: tuple[str, ...]
    picture: str | None
    situation_title: str
    published_on: date
    participants: tuple[str, ...]
    others: int = 0
    """How many more people took part without being named (anonymously, or by their choice)."""


@dataclass(frozen=True)
class Labels:
    """The fixed words of the layout, translated for one card."""

    experience: str
    image: str
    virtues: str
    situation: str
    with_: str
    continued: str
    credit: str
    date: str
    anonymous: str = "anonymous"
    perspectives: str = "Perspectives"
    people: str = ""
    """Who took part, ready to print after "With": names, "and N others", or "the team"."""


def labels(card: ImageCard) -> Labels:
    """The layout's labels and the publication date in the card's language."""
    language = card.language
    locale = "nl_NL" if language == "nl" else "en_GB"
    return Labels(
        experience=t(language, "Characteristic experience"),
        image=t(language, "Image of good work"),
        virtues=t(language, "Virtues"),
        situation=t(language, "Situation"),
        with_=t(language, "With"),
        continued=t(language, "continued"),
        credit=t(language, "after: {source}", source=SOURCE),
        date=format_date(card.published_on, format="long", locale=locale),
        anonymous=t(language, "anonymous"),
        perspectives=t(language, "The five perspectives"),
        people=people_line(language, card.participants, card.others),
    )


def join_names(language: str, names: list[str]) -> str:
    """``["a", "b", "c"]`` as "a, b and c" in ``language``."""
    if len(names) <= 1:
        return "".join(names)
    return t(language, "{first} and {last}", first=", ".join(names[:-1]), last=names[-1])


def people_line(language: str, names: tuple[str, ...], others: int) -> str:
    """Everyone who took part: the names, then the unnamed as "N others"; "the team" without names."""
    shown = [one_line(name) for name in names if one_line(name)]
    if not shown:
        return t(language, "the team")
    if others == 1:
        return join_names(language, [*shown, t(language, "one other person")])
    if others > 1:
        return join_names(language, [*shown, t(language, "{count} others", count=others)])
    return join_names(language, shown)


def clean(text: str) -> str:
    """``text`` without control characters other than line breaks and tabs (tabs become spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(char for char in text if char == "\n" or unicodedata.category(char) != "Cc")


def one_line(text: str) -> str:
    """``text`` cleaned and with all whitespace, line breaks included, folded into single spaces."""
    return " ".join(clean(text).split())


def paragraphs(text: str) -> list[str]:
    """``text`` split at blank lines into paragraphs, each with its inner whitespace kept tidy.

    Single line breaks inside a paragraph are kept as ``"\\n"``.
    """
    blocks = [block.strip() for block in clean(text).split("\n\n")]
    tidy = ["\n".join(" ".join(line.split()) for line in block.splitlines() if line.strip())
            for block in blocks]
    return [block for block in tidy if block]
