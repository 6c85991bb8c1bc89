"""The kickoff message of a round (:class:`flows.views.RoundView`), kept up to date in place."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import HeaderBlock, PlainTextObject

from flows.i18n import N_, t
from flows.views import RoundView

from .choices import buttons
from .fit import Lines, Part, context, section
from .limits import MAX_HEADER_TEXT
from .text import date_token, escape, mention, truncate

STATUS = {"active": N_("running"), "closed": N_("closed"), "cancelled": N_("stopped")}
MARKS = {"done": "✓", "current": "▶", "upcoming": "·", "skipped": "–"}
EMPTY = ":warning:"


def header(text: str) -> dict:
    """A header block (plain text, cut to 150 characters)."""
    return HeaderBlock(text=PlainTextObject(text=truncate(text, MAX_HEADER_TEXT), emoji=True)).to_dict()


def kickoff_parts(view: RoundView, zone: ZoneInfo) -> tuple[str, list[Part]]:
    """Fallback text and parts of the kickoff: situation, plan, coverage, who and until when."""
    lang = view.language
    title = f"{view.situation_number}. {view.situation_title}"
    status = t(lang, STATUS[view.status]) if view.status in STATUS else view.status
    round_label = t(lang, "Round")
    parts: list[Part] = [
        header(title),
        context(escape(f"{round_label} {view.round_id} · {status}")),
        Lines([escape(view.description)], trimmable=False),
        Lines(["*" + escape(view.question).replace("*", "") + "*"], trimmable=False),
    ]
    plan = ["*" + escape(t(lang, "Plan")) + "*"]
    for step in view.steps:
        label = escape(step.label)
        if step.state == "current":
            label = f"*{label}*"
        plan.append(f"{MARKS.get(step.state, '·')} {label} — {date_token(lang, step.starts_at, zone)}")
    parts.append(Lines(plan, keep=1))
    coverage = " · ".join(
        f"{escape(c.label)} {c.count}" if c.count else f"{escape(c.label)} {EMPTY} 0" for c in view.coverage)
    parts.append(section(t(lang, "Contributions per topic: {coverage}", coverage=coverage)))
    parts.append(context(t(lang, "Participants: {count} · facilitator: {facilitator} · closes {moment}",
                           count=view.participants, facilitator=mention(view.facilitator),
                           moment=date_token(lang, view.deadline, zone))))
    if view.summary_ready:
        parts.append(section(":point_down: " + escape(t(lang, "The draft image of good work has been posted below."))))
    parts += buttons(view.choices)
    return f"{title} — {view.question}", parts
