"""Modals for working on the draft image of good work: text, title vote, picture."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject, StaticSelectElement
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from flows.i18n import t
from flows.views import ImageForm

from .limits import MAX_INPUT_LENGTH, check_modal
from .metadata import write_metadata
from .modals import modal_text
from .options import option
from .text import truncate

CALLBACK_IMAGE = "goedwerk:image"
TITLE, EXPERIENCE, NARRATIVE, STORY, VOTE, OWN_TITLE, PICTURE, EMOJI, UPLOAD = (
    "title", "experience", "narrative", "story", "vote", "own_title", "picture", "emoji", "upload")
TITLE_LIMIT = 120


def _input(block: str, label: str, value: str, limit: int, multiline: bool = True) -> InputBlock:
    return InputBlock(block_id=block, optional=True, label=PlainTextObject(text=label),
                      element=PlainTextInputElement(action_id=block, multiline=multiline, max_length=limit,
                                                    initial_value=value[:limit] or None))


def _select(block: str, label: str, pairs: list[tuple[str, str]], current: str | None = None) -> InputBlock:
    options = [option(truncate(text, 75), value) for text, value in pairs[:100]]
    initial = next((o for o in options if o.value == current), None)
    return InputBlock(block_id=block, optional=True, label=PlainTextObject(text=label),
                      element=StaticSelectElement(action_id=block, options=options, initial_option=initial))


def image_modal(form: ImageForm, channel_id: str) -> dict:
    lang = form.language
    blocks: list = []
    if form.part == "text":
        blocks.append(_input(TITLE, t(lang, "Catchy title"), form.title, TITLE_LIMIT, multiline=False))
        blocks.append(_input(EXPERIENCE, t(lang, "Characteristic experience"), form.experience, MAX_INPUT_LENGTH))
        blocks.append(_input(NARRATIVE, t(lang, "Image of good work"), form.narrative, MAX_INPUT_LENGTH))
        if form.may_pick_story and form.stories:
            blocks.append(_select(STORY, t(lang, "Or use another story from the head"),
                                  [(f"{number}. {text}", str(number)) for number, text in form.stories]))
        heading = t(lang, "Edit the image")
    elif form.part == "vote":
        if form.suggestions:  # a select needs options: before the tail there may be no suggestions yet
            blocks.append(_select(VOTE, t(lang, "Your title"),
                                  [(title, str(number)) for number, title in enumerate(form.suggestions, 1)]))
        blocks.append(_input(OWN_TITLE, t(lang, "Or a title of your own"), "", TITLE_LIMIT, multiline=False))
        heading = t(lang, "Vote for a title")
    else:
        blocks.append(_select(PICTURE, t(lang, "A picture"), [(label, name) for name, label in form.pictures]))
        blocks.append(_input(EMOJI, t(lang, "Or one emoji"), "", 8, multiline=False))
        blocks.append(InputBlock(block_id=UPLOAD, optional=True, label=PlainTextObject(text=t(lang, "Or upload a "
                                                                                                    "picture")),
                                 element=FileInputElement(action_id=UPLOAD, filetypes=["png", "jpg", "jpeg"],
                                                          max_files=1)))
        heading = t(lang, "Picture")
    check_modal(blocks)
    view = View(type="modal", callback_id=CALLBACK_IMAGE, title=modal_text(heading),
                submit=modal_text(t(lang, "Save")), close=modal_text(t(lang, "Cancel")), blocks=blocks,
                private_metadata=write_metadata(round_id=form.round_id, part=form.part, channel=channel_id))
    return view.to_dict()


def read_image(view_state: dict) -> dict:
    """The submitted fields (None where left empty), named as :class:`flows.events.EditImage`'s."""
    values = view_state.get("values", view_state)

    def text(block: str) -> str | None:
        value = (values.get(block, {}).get(block, {}).get("value") or "").strip()
        return value or None

    def selected(block: str) -> str | None:
        return (values.get(block, {}).get(block, {}).get("selected_option") or {}).get("value")

    story = selected(STORY)
    files = values.get(UPLOAD, {}).get(UPLOAD, {}).get("files") or []
    upload = files[0].get("url_private_download") or files[0].get("url_private") if files else None
    return {"upload": upload, "title": text(TITLE) or text(OWN_TITLE), "experience": text(EXPERIENCE),
            "narrative": text(NARRATIVE),
            "story": int(story) if story and story.isdigit() else None, "vote": selected(VOTE),
            "picture": selected(PICTURE) or text(EMOJI)}
