"""Plain-text rendering of engine views for the console adapter."""

from __future__ import annotations

import textwrap
from zoneinfo import ZoneInfo

from flows.engine.head import held_line
from flows.engine.presenters import ROUND_STATES
from flows.i18n import fill_mentions, fill_moments, quoted, t, when
from flows.summary.pictures import picture_label
from flows.views import (
    SCAFFOLD_HINT,
    ConsentRequest,
    ContributionForm,
    ContributionView,
    ImageForm,
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

WIDTH = 88


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]
    return lines


def render(view: View, zone: ZoneInfo) -> list[str]:
    """The lines that show ``view``; choices are rendered by the caller."""
    lang = view.language
    if isinstance(view, Notice):
        text = fill_mentions(fill_moments(view.text, lambda moment: when(lang, moment, zone)), str)
        return _wrap(("⚠ " if view.error else "") + text)
    if isinstance(view, RoundView):
        return _round(view, zone)
    if isinstance(view, PromptView):
        lines = [f"  == {view.label} ==", *_wrap(view.intro)]
        lines += [f"  • {question}" for question in view.questions]
        if view.fields:
            lines.append("  " + t(lang, "The fields of the image of good work:"))
            for name, guidance in view.fields:
                lines += _wrap(f"{name} — {guidance}", "   ")
        if view.examples:
            lines.append("  " + t(lang, "For inspiration, images of good work from others:"))
            for title, who, gist in view.examples:
                lines += _wrap(t(lang, "Example: {title} ({who}) — {gist}", title=title, who=who, gist=gist), "   ")
        if view.note:
            lines += _wrap(t(lang, "Inspiration: {note}", note=view.note))
        lines.append("  " + t(lang, "Open until {moment}.", moment=when(lang, view.ends_at, zone)))
        if view.held is not None:
            lines += _wrap(held_line(lang, view.held))
        return lines
    if isinstance(view, ContributionView):
        author = view.author or t(lang, "anonymous")
        edited = " " + t(lang, "(edited)") if view.edited else ""
        lines = [f"  #{view.contribution_id} {author}{edited}:"]
        lines += _wrap(view.text, "    ")
        if view.virtues:
            lines.append("    " + t(lang, "Virtues: {virtues}", virtues=", ".join(view.virtues)))
        return lines
    if isinstance(view, ContributionForm):
        lines = ["  " + t(lang, "Contribute to: {topic}", topic=view.label)]
        lines += [f"  • {question}" for question in view.questions]
        if view.virtue_options:
            lines += _wrap(t(lang, "Virtues you can name between brackets, e.g. [Moed, Geduld]: {virtues}",
                             virtues=", ".join(view.virtue_options)))
        lines += _wrap(t(lang, "Type your contribution on the next line (max {limit} characters). Start with "
                               "'anonymous:' to stay anonymous; an empty line cancels.", limit=view.max_length))
        return lines
    if isinstance(view, SituationList):
        return [f"  {item.number:>2}. {item.title} — {item.gist}" for item in view.items]
    if isinstance(view, SituationCard):
        lines = _wrap(view.intro) if view.intro else []
        lines += [f"  {view.number}. {view.title}", *_wrap(view.description), *_wrap(view.question)]
        for title, who, gist in view.examples:
            lines += _wrap(t(lang, "Example: {title} ({who}) — {gist}", title=title, who=who, gist=gist))
        return lines
    if isinstance(view, SummaryView):
        return _summary(view)
    if isinstance(view, ConsentRequest):
        lines = _wrap(t(lang, "The image of good work on {title} is about to be published and quotes you by name:",
                        title=view.situation_title))
        lines += [f"    {quoted(lang, quote)}" for quote in view.quotes]
        return lines + _wrap(t(lang, "May we use your name? Without an answer by {moment} we quote you anonymously.",
                               moment=when(lang, view.deadline, zone)))
    if isinstance(view, ImageForm):
        if view.part == "vote":
            lines = [f"  {number}. {title}" for number, title in enumerate(view.suggestions, 1)]
            return lines + _wrap(t(lang, "Vote with: /goedwerk vote <number> or /goedwerk vote <your own title>"))
        if view.part == "picture":
            return _wrap(t(lang, "Choose with: /goedwerk image picture <name or emoji>. Pictures: {pictures}",
                           pictures=", ".join(label for _, label in view.pictures)))
        return _wrap(t(lang, "Edit with: /goedwerk image title|experience|narrative <text>"))
    if isinstance(view, ImageList):
        if not view.items:
            return _wrap(t(lang, "No published images of good work yet."))
        return [f"  {item.image_id}. {item.title} — {item.situation} · #{item.channel} · "
                f"{when(lang, item.published, zone)}" + (f" · {item.link}" if item.link else "") for item in view.items]
    if isinstance(view, PublishedView):
        lines = [f"  == {view.title} ==", f"  {view.situation} · {when(lang, view.published, zone)}"]
        if view.experience:
            who = view.experience_author or t(lang, "anonymous")
            lines.append("  " + t(lang, "Characteristic experience ({who}):", who=who))
            lines += _wrap(view.experience, "    ")
        lines.append("  " + t(lang, "Our image of good work:"))
        lines += _wrap(view.narrative, "    ")
        for label, text in view.perspectives:
            lines += [f"   {label}", *_wrap(text, "     ")]
        if view.link:
            lines.append(f"  {view.link}")
        return lines
    if isinstance(view, ReminderView):
        return _wrap(t(lang, "Reminder: the step {step} of the round on {title} in #{channel} is open until {moment}, "
                             "and you have not taken part yet.",
                       step=view.step_label, title=view.situation_title, channel=view.channel,
                       moment=when(lang, view.ends_at, zone)))
    raise TypeError(f"no console rendering for {type(view).__name__}")


