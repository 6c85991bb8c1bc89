"""Checking a card as Teams' Adaptive Card schema (1.5) would, with Microsoft's typed models.

:func:`validate_card` walks the card: every element and action must be a type of schema
1.5, every property one its model declares (so a misspelt property fails, which the
models alone would let through), every value of the declared type (enums included), and
the whole card within Teams' message size. The models are ``microsoft-teams-cards``'s,
generated from the schema Teams publishes.
"""

from __future__ import annotations

import json

from microsoft_teams import cards as models
from pydantic import BaseModel, ValidationError

MAX_BYTES = 28 * 1024
"""Teams refuses messages over about 28 KB."""
ELEMENTS = {"TextBlock": models.TextBlock, "Image": models.Image, "Media": models.Media,
            "RichTextBlock": models.RichTextBlock, "TextRun": models.TextRun, "ActionSet": models.ActionSet,
            "Container": models.Container, "ColumnSet": models.ColumnSet, "Column": models.Column,
            "FactSet": models.FactSet, "ImageSet": models.ImageSet, "Table": models.Table,
            "Input.Text": models.TextInput, "Input.Number": models.NumberInput, "Input.Date": models.DateInput,
            "Input.Time": models.TimeInput, "Input.Toggle": models.ToggleInput,
            "Input.ChoiceSet": models.ChoiceSetInput}
ACTIONS = {"Action.OpenUrl": models.OpenUrlAction, "Action.Submit": models.SubmitAction,
           "Action.ShowCard": models.ShowCardAction, "Action.ToggleVisibility": models.ToggleVisibilityAction,
           "Action.Execute": models.ExecuteAction}
FREE_FORM = {"data", "msteams", "choices", "facts", "selectAction", "columns", "items", "inlines", "body",
             "actions", "card"}
"""Properties whose contents are checked on their own (nested elements) or are ours (``data``)."""


class CardError(AssertionError):
    pass


def validate_card(card: dict) -> None:
    """Raise :class:`CardError` naming the first problem of ``card``."""
    size = len(json.dumps(card).encode())
    if size > MAX_BYTES:
        raise CardError(f"card of {size} bytes is over Teams' {MAX_BYTES}")
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.5":
        raise CardError("not an Adaptive Card of version 1.5")
    _model(models.AdaptiveCard, card, "card")
    for number, element in enumerate(card.get("body") or []):
        _element(element, f"body[{number}]")
    for number, action in enumerate(card.get("actions") or []):
        _action(action, f"actions[{number}]")


def _element(element: dict, where: str) -> None:
    kind = element.get("type")
    if kind not in ELEMENTS:
        raise CardError(f"{where}: {kind!r} is no element of schema 1.5")
    _model(ELEMENTS[kind], element, where)
    if kind == "TextBlock" and not str(element.get("text") or "").strip():
        raise CardError(f"{where}: a TextBlock without text")
    if kind.startswith("Input.") and not element.get("id"):
        raise CardError(f"{where}: an input without id")
    for name in ("items", "columns", "body"):
        for number, child in enumerate(element.get(name) or []):
            _element(child, f"{where}.{name}[{number}]")
    for number, action in enumerate(element.get("actions") or []):
        _action(action, f"{where}.actions[{number}]")


def _action(action: dict, where: str) -> None:
    kind = action.get("type")
    if kind not in ACTIONS:
        raise CardError(f"{where}: {kind!r} is no action of schema 1.5")
    _model(ACTIONS[kind], action, where)
    if not action.get("title"):
        raise CardError(f"{where}: an action without title")
    if kind == "Action.ShowCard":
        validate_card({**action["card"], "version": "1.5"})


def _model(model: type[BaseModel], value: dict, where: str) -> None:
    known = {"type"} | {field.serialization_alias or field.alias or name for name, field in model.model_fields.items()}
    known |= {model.model_config["alias_generator"].serialization_alias(name) for name in model.model_fields}
    unknown = set(value) - known - FREE_FORM
    if unknown:
        raise CardError(f"{where}: {model.__name__} has no property {sorted(unknown)}")
    try:
        model.model_validate({key: item for key, item in value.items() if key not in FREE_FORM})
    except ValidationError as error:
        raise CardError(f"{where}: {error.errors()[0]['loc']} {error.errors()[0]['msg']}") from None
