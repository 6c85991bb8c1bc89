"""Text helpers for Block Kit: escaping user text, cutting to limits, dates and mentions."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flows.i18n import fill_mentions, when

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
ELLIPSIS = "…"


def escape(text: str) -> str:
    """``text`` made inert for mrkdwn: ``&``, ``<`` and ``>`` become entities.

    After this no ``<!channel>``, ``<!here>``, ``<@U…>`` or link in user text is parsed
    by Slack; it shows as typed. Formatting like ``*bold*`` stays available to writers.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_keeping_mentions(text: str) -> str:
    """Like :func:`escape`, with the engine's mention markers shown as Slack mentions."""
    return fill_mentions(escape(text), mention)


def mention(user: str) -> str:
    """A Slack user mention for a Slack user id; any other id (console names) as plain text."""
    return f"<@{user}>" if _USER_ID.match(user) else escape(user)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def date_token(language: str, moment: datetime, zone: ZoneInfo) -> str:
    """A moment shown in each reader's own zone; the channel-zone text is the fallback."""
    fallback = escape(when(language, moment, zone)).replace("|", "/")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _safe_cut(text: str, cut: int) -> int:
    """Move ``cut`` back so that it does not fall inside ``<…>`` or an ``&…;`` entity."""
    opening, closing = text.rfind("<", 0, cut), text.rfind(">", 0, cut)
    if opening > closing:
        cut = opening
    amp = text.rfind("&", 0, cut)
    if amp != -1 and ";" not in text[amp:cut] and cut - amp <= 6:
        cut = amp
    return cut


def chunk_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters.

    Cuts prefer a line break, then a space, and never split a ``<…>`` token or an
    ``&amp;``-style entity; only an unbroken run longer than ``limit`` is cut hard.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = max(cut, window.rfind(" "))
        if cut <= 0:
            cut = limit
        cut = _safe_cut(rest, cut) or limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
