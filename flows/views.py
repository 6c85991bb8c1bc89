"""What the engine shows, as data: adapters turn views into Block Kit, text or cards.

Every view carries the ``language`` it is meant in. Free texts (``Notice.text``) are
already translated by the engine; structured views are translated by the renderer
through :mod:`flows.i18n`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flows.i18n import N_

SCAFFOLD_HINT = N_("(A first version from the tail; make it yours with '/goedwerk image narrative <text>'.)")
"""Shown under a narrative that the bot drafted from the tail (``SummaryView.narrative_is_scaffold``)."""


@dataclass(frozen=True)
class Notice:
    """A short message: a confirmation, a refusal, an explanation."""

    language: str
    text: str
    error: bool = False
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Choice:
    """A button: ``action`` and ``value`` come back in a :class:`flows.events.Choose`."""

    label: str
    action: str
    value: str = ""
    primary: bool = False


@dataclass(frozen=True)
class SituationItem:
    number: int
    title: str
    gist: str
    times_used: int = 0


@dataclass(frozen=True)
class SituationList:
    language: str
    items: tuple[SituationItem, ...]
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class SituationCard:
    language: str
    number: int
    title: str
    description: str
    question: str
    examples: tuple[tuple[str, str, str], ...] = ()
    choices: tuple[Choice, ...] = ()
    intro: str = ""
    """A line shown above the card (the weekly prompt's invitation); empty for none."""


@dataclass(frozen=True)
class StepInfo:
    name: str
    label: str
    starts_at: datetime
    ends_at: datetime
    state: str  # "done", "current", "upcoming" or "skipped" (the round closed before it opened)
    """``starts_at``/``ends_at`` are when the step really ran where it did, else the plan."""


@dataclass(frozen=True)
class Coverage:
    topic: str
    label: str
    count: int


@dataclass(frozen=True)
class RoundView:
    """The kickoff message of a round, kept up to date in place; also the status answer."""

    language: str
    round_id: int
    status: str
    situation_number: int
    situation_title: str
    description: str
    question: str
    steps: tuple[StepInfo, ...]
    coverage: tuple[Coverage, ...]
    participants: int
    deadline: datetime
    facilitator: str
    current_step: str | None
    summary_ready: bool = False
    choices: tuple[Choice, ...] = ()
    welcome: str = ""
    """On the channel's first round: what a grenswerker and an image of good work are."""


@dataclass(frozen=True)
class PromptView:
    """The prompt that opens one topic: the head, one perspective, or the tail."""

    language: str
    round_id: int
    topic: str
    label: str
    step_name: str
    kind: str  # "head", "body" or "tail"
    intro: str
    questions: tuple[str, ...]
    note: str | None
    ends_at: datetime
    situation_title: str
    choices: tuple[Choice, ...] = ()
    held: int | None = None
    """In the head while stories are kept unseen: how many came in so far; else None."""
    fields: tuple[tuple[str, str], ...] = ()
    """In the tail: the rich A4's fields as (name, guidance)."""
    examples: tuple[tuple[str, str, str], ...] = ()
    """In the tail: the situation's example images as (title, who, gist), for inspiration."""


@dataclass(frozen=True)
class ContributionView:
    """One contribution as the channel sees it: ``author`` is None when anonymous."""

    language: str
    contribution_id: int
    round_id: int
    topic: str
    label: str
    author: str | None
    text: str
    passed: bool
    virtues: tuple[str, ...] = ()
    edited: bool = False


@dataclass(frozen=True)
class ContributionForm:
    """The form to contribute to one topic (or to edit a contribution)."""

    language: str
    round_id: int
    topic: str
    label: str
    questions: tuple[str, ...]
    virtue_options: tuple[str, ...] = ()
    max_length: int = 3000
    contribution_id: int | None = None
    text: str = ""
    anonymous: bool = False
    chosen_virtues: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftSection:
    topic: str
    label: str
    quotes: tuple[tuple[str, str | None], ...]  # (quote, author or None)


@dataclass(frozen=True)
class SummaryView:
    """The draft of the image of good work in the rich-A4 form."""

    language: str
    round_id: int
    situation_title: str
    title_suggestions: tuple[str, ...]
    experience: str | None
    experience_author: str | None
    sections: tuple[DraftSection, ...]
    virtues: tuple[tuple[str, int], ...]
    participants: int
    contributions: int
    passes: int
    empty_topics: tuple[str, ...]
    final: bool = False
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    title_votes: tuple[tuple[str, int], ...] = ()
    narrative: str | None = None
    picture: str | None = None
    status: str = "draft"  # "draft", "awaiting_consent" or "published"
    title: str | None = None
    """The title the facilitator or image builder set (``beeld titel``); None while the vote decides."""
    narrative_is_scaffold: bool = False
    """True while ``narrative`` is still the first version built from the tail, not edited yet."""




@dataclass(frozen=True)
class ReminderView:
    """A private reminder: the step is open until ``ends_at`` and you have not taken part yet.

    ``channel`` is the platform id of the team channel, so buttons in a private
    conversation still reach the right round.
    """

    language: str
    round_id: int
    channel: str
    situation_title: str
    step_label: str
    ends_at: datetime
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class ConsentRequest:
    """Asks one person whether their words may be quoted by name in the published image."""

    language: str
    round_id: int
    channel: str
    situation_title: str
    quotes: tuple[str, ...]
    deadline: datetime
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class ImageForm:
    """Editing the draft together: what the form shows depends on ``part``.

    ``part`` is "text" (title, experience, narrative; the facilitator may also pick a
    head story), "vote" (the title suggestions) or "picture" (the pictures to choose).
    """

    language: str
    round_id: int
    part: str
    title: str = ""
    experience: str = ""
    narrative: str = ""
    stories: tuple[tuple[int, str], ...] = ()
    may_pick_story: bool = False
    suggestions: tuple[str, ...] = ()
    pictures: tuple[tuple[str, str], ...] = ()
    """Built-in pictures as (stored name, name in the form's language)."""


@dataclass(frozen=True)
class ImageItem:
    image_id: int
    title: str
    situation: str
    published: datetime
    link: str | None  # where the shared files are (a Slack permalink, a local path)
    channel: str


@dataclass(frozen=True)
class ImageList:
    """The collection: the channel's published images (and other channels' when shared)."""

    language: str
    items: tuple[ImageItem, ...]
    query: str | None = None
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class PublishedView:
    """One published image of good work, opened from the collection."""

    language: str
    title: str
    situation: str
    published: datetime
    experience: str
    experience_author: str | None
    narrative: str
    perspectives: tuple[tuple[str, str], ...]
    virtues: tuple[str, ...]
    participants: tuple[str, ...]
    link: str | None


@dataclass(frozen=True)
class HomeRound:
    channel: str
    round_id: int
    situation_title: str
    current_step: str | None
    step_ends_at: datetime | None
    deadline: datetime


@dataclass(frozen=True)
class HomeContribution:
    channel: str
    contribution_id: int
    label: str
    text: str
    anonymous: bool
    passed: bool


@dataclass(frozen=True)
class HomeImage:
    channel: str
    title: str
    published_at: datetime


@dataclass(frozen=True)
class HomeView:
    """One person's overview (Slack's App Home): their rounds, their words, the team's images."""

    language: str
    user: str
    rounds: tuple[HomeRound, ...]
    contributions: tuple[HomeContribution, ...]
    images: tuple[HomeImage, ...]
    help: str


View = (
    Notice | SituationList | SituationCard | RoundView | PromptView | ContributionView
    | ContributionForm | SummaryView | HomeView | ReminderView | ConsentRequest | ImageList
    | ImageForm | PublishedView
)
