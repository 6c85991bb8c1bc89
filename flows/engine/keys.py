"""The keys of the messages the engine posts and later updates, threads under or removes.

An effect names its message by key (``Post(key=…)``, ``Update(key)``, ``thread_key``); the
adapter records where each keyed message landed (``message_refs``) and finds it again by
the same key. This module is the one place their spelling lives.
"""

from __future__ import annotations

CONTRIBUTION_PREFIX = "contribution:"


def kickoff(round_id: int) -> str:
    """The round's kickoff message, kept up to date in place."""
    return f"kickoff:{round_id}"


def prompt(round_id: int, topic: str) -> str:
    """A step's prompt for one perspective (or the head or tail); contributions are its replies."""
    return f"prompt:{round_id}:{topic}"


def draft(round_id: int) -> str:
    """The draft image of good work posted in the last step's thread."""
    return f"draft:{round_id}"


def summary(round_id: int) -> str:
    """The image of good work posted in the channel when the round closes."""
    return f"summary:{round_id}"


def contribution(contribution_id: int) -> str:
    """One contribution, a reply in its prompt's thread."""
    return f"{CONTRIBUTION_PREFIX}{contribution_id}"


def contribution_of(key: str | None) -> int | None:
    """The contribution id a message key names, or None for any other key."""
    if key and key.startswith(CONTRIBUTION_PREFIX) and key[len(CONTRIBUTION_PREFIX):].isdigit():
        return int(key[len(CONTRIBUTION_PREFIX):])
    return None


def image(image_id: int) -> str:
    """A published image of good work (its files)."""
    return f"image:{image_id}"


def consent(round_id: int, user: str) -> str:
    """The private question to someone quoted by name whether they may be named."""
    return f"consent:{round_id}:{user}"


def checkback(image_id: int) -> str:
    """The question, weeks after publication, whether the image still holds."""
    return f"checkback:{image_id}"
