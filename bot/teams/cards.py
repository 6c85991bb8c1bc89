"""Engine views as Adaptive Cards (schema 1.5, what Teams renders), built with Microsoft's
typed card models (``microsoft-teams-cards``).

:func:`card` is the one entry point for a view shown in a conversation. Moments are
written as the card language's ``{{DATE(…)}} {{TIME(…)}}`` functions, so every reader
sees them in their own time zone; the fallback (notification) text names them in the
channel's zone. Buttons are ``Action.Submit`` whose data names the engine's action
(:data:`ACTION`, :data:`VALUE`); a button that opens a form asks Teams for a dialog
(``msteams.type = task/fetch``). Buttons sent in a 1:1 chat carry their team channel
(:data:`CHANNEL`), as Slack's do, so the click still reaches the right round. Click data
comes back untrusted: the engine looks every id up and checks permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from microsoft_teams.cards import (
    Action,
    ActionSet,
    AdaptiveCard,
    CardElement,
    Fact,
    FactSet,
    Image,
    Mention,
    MentionedEntity,
    OpenUrlAction,
    SubmitAction,
    SubmitActionData,
    TeamsCardProperties,
    TextBlock,
)

from flows.engine.presenters import CONTRIBUTE, ROUND_STATES
from flows.i18n import N_, fill_mentions, fill_moments, t, when
from flows.views import (
    Choice,
    ConsentRequest,
    ContributionView,
    HomeView,
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

VERSION: Literal["1.5"] = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ACTION, VALUE, CHANNEL = "goedwerk", "value", "channel"
FORM_ACTIONS = frozenset({CONTRIBUTE, "edit", "image_text", "image_vote", "image_picture"})
"""Engine actions answered with a form: their buttons open a Teams dialog."""
STATUS = ROUND_STATES
MARKS = {"done": "✓", "current": "▶", "upcoming": "·", "skipped": "–"}
MAX_BUTTONS = 6
"""Teams shows at most six actions on a card; more go into a second action set."""
SOMEONE = N_("someone")
NO_ROUND = N_("You are not taking part in a running round. Mention me in a team channel to begin one: @goedwerk start.")
ROUND_LINE = N_("{title}: now {step}, until {until}; closes {deadline}")
EXCERPT = 280
Names = Callable[[str], "str | None"]
"""A person's display name by their Teams id (None when goedwerk does not know it)."""
Built = tuple[str, Sequence[CardElement], Sequence[Choice], "str | None"]
"""What a view's builder gives: the fallback text, the card's body, its buttons and the channel they carry."""


class Mentions:
    """Mentions of people on one card: ``<at>name</at>`` in the text, and the entity Teams needs
    to make it a mention (a person whose name goedwerk does not know is "someone", unmentioned)."""

    def __init__(self, language: str, names: Names | None) -> None:
        self.language = language
        self.names = names
        self.entities: list[Mention] = []

    def show(self, user: str) -> str:
        name = self.names(user) if self.names else None
        if not name:
            return t(self.language, SOMEONE)
        text = f"<at>{name}</at>"
        if all(entity.text != text for entity in self.entities):
            self.entities.append(Mention(text=text, mentioned=MentionedEntity(id=user, name=name)))
        return text

    def plain(self, user: str) -> str:
        return (self.names(user) if self.names else None) or t(self.language, SOMEONE)


def moment(value: datetime) -> str:
    """A moment in each reader's own time zone (Adaptive Card date and time functions)."""
    iso = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, SHORT)}}}} {{{{TIME({iso})}}}}"


def text(value: str, **style) -> TextBlock:
    return TextBlock(text=value, wrap=True, **style)


def heading(value: str) -> TextBlock:
    return TextBlock(text=value, wrap=True, size="Large", weight="Bolder", style="heading")


def small(value: str) -> TextBlock:
    return TextBlock(text=value, wrap=True, size="Small", is_subtle=True)


