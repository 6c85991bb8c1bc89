"""The one place for user-facing strings: gettext catalogues read with Babel.

Message ids are English; ``locales/nl/LC_MESSAGES/goedwerk.po`` holds the Dutch and
``locales/en/...`` may refine the English. Placeholders use ``str.format`` names:
``t("nl", "Round {number} started", number=3)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
DOMAIN = "goedwerk"
LOCALE_DIR = Path(__file__).parent / "locales"


@cache
def catalog(language: str) -> Catalog:
    """The catalogue of ``language``; an empty one when there is no file."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def t(language: str, msgid: str, **params: object) -> str:
    """Translate ``msgid`` into ``language`` and fill in its placeholders."""
    message = catalog(language if language in LANGUAGES else DEFAULT_LANGUAGE).get(msgid)
    text = message.string if message is not None and isinstance(message.string, str) and message.string else msgid
    return text.format(**params) if params else text


def N_(msgid: str) -> str:
    """Mark a string for extraction where it is translated later (module constants)."""
    return msgid


_MOMENT = re.compile(r"⟦(-?\d{1,12})⟧")


def moment_marker(moment: datetime) -> str:
    """A neutral placeholder for a moment inside a notice's text.

    Each adapter shows it its own way (:func:`fill_moments`): Slack in every reader's
    own time zone, the console in the channel's.
    """
    return f"⟦{int(moment.timestamp())}⟧"


def fill_moments(text: str, show: Callable[[datetime], str]) -> str:
    """Replace every :func:`moment_marker` in ``text`` with ``show(moment)``."""
    return _MOMENT.sub(lambda match: show(datetime.fromtimestamp(int(match.group(1)), tz=UTC)), text)


_MENTION = re.compile(r"⟪([^⟪⟫\s]{1,80})⟫")


def mention_marker(user: str) -> str:
    """A neutral placeholder for a mention of the person ``user`` (a platform user id).

    The engine never writes a platform's own mention markup; each adapter shows the marker
    its own way (:func:`fill_mentions`): Slack as ``<@U…>``, the console as the name.
    """
    return f"⟪{user}⟫"


def fill_mentions(text: str, show: Callable[[str], str]) -> str:
    """Replace every :func:`mention_marker` in ``text`` with ``show(user)``."""
    return _MENTION.sub(lambda match: show(match.group(1)), text)


def when(language: str, moment: datetime, zone: ZoneInfo | str) -> str:
    """A moment as a reader of ``language`` expects it, in ``zone``."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    pattern = "EEE d MMM HH:mm"
    return format_datetime(moment.astimezone(zone), pattern, locale="nl_NL" if language == "nl" else "en_GB")


QUOTE_MARKS = {"nl": ("„", "”"), "en": ("“", "”")}
"""Typographic quotation marks per language: Dutch opens low („…”), English high (“…”)."""


def quoted(language: str, text: str) -> str:
    """``text`` between the typographic quotation marks of ``language``."""
    opening, closing = QUOTE_MARKS.get(language, QUOTE_MARKS[DEFAULT_LANGUAGE])
    return f"{opening}{text}{closing}"
