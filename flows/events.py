"""Neutral input events: what adapters hand the engine.

Every event carries an :class:`Actor` context (who, in which workspace and channel).
Adapters build these from platform requests; the dispatcher builds
:class:`DueAction` from scheduled-action rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acts where. Ids are the platform's (Slack ids, console names)."""

    platform: str
    workspace: str
    channel: str
    user: str
    user_name: str | None = None
    is_admin: bool = False
    channel_name: str | None = None


@dataclass(frozen=True)
class Command:
    """A typed subcommand, e.g. the text after ``/goedwerk``."""

    actor: Actor
    text: str


@dataclass(frozen=True)
class Contribute:
    """A contribution from a form (or a parsed command) to one topic of the active round."""

    actor: Actor
    topic: str
    text: str
    anonymous: bool = False
    passed: bool = False
    virtues: tuple[str, ...] = ()
    idempotency_key: str | None = None
    round_id: int | None = None


@dataclass(frozen=True)
class EditContribution:
    actor: Actor
    contribution_id: int
    text: str
    anonymous: bool | None = None
    virtues: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DeleteContribution:
    actor: Actor
    contribution_id: int


@dataclass(frozen=True)
class Choose:
    """A button or menu choice; ``action`` names what was chosen, ``value`` is untrusted."""

    actor: Actor
    action: str
    value: str = ""


@dataclass(frozen=True)
class EditImage:
    """A submitted image form: only the fields given change (untrusted: checked by the engine)."""

    actor: Actor
    round_id: int | None  # None: the channel's latest round
    title: str | None = None
    experience: str | None = None
    narrative: str | None = None
    story: int | None = None
    vote: str | None = None
    picture: str | None = None
    picture_bytes: bytes | None = None


@dataclass(frozen=True)
class DueAction:
    """A scheduled action whose time has come (built by the dispatcher from its row)."""

    action_id: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict[str, Any])


Event = Command | Contribute | EditContribution | DeleteContribution | Choose | EditImage | DueAction