def button(choice: Choice, channel: str | None = None) -> SubmitAction:
    """An Action.Submit for an engine choice (a dialog for a choice that opens a form)."""
    data = SubmitActionData.model_validate({ACTION: choice.action, VALUE: choice.value})
    if channel:
        setattr(data, CHANNEL, channel)
    if choice.action in FORM_ACTIONS:
        data.msteams = {"type": "task/fetch"}
    return SubmitAction(title=choice.label[:40], data=data, style="positive" if choice.primary else None)


def adaptive(body: Sequence[CardElement], choices: Sequence[Choice] = (), channel: str | None = None,
             fallback: str | None = None, mentions: Mentions | None = None) -> dict:
    actions: list[Action] = [button(choice, channel) for choice in choices[:MAX_BUTTONS]]
    card = AdaptiveCard(version=VERSION, body=list(body), fallback_text=fallback, actions=actions or None)
    card.ac_schema = "http://adaptivecards.io/schemas/adaptive-card.json"
    if mentions is not None and mentions.entities:
        card.msteams = TeamsCardProperties(entities=mentions.entities)
    return card.model_dump(exclude_none=True, by_alias=True)


def card(view: View, zone: ZoneInfo, names: Names | None = None) -> tuple[str, dict]:
    """The fallback text and the card (as JSON-ready dict) that show ``view`` in a conversation;
    ``names`` gives the names of people the view mentions."""
    # each builder takes the view type it is listed under, so the dispatch on type(view) passes them the right one
    builders: dict[type[View], Callable[[Any, ZoneInfo, Mentions], Built]] = {
        Notice: _notice, RoundView: _round, PromptView: _prompt, ContributionView: _contribution,
        SituationList: _situations, SituationCard: _situation, SummaryView: _summary,
        ReminderView: _reminder, ConsentRequest: _consent, ImageList: _images, PublishedView: _published,
        HomeView: _home}
    builder = builders.get(type(view))
    if builder is None:
        raise TypeError(f"no Teams card for {type(view).__name__}")
    mentions = Mentions(view.language, names)
    fallback, body, choices, channel = builder(view, zone, mentions)
    summary = " ".join(fallback.split())[:200]
    return summary, adaptive(body, choices, channel, summary, mentions)


def _notice(view: Notice, zone: ZoneInfo, mentions: Mentions):
    shown = fill_mentions(fill_moments(view.text, moment), mentions.show)
    fallback = fill_mentions(fill_moments(view.text, lambda m: when(view.language, m, zone)), mentions.plain)
    return fallback, [text(shown, color="Attention" if view.error else None)], view.choices, None


