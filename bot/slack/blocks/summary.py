"""The draft image of good work (:class:`flows.views.SummaryView`) as a channel message.

Split into many section blocks (none over 3000 characters); long lists are trimmed by
:func:`bot.slack.blocks.fit.fit` so the message stays within 50 blocks.
"""

from __future__ import annotations

from slack_sdk.models.blocks import DividerBlock

from flows.i18n import quoted, t
from flows.views import SCAFFOLD_HINT, SummaryView

from .choices import buttons
from .fit import Lines, Part, context
from .kickoff import EMPTY, header
from .text import escape


def _who(language: str, author: str | None) -> str:
    """The author's name, or "anonymous": nothing else about an anonymous writer."""
    return escape(author) if author else "_" + escape(t(language, "anonymous")) + "_"


def _quote(text: str) -> str:
    """``text`` as a mrkdwn block quote (every line starts with ``>``)."""
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


def summary_parts(view: SummaryView) -> tuple[str, list[Part]]:
    """Fallback text and parts: titles, experience, quotes per perspective, virtues, figures."""
    lang = view.language
    heading = t(lang, "Image of good work") if view.final else t(lang, "Draft image of good work so far")
    title = f"{heading}: {view.situation_title}"
    parts: list[Part] = [header(title)]
    if view.title:
        parts.append(Lines(["*" + escape(t(lang, "Title: {title}", title=quoted(lang, view.title))) + "*"],
                           trimmable=False))
    if view.title_suggestions:
        votes = dict(view.title_votes)
        parts.append(Lines(["*" + escape(t(lang, "Title suggestions:")) + "*",
                            *(f"{number}. {escape(quoted(lang, s))}"
                              + (f"  ({votes[s]} :ballot_box_with_ballot:)" if votes.get(s) else "")
                              for number, s in enumerate(view.title_suggestions, 1))], keep=1))
    if view.narrative:
        narrative = [f"*{escape(t(lang, 'Our image of good work:'))}*", _quote(view.narrative)]
        if view.narrative_is_scaffold:
            narrative.append("_" + escape(t(lang, SCAFFOLD_HINT)) + "_")
        parts.append(Lines(narrative, trimmable=False))
    if view.experience:
        who = t(lang, "Characteristic experience ({who}):", who=_who(lang, view.experience_author))
        parts.append(Lines([f"*{who}*", _quote(view.experience)], trimmable=False))
    with_quotes = [s for s in view.sections if s.quotes]
    if with_quotes:
        parts.append(DividerBlock().to_dict())
        per_perspective = escape(t(lang, "Image of good work, per perspective:"))
        parts.append(Lines([f"*{per_perspective}*"], trimmable=False))
    for draft in with_quotes:
        lines = [f"*{escape(draft.label)}*"]
        lines += [f"{_quote(quoted(lang, quote))}\n— {_who(lang, author)}" for quote, author in draft.quotes]
        parts.append(Lines(lines, keep=1))
    closing: list[str] = []
    if view.virtues:
        chosen = ", ".join(f"{escape(name)} ({count})" for name, count in view.virtues)
        closing.append(t(lang, "Virtues chosen most: {virtues}", virtues=chosen))
    if view.empty_topics:
        closing.append(f"{EMPTY} " + t(lang, "Not yet discussed: {topics}",
                                        topics=", ".join(escape(topic) for topic in view.empty_topics)))
    if closing:
        parts.append(DividerBlock().to_dict())
        parts.append(Lines(closing))
    parts.append(context(escape(t(lang, "Participants: {people} · contributions: {count} · passed: {passes}",
                                  people=view.participants, count=view.contributions, passes=view.passes))))
    if view.final:
        parts.append(context(escape(_status_line(view))))
    parts += buttons(view.choices)
    return title, parts


def _status_line(view: SummaryView) -> str:
    lang = view.language
    if view.status == "published":
        return t(lang, "Published. Find it with /goedwerk collection.")
    if view.status == "awaiting_consent":
        return t(lang, "Waiting for the people quoted by name to agree (at most 48 hours).")
    return t(lang, "Work on it together: /goedwerk vote <number>, /goedwerk image title|experience|narrative|picture "
                   "<text>; the facilitator publishes.")
