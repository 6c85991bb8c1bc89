"""Modals: the contribution form (new or edit) and reading its submission back.

The start modal lives in :mod:`bot.slack.blocks.start` and is re-exported here.
Block and action ids are constants so listeners read submissions without guessing.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from flows.i18n import t
from flows.views import ContributionForm

from .limits import MAX_HEADER_TEXT, MAX_INPUT_LENGTH, MAX_MODAL_BUTTON, MAX_MODAL_TITLE, check_modal
from .metadata import read_metadata, write_metadata
from .options import chosen, option, select_options
from .start import (
    ACTION_PLAN,
    ACTION_SITUATION,
    BLOCK_PLAN,
    BLOCK_SITUATION,
    CALLBACK_START,
    DEMO_PLAN,
    read_start,
    start_modal,
)
from .text import escape, truncate

CALLBACK_CONTRIBUTE = "goedwerk:contribute"
BLOCK_TEXT = "text"
ACTION_TEXT = "text"
BLOCK_OPTIONS = "options"
ACTION_OPTIONS = "options"
OPTION_ANONYMOUS = "anonymous"
OPTION_PASS = "pass"
BLOCK_VIRTUES = "virtues"
ACTION_VIRTUES = "virtues"

__all__ = ["ACTION_OPTIONS", "ACTION_PLAN", "ACTION_SITUATION", "ACTION_TEXT", "ACTION_VIRTUES", "BLOCK_OPTIONS",
           "BLOCK_PLAN", "BLOCK_SITUATION", "BLOCK_TEXT", "BLOCK_VIRTUES", "CALLBACK_CONTRIBUTE", "CALLBACK_START",
           "DEMO_PLAN", "OPTION_ANONYMOUS", "OPTION_PASS", "contribution_modal", "modal_text", "read_metadata",
           "read_start", "read_submission", "start_modal", "write_metadata"]


def modal_text(text: str) -> PlainTextObject:
    """A modal title or button text, cut to Slack's 24 characters."""
    return PlainTextObject(text=truncate(text, min(MAX_MODAL_TITLE, MAX_MODAL_BUTTON)), emoji=True)


def contribution_modal(form: ContributionForm, channel_id: str) -> dict:
    """The modal to contribute to one topic, or to edit contribution ``form.contribution_id``.

    ``private_metadata`` holds ``round_id``, ``topic``, ``channel`` and, when editing,
    ``contribution_id`` (read it with :func:`read_metadata`). The text is optional so a
    pass needs no text; the engine refuses an empty contribution that is not a pass.
    The pass option is left out when editing.
    """
    lang = form.language
    editing = form.contribution_id is not None
    blocks: list = [HeaderBlock(text=PlainTextObject(text=truncate(form.label, MAX_HEADER_TEXT), emoji=True))]
    if form.questions:
        questions = "\n".join(f"• {escape(q)}" for q in form.questions)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(questions, 3000))]))
    limit = max(1, min(form.max_length, MAX_INPUT_LENGTH))
    blocks.append(InputBlock(
        block_id=BLOCK_TEXT, optional=True, label=PlainTextObject(text=t(lang, "Your contribution")),
        element=PlainTextInputElement(action_id=ACTION_TEXT, multiline=True, max_length=limit,
                                      initial_value=form.text[:limit] or None),
        hint=PlainTextObject(text=t(lang, "At most {limit} characters.", limit=limit)),
    ))
    choices = [option(t(lang, "Post anonymously"), OPTION_ANONYMOUS)]
    if not editing:
        choices.append(option(t(lang, "Nothing to add (pass)"), OPTION_PASS))
    blocks.append(InputBlock(
        block_id=BLOCK_OPTIONS, optional=True, label=PlainTextObject(text=t(lang, "Options")),
        element=CheckboxesElement(action_id=ACTION_OPTIONS, options=choices,
                                  initial_options=choices[:1] if form.anonymous else None),
    ))
    if form.virtue_options:
        kwargs = select_options([(name, name) for name in form.virtue_options], sort=True)
        initial = chosen(kwargs, form.chosen_virtues) or None
        blocks.append(InputBlock(
            block_id=BLOCK_VIRTUES, optional=True, label=PlainTextObject(text=t(lang, "Virtues")),
            element=StaticMultiSelectElement(action_id=ACTION_VIRTUES, initial_options=initial,
                                             placeholder=PlainTextObject(text=t(lang, "Choose virtues")), **kwargs),
        ))
    check_modal(blocks)
    title = t(lang, "Edit contribution") if editing else t(lang, "Contribute")
    view = View(type="modal", callback_id=CALLBACK_CONTRIBUTE, title=modal_text(title),
                submit=modal_text(t(lang, "Send")), close=modal_text(t(lang, "Cancel")), blocks=blocks,
                private_metadata=write_metadata(round_id=form.round_id, topic=form.topic, channel=channel_id,
                                                contribution_id=form.contribution_id))
    return view.to_dict()


def read_submission(view_state: dict) -> dict:
    """``{"text", "anonymous", "passed", "virtues"}`` from a submission's ``view["state"]["values"]``.

    Accepts the ``values`` dict itself or a ``state`` dict holding it. The text is
    stripped ("" when empty); virtues keep the order Slack sends them in.
    """
    values = view_state.get("values", view_state)
    text = (values.get(BLOCK_TEXT, {}).get(ACTION_TEXT, {}).get("value") or "").strip()
    ticked = {o["value"] for o in values.get(BLOCK_OPTIONS, {}).get(ACTION_OPTIONS, {}).get("selected_options") or []}
    virtues = [o["value"] for o in values.get(BLOCK_VIRTUES, {}).get(ACTION_VIRTUES, {}).get("selected_options") or []]
    return {"text": text, "anonymous": OPTION_ANONYMOUS in ticked, "passed": OPTION_PASS in ticked,
            "virtues": tuple(virtues)}