def _round(view: RoundView, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    title = f"{view.situation_number}. {view.situation_title}"
    status = t(lang, STATUS[view.status]) if view.status in STATUS else view.status
    body: list[CardElement] = [heading(title), small(f"{t(lang, 'Round')} {view.round_id} · {status}"),
                               text(view.description), text(view.question, weight="Bolder"),
                               text(t(lang, "Plan"), weight="Bolder")]
    body.append(FactSet(facts=[Fact(title=f"{MARKS.get(step.state, '·')} {step.label}", value=moment(step.starts_at))
                               for step in view.steps]))
    coverage = " · ".join(f"{c.label} {c.count}" for c in view.coverage)
    body.append(text(t(lang, "Contributions per topic: {coverage}", coverage=coverage)))
    body.append(small(t(lang, "Participants: {count} · facilitator: {facilitator} · closes {moment}",
                        count=view.participants, facilitator=mentions.show(view.facilitator),
                        moment=moment(view.deadline))))
    if view.summary_ready:
        body.append(text(t(lang, "The draft image of good work has been posted below.")))
    return f"{title} — {view.question}", body, view.choices, None


def _prompt(view: PromptView, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    body: list[CardElement] = [heading(view.label), text(view.intro)]
    body += [text(f"- {question}") for question in view.questions]
    if view.note:
        body.append(small(t(lang, "Inspiration: {note}", note=view.note)))
    body.append(small(t(lang, "Open until {moment}.", moment=moment(view.ends_at))))
    return f"{view.label}: {view.intro}", body, view.choices, None


def _contribution(view: ContributionView, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    author = view.author or t(lang, "anonymous")
    first = author + (" " + t(lang, "(edited)") if view.edited else "")
    words = t(lang, "Nothing to add") if view.passed and not view.text else view.text
    notes = [f"#{view.contribution_id} · {view.label}"]
    if view.virtues:
        notes.append(t(lang, "Virtues: {virtues}", virtues=", ".join(view.virtues)))
    body = [text(first, weight="Bolder" if view.author else None, is_subtle=not view.author), text(words),
            small(" · ".join(notes))]
    choices = (Choice(t(lang, "Edit"), "edit", str(view.contribution_id)),
               Choice(t(lang, "Delete"), "delete", str(view.contribution_id)))
    return f"{author} ({view.label}): {view.text}", body, choices, None


def _situations(view: SituationList, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    lines = []
    for item in view.items:
        line = f"**{item.number}. {item.title}** — {item.gist}"
        if item.times_used:
            line += " " + t(lang, "(used {count}× here)", count=item.times_used)
        lines.append(text(line))
    title = t(lang, "Situations")
    return title, [heading(title), *lines], view.choices, None


def _situation(view: SituationCard, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    body: list[CardElement] = [text(view.intro)] if view.intro else []
    body += [heading(f"{view.number}. {view.title}"), text(view.description), text(view.question, weight="Bolder")]
    body += [small(t(lang, "Example: {title} ({who}) — {gist}", title=title, who=who, gist=gist))
             for title, who, gist in view.examples]
    fallback = f"{view.number}. {view.title}"
    return (f"{view.intro} {fallback}" if view.intro else fallback), body, view.choices, None


def _summary(view: SummaryView, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    title = (t(lang, "Image of good work") if view.final else t(lang, "Draft image of good work so far")) \
        + f": {view.situation_title}"
    body: list[CardElement] = [heading(title)]
    if view.title_suggestions:
        votes = dict(view.title_votes)
        body.append(text(t(lang, "Title suggestions:"), weight="Bolder"))
        body += [text(f"{number}. {suggestion}" + (f" ({votes[suggestion]})" if votes.get(suggestion) else ""))
                 for number, suggestion in enumerate(view.title_suggestions, 1)]
    if view.narrative:
        body += [text(t(lang, "Our image of good work:"), weight="Bolder"), text(view.narrative)]
    if view.experience:
        who = view.experience_author or t(lang, "anonymous")
        body += [text(t(lang, "Characteristic experience ({who}):", who=who), weight="Bolder"), text(view.experience)]
    for section in view.sections:
        if section.quotes:
            body.append(text(section.label, weight="Bolder"))
            body += [text(f"“{quote}” — {author or t(lang, 'anonymous')}") for quote, author in section.quotes]
    if view.virtues:
        body.append(small(t(lang, "Virtues chosen most: {virtues}",
                            virtues=", ".join(f"{name} ({count})" for name, count in view.virtues))))
    if view.empty_topics:
        body.append(small(t(lang, "Not yet discussed: {topics}", topics=", ".join(view.empty_topics))))
    body.append(small(t(lang, "Participants: {people} · contributions: {count} · passed: {passes}",
                        people=view.participants, count=view.contributions, passes=view.passes)))
    return title, body, view.choices, None


def _reminder(view: ReminderView, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    shown = t(lang, "Reminder: the step {step} of the round on {title} in #{channel} is open until {moment}, "
                    "and you have not taken part yet.",
              step=view.step_label, title=view.situation_title, channel=view.channel, moment=moment(view.ends_at))
    return t(lang, "A reminder from goedwerk"), [text(shown)], view.choices, view.channel


def _consent(view: ConsentRequest, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    body: list[CardElement] = [text(t(lang, "The image of good work on {title} is about to be published "
                                            "and quotes you by name:", title=view.situation_title))]
    body += [text(f"“{quote}”", is_subtle=True) for quote in view.quotes]
    body.append(text(t(lang, "May we use your name? Without an answer by {moment} we quote you anonymously.",
                       moment=moment(view.deadline))))
    return t(lang, "May we quote you?"), body, view.choices, view.channel


def _images(view: ImageList, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    if not view.items:
        empty = t(lang, "No published images of good work yet.")
        return empty, [text(empty)], view.choices, None
    heading_text = t(lang, "Images of good work")
    lines = [text(f"{item.image_id}. " + (f"[{item.title}]({item.link})" if item.link and item.link.startswith("https://")
                                         else f"**{item.title}**") + f" — {item.situation} · {moment(item.published)}")
             for item in view.items]
    return heading_text, [heading(heading_text), *lines], view.choices, None


def _published(view: PublishedView, zone: ZoneInfo, mentions: Mentions):
    lang = view.language
    body: list[CardElement] = [heading(view.title), small(f"{view.situation} · {moment(view.published)}")]
    if view.experience:
        who = view.experience_author or t(lang, "anonymous")
        body += [text(t(lang, "Characteristic experience ({who}):", who=who), weight="Bolder"), text(view.experience)]
    body += [text(t(lang, "Our image of good work:"), weight="Bolder"), text(view.narrative)]
    body += [text(f"**{label}** {words}") for label, words in view.perspectives]
    if view.link and view.link.startswith("https://"):
        body.append(text(f"[{t(lang, 'The A4 as PDF')}]({view.link})"))
    return view.title, body, (), None


def shared_files(comment: str, picture: tuple[str, str] | None, links: Sequence[tuple[str, str]]) -> tuple[str, dict]:
    """A card sharing files by link: the comment, the picture (alt text, url) inline, a button per link."""
    body: list[CardElement] = [text(comment)]
    if picture is not None:
        body.append(Image(url=picture[1], alt_text=picture[0][:100], size="Stretch"))
    actions: list[Action] = [OpenUrlAction(title=title[:40], url=link) for title, link in links[:MAX_BUTTONS]]
    card = AdaptiveCard(version=VERSION, body=body, fallback_text=comment[:200], actions=actions or None)
    return " ".join(comment.split())[:200], card.model_dump(exclude_none=True, by_alias=True)


def _home(view: HomeView, zone: ZoneInfo, mentions: Mentions):
    """The personal overview (Slack's App Home) in the 1:1 chat: rounds, own contributions, images."""
    lang = view.language
    body: list[CardElement] = [heading(t(lang, "Your rounds"))]
    if not view.rounds:
        body.append(text(t(lang, NO_ROUND)))
    body += [text(t(lang, ROUND_LINE, title=f"**{item.situation_title}**", step=item.current_step or "-",
                    until=moment(item.step_ends_at) if item.step_ends_at else "-", deadline=moment(item.deadline)))
             for item in view.rounds]
    body.append(heading(t(lang, "Your contributions")))
    if not view.contributions:
        body.append(text(t(lang, "Nothing yet in a running round.")))
    for item in view.contributions[:20]:
        words = t(lang, "nothing to add") if item.passed else item.text[:EXCERPT]
        label = f"**{item.label}**" + (" · " + t(lang, "anonymous") if item.anonymous else "")
        choices = [Choice(t(lang, "Delete"), "delete", str(item.contribution_id))]
        if not item.passed:
            choices.insert(0, Choice(t(lang, "Edit"), "edit", str(item.contribution_id)))
        body += [text(label), text(words, is_subtle=True),
                 ActionSet(actions=[button(choice, item.channel) for choice in choices])]
    body.append(heading(t(lang, "Images of good work")))
    if not view.images:
        body.append(text(t(lang, "No published images of good work yet.")))
    body += [text(f"**{image.title}** · {moment(image.published_at)}") for image in view.images[:10]]
    body += [heading(t(lang, "Help")), small(view.help)]
    return t(lang, "Your rounds"), body, (), None
