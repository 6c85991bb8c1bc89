"""Buttons for the engine's :class:`flows.views.Choice` s, and decoding what comes back.

Every action id starts with ``goedwerk:``. A button's action id is ``goedwerk:<action>``;
Slack wants action ids unique within one actions block, so a second button with the
same action in a block gets ``goedwerk:<action>#2`` (and so on). Listeners register
:data:`ACTION_PATTERN` and turn any ``block_actions`` action into the engine's
``(action, value)`` with :func:`decode_action`, also for the contribution menu.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, PlainTextObject

from flows.views import Choice

from .limits import MAX_ACTIONS_ELEMENTS, MAX_BUTTON_TEXT, MAX_BUTTON_VALUE
from .text import truncate

PREFIX = "goedwerk:"
ACTION_PATTERN = re.compile(r"^goedwerk:([A-Za-z0-9_-]+)(?:#\d+)?$")
"""Matches every action id these builders produce; group 1 is the engine's action."""
MENU_ACTION = "contribution"
"""The overflow menu of a contribution: ``goedwerk:contribution``, option values ``edit:40``."""


def action_id(action: str) -> str:
    """The Slack action id for an engine action."""
    return PREFIX + action


def action_of(slack_action_id: str) -> str | None:
    """The engine action of a Slack action id made here (None for a foreign id)."""
    match = ACTION_PATTERN.match(slack_action_id)
    return match.group(1) if match else None


def decode_action(action: dict) -> tuple[str, str] | None:
    """``(action, value)`` for the engine's ``Choose`` from one ``block_actions`` action.

    Buttons give their value; selects and overflow menus their selected option's value.
    The contribution menu's ``edit:40`` / ``delete:40`` become ``("edit", "40")`` /
    ``("delete", "40")``. None when the action id is not one of ours.
    """
    name = action_of(action.get("action_id", ""))
    if name is None:
        return None
    value = action.get("value")
    if value is None:
        value = (action.get("selected_option") or {}).get("value", "")
    if name == MENU_ACTION:
        verb, _, number = value.partition(":")
        return verb, number
    return name, value


def buttons(choices: Sequence[Choice]) -> list[dict]:
    """Actions blocks (≤ 25 buttons each) for ``choices``; action ids unique per block."""
    blocks = []
    for start in range(0, len(choices), MAX_ACTIONS_ELEMENTS):
        seen: dict[str, int] = {}
        elements = []
        for choice in choices[start:start + MAX_ACTIONS_ELEMENTS]:
            seen[choice.action] = seen.get(choice.action, 0) + 1
            suffix = f"#{seen[choice.action]}" if seen[choice.action] > 1 else ""
            elements.append(ButtonElement(
                text=PlainTextObject(text=truncate(choice.label, MAX_BUTTON_TEXT), emoji=True),
                action_id=action_id(choice.action) + suffix,
                value=truncate(choice.value, MAX_BUTTON_VALUE) if choice.value else None,
                style="primary" if choice.primary else None,
            ))
        blocks.append(ActionsBlock(elements=elements).to_dict())
    return blocks
