"""What an adapter must know about a command or a choice before the engine runs it.

Some work cannot wait for the engine's answer: a form has to open within the few seconds
its trigger lives, so an adapter sends form work ahead of other work; whether someone
is a workspace admin, and the name to show with their words, are asked of the platform
beforehand. The engine decides all of this itself (``Engine._command`` and
``Engine._choice`` return ``OpenForm``, ``require_facilitator`` checks the role); this
table is the one place adapters read it from. A command put in the wrong lane still runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.engine import commands, presenters


@dataclass(frozen=True)
class CommandTraits:
    facilitator_or_admin: bool = False
    """For the round's facilitator or a workspace admin (in whole or in part, such as
    ``collectie share``): the adapter looks up whether the person is an admin first."""
    needs_name: bool = False
    """Stores words under the person's name: the adapter looks up their display name first."""
    opens_form: Callable[[dict[str, Any]], bool] = lambda args: False
    """Whether the command, with these parsed arguments, answers with a form."""


def _start_opens_form(args: dict[str, Any]) -> bool:
    """``start`` without a situation (and not ``random``) opens the situation picker."""
    return args["situation"] is None and not args["random"]


COMMAND_TRAITS: dict[str, CommandTraits] = {
    "start": CommandTraits(needs_name=True, opens_form=_start_opens_form),
    "bijdrage": CommandTraits(needs_name=True),
    "pas": CommandTraits(needs_name=True),
    "volgende": CommandTraits(facilitator_or_admin=True),
    "sluit": CommandTraits(facilitator_or_admin=True),
    "stop": CommandTraits(facilitator_or_admin=True),
    "begeleider": CommandTraits(facilitator_or_admin=True),
    "ervaring": CommandTraits(facilitator_or_admin=True),
    "publiceer": CommandTraits(facilitator_or_admin=True),
    "collectie": CommandTraits(facilitator_or_admin=True),
}
"""Traits by canonical command name (see :data:`flows.engine.commands.ALIASES`); a command
not listed has none."""

FORM_CHOICES = frozenset({presenters.CONTRIBUTE, "edit", "image_text", "image_vote", "image_picture"})
"""Button and menu choices (``Choose.action``) the engine answers with a form."""

_NONE = CommandTraits()


def of_command(text: str) -> CommandTraits:
    """The traits of the command ``text`` starts with (in any language); none for unknown words."""
    words = text.strip().split()
    name = commands.ALIASES.get(words[0].lower()) if words else None
    return COMMAND_TRAITS.get(name, _NONE) if name else _NONE


def command_opens_form(text: str) -> bool:
    """Whether the command ``text`` answers with a form (False when it does not parse)."""
    try:
        parsed = commands.parse(text)
    except commands.CommandError:
        return False
    return COMMAND_TRAITS.get(parsed.name, _NONE).opens_form(parsed.args)


def choice_opens_form(name: str) -> bool:
    """Whether the choice (button or menu) ``name`` answers with a form."""
    return name in FORM_CHOICES
