"""Neutral output effects: what the engine asks adapters to do.

Messages the engine may later update or thread under carry a ``key`` (``kickoff:12``,
``prompt:12:kennis``, ``contribution:40``); adapters remember where each keyed message
landed on their platform (see :mod:`flows.store.messages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .views import View


@dataclass(frozen=True)
class Place:
    """A channel on a platform, by the platform's ids."""

    platform: str
    workspace: str
    channel: str


@dataclass(frozen=True)
class Post:
    """Post a message in a channel, or as a thread reply under ``thread_key``."""

    place: Place
    view: View
    key: str | None = None
    thread_key: str | None = None


@dataclass(frozen=True)
class Update:
    """Replace the content of the keyed message in place."""

    place: Place
    key: str
    view: View


@dataclass(frozen=True)
class Remove:
    """Delete the keyed message."""

    place: Place
    key: str


@dataclass(frozen=True)
class DirectMessage:
    """A private message to one user of the workspace."""

    place: Place
    user: str
    view: View
    key: str | None = None


@dataclass(frozen=True)
class Ephemeral:
    """A message in the channel that only ``user`` sees."""

    place: Place
    user: str
    view: View


@dataclass(frozen=True)
class OpenForm:
    """Open a form (a modal) for ``user``; the adapter supplies the trigger."""

    place: Place
    user: str
    view: View


@dataclass(frozen=True)
class FileBlob:
    name: str
    title: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class Upload:
    """Share files in the channel (the published A4 and its card), with a comment."""

    place: Place
    files: tuple[FileBlob, ...]
    comment: str
    key: str | None = None


@dataclass(frozen=True)
class DirectFile:
    """Send one file privately to ``user`` (e.g. their data export), with a comment."""

    place: Place
    user: str
    file: FileBlob
    comment: str


Effect = Post | Update | Remove | DirectMessage | Ephemeral | OpenForm | Upload | DirectFile


@dataclass(frozen=True)
class SentMessage:
    """Where a keyed message landed (``ref``: the platform's id for it, e.g. a Slack ts)."""

    place: Place
    key: str
    ref: str
    thread_ref: str | None = None


@dataclass
class Delivery:
    """How the dispatcher asks for first sends of a batch to be delivered.

    Their keyed messages were never sent (no need to look for an earlier one), and the
    adapter appends where each landed to :attr:`sent` instead of recording it in a
    transaction of its own: the dispatcher records them with the actions' outcome.
    """

    sent: list[SentMessage] = field(default_factory=list)
