"""Channel messages and ephemerals: ``message(view, zone)`` → (fallback text, blocks).

One entry point for every view the engine posts. User text is escaped (see
:func:`bot.slack.blocks.text.escape`) so it can never ping ``<!channel>`` or mention
anyone; times are ``<!date^…>`` tokens so each reader sees their own zone, with the
channel zone (``zone``) as fallback. Every message has at most 50 blocks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import MarkdownTextObject, Option, OverflowMenuElement, PlainTextObject, SectionBlock

from flows.engine.head import held_line
from flows.i18n import fill_mentions, fill_moments, t, when
from flows.views import (
    Choice,
    ConsentRequest,
    ContributionForm,
    ContributionView,
    ImageList,
    Notice,
    PromptView,
    PublishedView,
    ReminderView,
    RoundView,
    SituationCard,
    SituationList,
    SummaryView,
    View,
)

from .choices import MENU_ACTION, action_id, buttons
from .fit import Lines, Part, context, fit
from .kickoff import header, kickoff_parts
from .limits import FALLBACK_TEXT, MAX_SECTION_TEXT, check_message
from .summary import summary_parts
from .text import chunk_text, date_token, escape, escape_keeping_mentions, truncate

WARNING = ":warning:"


def message(view: View, zone: ZoneInfo) -> tuple[str, list[dict]]:
    """The notification fallback text and the blocks that show ``view`` in a channel.

    ``zone`` is the channel's time zone (for the fallback text of dates). Raises
    TypeError for a :class:`ContributionForm` (that is a modal: see ``contribution_modal``).
    """
    if isinstance(view, ContributionForm):
        raise TypeError("a ContributionForm is shown as a modal: use contribution_modal()")
    if type(view) is SituationCard:
        text, blocks = _situation_message(view, zone)
        return text, json.loads(blocks)
    return _build(view, zone)


@lru_cache(maxsize=512)
def _situation_message(view: SituationCard, zone: ZoneInfo) -> tuple[str, str]:
    """A situation card's message, its blocks as JSON, remembered: the weekly fan-out posts
    the same few cards into thousands of channels, and building Block Kit is the costly
    part. Callers get blocks decoded afresh, so no one can change another's."""
    text, blocks = _build(view, zone)
    return text, json.dumps(blocks)


def _build(view: View, zone: ZoneInfo) -> tuple[str, list[dict]]:
    builders: dict[type, Callable[[Any, ZoneInfo], tuple[str, list[Part]]]] = {
        Notice: _notice, RoundView: kickoff_parts, PromptView: _prompt,
        ContributionView: _contribution, SituationList: _situations,
        SituationCard: _situation, SummaryView: lambda v, _zone: summary_parts(v),
        ReminderView: _reminder, ConsentRequest: _consent, ImageList: _images,
        PublishedView: _published}
    builder = builders.get(type(view))
    if builder is None:
        raise TypeError(f"no Slack message for {type(view).__name__}")
    fallback, parts = builder(view, zone)
    blocks = fit(parts, view.language)
    check_message(blocks)
    return truncate(escape(" ".join(fallback.split())), FALLBACK_TEXT), blocks


def _notice(view: Notice, zone: ZoneInfo) -> tuple[str, list[Part]]:
    text = fill_moments(escape_keeping_mentions(view.text), lambda moment: date_token(view.language, moment, zone))
    if view.error:
        text = f"{WARNING} {text}"
    fallback = fill_moments(fill_mentions(view.text, lambda user: f"<@{user}>"),
                            lambda moment: when(view.language, moment, zone))
    return fallback, [Lines(text.split("\n"), trimmable=False), *buttons(view.choices)]


def _naming_channel(choices, channel: str) -> list[Choice]:
    """Buttons sent in a private conversation carry their team channel (``value@channel``)."""
    return [Choice(c.label, c.action, f"{c.value}@{channel}", c.primary) for c in choices]


def _reminder(view: ReminderView, zone: ZoneInfo) -> tuple[str, list[Part]]:
    """A private reminder; its buttons carry the team channel (``value@channel``)."""
    lang = view.language
    text = t(lang, "The step *{step}* of the round on *{title}* in <#{channel}> is open until {moment}, and we have "
                   "not heard from you yet. A few sentences are plenty — or tell us you have nothing to add.",
             step=escape(view.step_label), title=escape(view.situation_title), channel=view.channel,
             moment=date_token(lang, view.ends_at, zone))
    choices = _naming_channel(view.choices, view.channel)
    return t(lang, "A reminder from goedwerk"), [Lines([text], trimmable=False), *buttons(choices)]


def _consent(view: ConsentRequest, zone: ZoneInfo) -> tuple[str, list[Part]]:
    """The private consent question; buttons carry the team channel like the reminder's."""
    lang = view.language
    intro = t(lang, "The image of good work on *{title}* in <#{channel}> is about to be published. It quotes you by "
                    "name:",
              title=escape(view.situation_title), channel=view.channel)
    ask = t(lang, "May we use your name? Without an answer by {moment} we quote you anonymously.",
            moment=date_token(lang, view.deadline, zone))
    choices = _naming_channel(view.choices, view.channel)
    quotes = [f"> {escape(quote)}" for quote in view.quotes]
    return t(lang, "May we quote you?"), [Lines([intro], trimmable=False), Lines(quotes), Lines([ask], trimmable=False),
                                          *buttons(choices)]


