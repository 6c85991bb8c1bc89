"""Select options within Slack's limits: ≤ 75-character texts, ≤ 100 options per list.

More than 100 options become alphabetical option groups of at most 100 each, labelled
with the first and last name in the group ("A – K"), so any number up to 10,000 fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from slack_sdk.models.blocks import Option, OptionGroup, PlainTextObject

from .limits import MAX_OPTION_GROUPS, MAX_OPTION_TEXT, MAX_OPTION_VALUE, MAX_SELECT_OPTIONS
from .text import truncate


def option(label: str, value: str) -> Option:
    """An option whose text is cut to 75 characters; ``value`` must fit in 150."""
    if len(value) > MAX_OPTION_VALUE:
        raise ValueError(f"an option value may have {MAX_OPTION_VALUE} characters: {value[:40]!r}…")
    return Option(text=PlainTextObject(text=truncate(label, MAX_OPTION_TEXT), emoji=True), value=value)


def select_options(pairs: Sequence[tuple[str, str]], *, sort: bool = False) -> dict:
    """Keyword arguments for a (multi) static select: ``options`` or ``option_groups``.

    ``pairs`` are ``(label, value)``. Up to 100 they stay one list in their order; above
    that they are sorted by label and split into even alphabetical groups.
    """
    if not pairs:
        raise ValueError("a select needs at least one option")
    if len(pairs) <= MAX_SELECT_OPTIONS and not sort:
        return {"options": [option(label, value) for label, value in pairs]}
    ordered = sorted(pairs, key=lambda pair: pair[0].casefold())
    if len(ordered) <= MAX_SELECT_OPTIONS:
        return {"options": [option(label, value) for label, value in ordered]}
    count = math.ceil(len(ordered) / MAX_SELECT_OPTIONS)
    if count > MAX_OPTION_GROUPS:
        raise ValueError(f"{len(ordered)} options do not fit in one select")
    size = math.ceil(len(ordered) / count)
    groups = []
    for start in range(0, len(ordered), size):
        chunk = ordered[start:start + size]
        name = f"{chunk[0][0][:1].upper()} – {chunk[-1][0][:1].upper()}"
        groups.append(OptionGroup(label=PlainTextObject(text=name),
                                  options=[option(label, value) for label, value in chunk]))
    return {"option_groups": groups}


def chosen(kwargs: dict, values: Sequence[str]) -> list[Option]:
    """The options among ``kwargs`` (from :func:`select_options`) whose value is in ``values``."""
    wanted = set(values)
    options = kwargs.get("options") or [o for group in kwargs.get("option_groups", []) for o in group.options]
    return [o for o in options if o.value in wanted]
