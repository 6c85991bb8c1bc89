"""Reading a request for anonymity at the start of a typed contribution.

``anoniem``, ``anoniem:``, ``Anoniem,``, ``anonymous``, ``[anoniem]`` and the like all
count; ``met-naam`` (``named``) says the opposite out loud. A first word that looks like
a request for anonymity but is none of these (``anonym``, ``annoniem``, ``anonieme``)
is *doubtful*: the person is asked before anything is posted, so a typo never names
someone who meant to stay anonymous.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flows.effects import Effect
from flows.engine.scope import Scope
from flows.i18n import N_

ANONYMOUS_WORDS = ("anoniem", "anonymous", "anon")
NAMED_WORDS = ("met-naam", "named")
_WRAPPED = re.compile(r"^[\[(](?P<word>[^\])]*)[\])]$")
_TRAILING = ":,;.!-–—"
_SEPARATOR = re.compile(r"^[:,;.!\-–—]+(?=\s)")
"""Punctuation standing on its own after the request (``anoniem - tekst``)."""
_LOOKALIKES = ("anoniem", "anonymous", "anonymus", "anonym", "anonyme", "anonimo")
_MIN_DOUBTFUL_LENGTH = 5


@dataclass(frozen=True)
class Reading:
    """What the start of a text says: ``anonymous``, the ``text`` after the request, and
    ``doubtful``: the first word when it may be a request we did not recognise."""

    anonymous: bool
    text: str
    doubtful: str | None = None


def _bare(word: str) -> str:
    wrapped = _WRAPPED.match(word)
    inner = wrapped.group("word") if wrapped else word
    return inner.strip().rstrip(_TRAILING).lower()


def _looks_anonymous(bare: str) -> bool:
    if len(bare) < _MIN_DOUBTFUL_LENGTH:
        return False
    return bare.startswith("anon") or bool(difflib.get_close_matches(bare, _LOOKALIKES, n=1, cutoff=0.8))


def read(text: str) -> Reading:
    """Split a request for anonymity (or for one's name) off the start of ``text``."""
    stripped = text.strip()
    parts = stripped.split(None, 1)
    if not parts:
        return Reading(False, stripped)
    first, rest = parts[0], parts[1] if len(parts) > 1 else ""
    bare = _bare(first)
    if bare in ANONYMOUS_WORDS:
        return Reading(True, _SEPARATOR.sub("", rest).strip())
    if bare in NAMED_WORDS:
        return Reading(False, _SEPARATOR.sub("", rest).strip())
    if _looks_anonymous(bare):
        return Reading(False, stripped, doubtful=first[:40])
    return Reading(False, stripped)


def in_form(text: str, anonymous: bool) -> tuple[bool, str]:
    """A form's (anonymous, text): its box, or a request for anonymity the text starts with
    (taken off the text). A form's text is not asked about; its box is the question."""
    if anonymous:
        return True, text
    reading = read(text)
    return (True, reading.text) if reading.anonymous else (False, text)


def ask_first(scope: Scope, word: str, topic: str) -> Effect:
    """Nothing is posted: ask whether ``word`` was meant as a request for anonymity."""
    return scope.tell(N_("Your text begins with “{word}”. Did you mean to contribute anonymously? Nothing has been "
                         "posted yet.\n• Anonymously: '/goedwerk contribute {topic} anonymous <your text>'\n• Under "
                         "your name: '/goedwerk contribute {topic} named <your text>'"),
                      word=word, topic=topic[:40])
