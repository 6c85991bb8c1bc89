"""Validating parsed YAML with the pydantic schema, as a list of Problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .problems import Problem
from .yamlsource import Source

M = TypeVar("M", bound=BaseModel)

# Model-level messages from schema.Situation that checks.situation_notes reports
# more precisely (with the line of the offending key).
_COVERED = ("unknown perspective", "notes lack perspective")


def _message(error: ErrorDetails) -> tuple[tuple[Any, ...], str]:
    """The location to point at and a readable message for one pydantic error."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    msg = str(error["msg"])
    if kind == "missing":
        return loc, f"missing field '{loc[-1]}'" if loc else "missing field"
    if kind == "extra_forbidden":
        return loc, f"unknown field '{loc[-1]}'" if loc else "unknown field"
    if kind == "string_too_short":
        return loc, "must not be empty"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("string_type", "int_type", "int_parsing", "list_type", "dict_type", "model_type"):
        msg = f"{msg} (found {type(error.get('input')).__name__})"
    return loc, msg


def _at(source: Source, loc: tuple[Any, ...], message: str, kind: str) -> Problem:
    """The problem at the line of ``loc``.

    A missing or unknown field's message names the field itself, so the path
    printed before it is its parent's. A missing field has no line of its own:
    it is reported at its parent's, or without a line at the top level.
    """
    if kind == "missing" and len(loc) <= 1:
        return Problem(source.name, None, message)
    shown = loc[:-1] if kind in ("missing", "extra_forbidden") else loc
    return source.problem(loc, message, shown)


def validate(model: type[M], source: Source) -> tuple[M | None, list[Problem]]:
    """``model`` built from ``source.data``, or None and the problems found."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc, message = _message(error)
            if not loc and error["type"] == "value_error" and message.startswith(_COVERED):
                continue
            problems.append(_at(source, loc, message, error["type"]))
        return None, problems
