"""The start modal: choose a situation (or a random one) and a round length.

Its submission gives ``read_start(...)`` → ``{"situation": "3" | "random", "plan": None |
plan text}``; ``plan`` None means the workspace's default plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    OptionGroup,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from flows.i18n import t, tn
from flows.views import SituationList

from .limits import MAX_MODAL_TITLE, MAX_SELECT_OPTIONS, check_modal
from .metadata import write_metadata
from .options import option, select_options
from .text import escape, truncate

CALLBACK_START = "goedwerk:start"
BLOCK_SITUATION = "situation"
ACTION_SITUATION = "situation"
BLOCK_PLAN = "plan"
ACTION_PLAN = "plan"
RANDOM = "random"
DEFAULT_PLAN = "default"
DEMO_PLAN = "kop=3h,handelingen+kennis=3h,waarden+vrijheid=3h,identiteit=3h,staart=12h"
"""A one-day round for demonstrations: hour steps run exactly (see flows.engine.plan)."""


def _text(text: str) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, MAX_MODAL_TITLE), emoji=True)


def start_modal(situations: SituationList, channel_id: str, advice: Sequence[str] = (),
                default_plan_days: int = 7) -> dict:
    """The modal to start a round in ``channel_id``.

    ``advice`` is the booklet's advice for choosing (``content.process.choosing`` in the
    channel's language), shown as help above the choice; ``default_plan_days`` names the
    length of the default plan in its option ("one week (default)").
    """
    lang = situations.language
    blocks: list = []
    if advice:
        lines = "\n".join(f"• {escape(line)}" for line in advice)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(lines, 3000))]))
    random_option = option(t(lang, "Random situation"), RANDOM)
    pairs = [(f"{item.number}. {item.title} — {item.gist}", str(item.number)) for item in situations.items]
    if len(pairs) < MAX_SELECT_OPTIONS:
        kwargs: dict = {"options": [random_option, *(option(label, value) for label, value in pairs)]}
    else:
        found = select_options(pairs, sort=True)
        groups = found.get("option_groups") or [OptionGroup(label=_text(t(lang, "Situations")),
                                                             options=found["options"])]
        kwargs = {"option_groups": [OptionGroup(label=_text(t(lang, "Random situation")), options=[random_option]),
                                    *groups]}
    blocks.append(InputBlock(
        block_id=BLOCK_SITUATION, label=PlainTextObject(text=t(lang, "Situation")),
        element=StaticSelectElement(action_id=ACTION_SITUATION, initial_option=random_option, **kwargs),
    ))
    if default_plan_days == 7:
        default_label = t(lang, "One week (default)")
    else:
        default_label = tn(lang, "{count} day (default)", "{count} days (default)", default_plan_days)
    default = option(default_label, DEFAULT_PLAN)
    blocks.append(InputBlock(
        block_id=BLOCK_PLAN, label=PlainTextObject(text=t(lang, "Length of the round")),
        element=StaticSelectElement(action_id=ACTION_PLAN, initial_option=default,
                                    options=[default, option(t(lang, "One day (demo)"), DEMO_PLAN)]),
    ))
    check_modal(blocks)
    metadata = write_metadata(channel=channel_id)
    view = View(type="modal", callback_id=CALLBACK_START, title=_text(t(lang, "Start a round")),
                submit=_text(t(lang, "Start")), close=_text(t(lang, "Cancel")), blocks=blocks,
                private_metadata=metadata)
    return view.to_dict()


def read_start(view_state: dict) -> dict:
    """``{"situation": "3" | "random", "plan": None | plan text}`` from the start modal's state."""
    values = view_state.get("values", view_state)
    situation = (values.get(BLOCK_SITUATION, {}).get(ACTION_SITUATION, {}).get("selected_option") or {})
    plan = (values.get(BLOCK_PLAN, {}).get(ACTION_PLAN, {}).get("selected_option") or {}).get("value")
    return {"situation": situation.get("value", RANDOM), "plan": None if plan in (None, DEFAULT_PLAN) else plan}