def _images(view: ImageList, zone: ZoneInfo) -> tuple[str, list[Part]]:
    lang = view.language
    if not view.items:
        return t(lang, "No published images of good work yet."), [
            Lines([escape(t(lang, "No published images of good work yet."))], trimmable=False)]
    lines = []
    for item in view.items:
        name = f"<{item.link}|{escape(item.title)}>" if item.link and item.link.startswith("https://") \
            else f"*{escape(item.title)}*"
        lines.append(f"{item.image_id}. {name} — {escape(item.situation)} · <#{item.channel}> · "
                     f"{date_token(lang, item.published, zone)}")
    heading = t(lang, "Images of good work")
    return heading, [header(heading), Lines(lines), *buttons(view.choices)]


def _published(view: PublishedView, zone: ZoneInfo) -> tuple[str, list[Part]]:
    lang = view.language
    who = escape(view.experience_author) if view.experience_author else "_" + escape(t(lang, "anonymous")) + "_"
    parts: list[Part] = [header(view.title),
                         context(f"{escape(view.situation)} · {date_token(lang, view.published, zone)}")]
    if view.experience:
        heading = escape(t(lang, "Characteristic experience ({who}):", who="\x00")).replace("\x00", who)
        parts.append(Lines([f"*{heading}*", "> " + escape(view.experience)], trimmable=False))
    ours = escape(t(lang, "Our image of good work:"))
    parts.append(Lines([f"*{ours}*", "> " + escape(view.narrative)], trimmable=False))
    parts.append(Lines([f"*{escape(label)}* {escape(text)}" for label, text in view.perspectives]))
    if view.link and view.link.startswith("https://"):
        pdf = escape(t(lang, "The A4 as PDF"))
        parts.append(context(f"<{view.link}|{pdf}>"))
    return view.title, parts


def _prompt(view: PromptView, zone: ZoneInfo) -> tuple[str, list[Part]]:
    lang = view.language
    parts: list[Part] = [header(view.label), Lines([escape(view.intro)], trimmable=False)]
    if view.questions:
        parts.append(Lines([f"• {escape(question)}" for question in view.questions]))
    if view.fields:
        heading = escape(t(lang, "The fields of the image of good work:"))
        parts.append(Lines([f"*{heading}*"]
                           + [f"• *{escape(name)}* — {escape(guidance)}" for name, guidance in view.fields],
                           trimmable=False))
    if view.examples:
        heading = escape(t(lang, "For inspiration, images of good work from others:"))
        parts.append(Lines([f"*{heading}*"] + [escape(t(lang, "Example: {title} ({who}) — {gist}", title=title, who=who,
                                                         gist=gist)) for title, who, gist in view.examples],
                           context=True))
    if view.note:
        parts.append(Lines([":bulb: " + escape(t(lang, "Inspiration: {note}", note=view.note))],
                           trimmable=False, context=True))
    parts.append(context(":hourglass_flowing_sand: " + t(lang, "Open until {moment}.",
                                                        moment=date_token(lang, view.ends_at, zone))))
    if view.held is not None:
        parts.append(Lines([":lock: " + escape(held_line(lang, view.held))], trimmable=False))
    parts += buttons(view.choices)
    return f"{view.label}: {view.intro}", parts


def _contribution(view: ContributionView, zone: ZoneInfo) -> tuple[str, list[Part]]:
    """The author in bold (or "anonymous", nothing else), the text, virtues and a menu."""
    lang = view.language
    author = view.author or t(lang, "anonymous")
    first = f"*{escape(author)}*" if view.author else f"_{escape(author)}_"
    if view.edited:
        first += " " + escape(t(lang, "(edited)"))
    body = escape(t(lang, "Nothing to add")) if view.passed and not view.text else escape(view.text)
    pieces = chunk_text(f"{first}\n{body}", MAX_SECTION_TEXT)
    menu = OverflowMenuElement(action_id=action_id(MENU_ACTION), options=[
        Option(text=PlainTextObject(text=t(lang, "Edit")), value=f"edit:{view.contribution_id}"),
        Option(text=PlainTextObject(text=t(lang, "Delete")), value=f"delete:{view.contribution_id}"),
    ])
    parts: list[Part] = [SectionBlock(text=MarkdownTextObject(text=pieces[0]), accessory=menu).to_dict()]
    parts.append(Lines(pieces[1:], trimmable=False))
    notes = [f"#{view.contribution_id} · {escape(view.label)}"]
    if view.virtues:
        notes.append(escape(t(lang, "Virtues: {virtues}", virtues=", ".join(view.virtues))))
    parts.append(context(*notes))
    who = view.author or t(lang, "anonymous")
    return f"{who} ({view.label}): {view.text}", parts


def _situations(view: SituationList, zone: ZoneInfo) -> tuple[str, list[Part]]:
    lang = view.language
    lines = []
    for item in view.items:
        line = f"*{item.number}. {escape(item.title)}* — {escape(item.gist)}"
        if item.times_used:
            line += " " + escape(t(lang, "(used {count}× here)", count=item.times_used))
        lines.append(line)
    title = t(lang, "Situations")
    return title, [header(title), Lines(lines), *buttons(view.choices)]


def _situation(view: SituationCard, zone: ZoneInfo) -> tuple[str, list[Part]]:
    lang = view.language
    parts: list[Part] = [Lines([escape(view.intro)], trimmable=False)] if view.intro else []
    parts += [header(f"{view.number}. {view.title}"),
              Lines([escape(view.description)], trimmable=False),
              Lines(["*" + escape(view.question).replace("*", "") + "*"], trimmable=False)]
    if view.examples:
        parts.append(Lines([escape(t(lang, "Example: {title} ({who}) — {gist}", title=title, who=who, gist=gist))
                            for title, who, gist in view.examples], context=True))
    parts += buttons(view.choices)
    text = f"{view.number}. {view.title}"
    return (f"{view.intro} {text}" if view.intro else text), parts