def _round(view: RoundView, zone: ZoneInfo) -> list[str]:
    lang = view.language
    state = {status: t(lang, name) for status, name in ROUND_STATES.items()}
    lines = _wrap(view.welcome) if view.welcome else []
    lines += ["  " + t(lang, "Round {round} — {number}. {title} [{state}]", round=view.round_id,
                      number=view.situation_number, title=view.situation_title,
                      state=state.get(view.status, view.status))]
    lines += _wrap(view.description) + _wrap(view.question)
    for step in view.steps:
        mark = {"done": "✓", "current": "▶", "upcoming": "·", "skipped": "–"}[step.state]
        lines.append(f"   {mark} {step.label}: {when(lang, step.starts_at, zone)} – {when(lang, step.ends_at, zone)}")
    coverage = ", ".join(f"{c.label} {c.count}" if c.count else f"{c.label} 0 (!)" for c in view.coverage)
    lines += _wrap(t(lang, "Contributions per topic: {coverage}", coverage=coverage))
    lines.append("  " + t(lang, "Participants: {count} · facilitator: {facilitator} · closes {moment}",
                          count=view.participants, facilitator=view.facilitator,
                          moment=when(lang, view.deadline, zone)))
    if view.summary_ready:
        lines.append("  " + t(lang, "The draft image of good work has been posted below."))
    return lines


def _summary(view: SummaryView) -> list[str]:
    lang = view.language
    heading = t(lang, "Image of good work") if view.final else t(lang, "Draft image of good work so far")
    lines = [f"  == {heading}: {view.situation_title} =="]
    if view.title:
        lines.append("  " + t(lang, "Title: {title}", title=quoted(lang, view.title)))
    if view.title_suggestions:
        lines.append("  " + t(lang, "Title suggestions:"))
    votes = dict(view.title_votes)
    lines += [f"   {number}. {quoted(lang, title)}" + (f" ({votes[title]})" if votes.get(title) else "")
              for number, title in enumerate(view.title_suggestions, 1)]
    if view.experience:
        who = view.experience_author or t(lang, "anonymous")
        lines.append("  " + t(lang, "Characteristic experience ({who}):", who=who))
        lines += _wrap(view.experience, "    ")
    lines.append("  " + t(lang, "Image of good work, per perspective:"))
    for section in view.sections:
        if not section.quotes:
            continue
        lines.append(f"   {section.label}")
        for quote, author in section.quotes:
            who = author or t(lang, "anonymous")
            lines += _wrap(f"{quoted(lang, quote)} — {who}", "     ")
    if view.narrative:
        lines.append("  " + t(lang, "Our image of good work:"))
        lines += _wrap(view.narrative, "    ")
        if view.narrative_is_scaffold:
            lines += _wrap(t(lang, SCAFFOLD_HINT), "    ")
    if view.picture:
        lines.append("  " + t(lang, "Picture: {picture}", picture=picture_label(lang, view.picture)))
    if view.virtues:
        lines.append("  " + t(lang, "Virtues chosen most: {virtues}",
                              virtues=", ".join(f"{name} ({count})" for name, count in view.virtues)))
    if view.empty_topics:
        lines += _wrap(t(lang, "Not yet discussed: {topics}", topics=", ".join(view.empty_topics)))
    lines.append("  " + t(lang, "Participants: {people} · contributions: {count} · passed: {passes}",
                          people=view.participants, count=view.contributions, passes=view.passes))
    return lines
