"""The shape of a content pack, validated with pydantic.

A pack is a folder of YAML files (see ``content/README.md``): ``pack.yaml``,
``perspectives.yaml``, ``process.yaml``, ``virtues.yaml`` and ``situations/*.yaml``.
An organisation's own folder (``GOEDWERK_CONTENT_DIR``) holds only ``situations/``.
Every text exists in Dutch (``nl``) and English (``en``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

PERSPECTIVE_KEYS = ("handelingen", "kennis", "identiteit", "waarden", "vrijheid")
LANGUAGES = ("nl", "en")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """One text in both languages."""

    nl: NonEmpty
    en: NonEmpty

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.nl


class TextList(Strict):
    """A list of texts (questions, tips) in both languages, of equal length."""

    nl: list[NonEmpty] = Field(min_length=1)
    en: list[NonEmpty] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_length(self) -> TextList:
        if len(self.nl) != len(self.en):
            raise ValueError(f"nl has {len(self.nl)} items but en has {len(self.en)}")
        return self

    def get(self, language: str) -> list[str]:
        return list(self.en if language == "en" else self.nl)


class Perspective(Strict):
    """One of the five perspectives (afwegingen) with its guiding questions."""

    key: NonEmpty
    number: int = Field(ge=1, le=5)
    name: Text
    summary: Text
    questions: TextList


class ExampleImage(Strict):
    """A summary of one of the booklet's example images of good work."""

    title: Text
    who: Text
    gist: Text


class Situation(Strict):
    """A critical collaboration situation."""

    number: int = Field(ge=1, le=9999)
    title: Text
    gist: Text = Field(description="One line for pick lists.")
    description: Text
    question: Text = Field(description="The question the description ends in.")
    notes: dict[str, Text] = Field(description="One inspiration note per perspective key.")
    examples: list[ExampleImage] = Field(default_factory=list)
    source: str = "booklet"

    @model_validator(mode="after")
    def _five_notes(self) -> Situation:
        unknown = sorted(set(self.notes) - set(PERSPECTIVE_KEYS))
        if unknown:
            raise ValueError(f"unknown perspective {', '.join(unknown)} in notes")
        missing = [key for key in PERSPECTIVE_KEYS if key not in self.notes]
        if missing:
            raise ValueError(f"notes lack perspective {', '.join(missing)}")
        return self


class RichA4Field(Strict):
    key: NonEmpty
    name: Text
    guidance: Text


class Process(Strict):
    """The conversation's process: choosing, head, body, tail, facilitation, rich A4."""

    choosing: TextList
    head_questions: TextList
    body_intro: Text
    tail_intro: Text
    tail_questions: TextList
    facilitator_tips: TextList
    rich_a4: list[RichA4Field] = Field(min_length=4)


class OtherWords(Strict):
    """Other words for one virtue, per language."""

    nl: tuple[NonEmpty, ...] = ()
    en: tuple[NonEmpty, ...] = ()


class Virtue(Strict):
    """A virtue word, used as it is in the booklet, with its English equivalent.

    ``also`` holds other words people use for it (e.g. the ones the situations' notes
    name); typed by someone, they count as this virtue.
    """

    nl: NonEmpty
    en: NonEmpty
    also: OtherWords = OtherWords()

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.nl


class PackInfo(Strict):
    name: Text
    source: Text
    licence_note: Text


class PerspectivesFile(Strict):
    perspectives: list[Perspective] = Field(min_length=5, max_length=5)
    suggested_order: list[list[NonEmpty]]


class ContentPack(Strict):
    """A whole, validated pack: what the engine reads."""

    info: PackInfo
    perspectives: dict[str, Perspective]
    suggested_order: tuple[tuple[str, ...], ...]
    process: Process
    virtues: tuple[Virtue, ...]
    situations: dict[int, Situation]

    def situation(self, number: int) -> Situation | None:
        return self.situations.get(number)

    def perspective(self, key: str) -> Perspective:
        return self.perspectives[key]

    def virtue_names(self, language: str) -> list[str]:
        return [virtue.get(language) for virtue in self.virtues]
