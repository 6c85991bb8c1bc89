"""Fitting a message into Slack's limits: packing lines into sections, trimming long lists.

A message is described as a sequence of parts: ready blocks (dicts) and :class:`Lines`
(mrkdwn lines packed into as few section blocks as the 3000-character limit allows).
:func:`fit` drops lines from the end of the longest trimmable :class:`Lines` until the
message has at most 50 blocks, and says "… and N more" where it dropped some.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from flows.i18n import t

from .limits import MAX_CONTEXT_ELEMENTS, MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from .text import chunk_text


@dataclass
class Lines:
    """mrkdwn lines (already escaped) shown as section blocks, or as context when ``context``.

    The first ``keep`` lines (a heading) are never dropped; when ``trimmable`` the other
    lines may be dropped from the end to respect the block limit.
    """

    lines: list[str] = field(default_factory=list)
    keep: int = 0
    trimmable: bool = True
    context: bool = False


Part = dict | Lines


def section(text: str) -> dict:
    """One mrkdwn section block (``text`` must already be escaped and ≤ 3000 characters)."""
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def sections(text: str) -> list[dict]:
    """``text`` as as many section blocks as needed to stay under 3000 characters each."""
    return [section(piece) for piece in chunk_text(text, MAX_SECTION_TEXT) if piece.strip()]


def context(*texts: str) -> dict:
    """A context block of mrkdwn texts (each cut into ≤ 3000-character elements, at most 10)."""
    pieces = [piece for text in texts for piece in chunk_text(text, MAX_SECTION_TEXT) if piece.strip()]
    return ContextBlock(elements=[MarkdownTextObject(text=p) for p in pieces[:MAX_CONTEXT_ELEMENTS]]).to_dict()


def pack(lines: Sequence[str], limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Join lines with line breaks into texts of at most ``limit`` characters."""
    texts: list[str] = []
    current = ""
    for line in lines:
        for piece in chunk_text(line, limit):
            if current and len(current) + 1 + len(piece) <= limit:
                current += "\n" + piece
            else:
                if current:
                    texts.append(current)
                current = piece
    if current.strip():
        texts.append(current)
    return texts


def _render(part: Lines, dropped: int, language: str) -> list[dict]:
    lines = list(part.lines)
    if dropped:
        lines = lines[: len(lines) - dropped] + [t(language, "… and {count} more", count=dropped)]
    texts = pack(lines)
    if part.context:
        return [context(*texts[i:i + MAX_CONTEXT_ELEMENTS]) for i in range(0, len(texts), MAX_CONTEXT_ELEMENTS)]
    return [section(text) for text in texts]


def fit(parts: Sequence[Part], language: str, limit: int = MAX_MESSAGE_BLOCKS) -> list[dict]:
    """The blocks of ``parts``, trimmed to at most ``limit`` blocks.

    Raises ValueError when even the untrimmable parts need more than ``limit`` blocks.
    """
    trimmable = {i: part for i, part in enumerate(parts) if isinstance(part, Lines)}
    dropped = dict.fromkeys(trimmable, 0)
    rendered = {i: _render(part, 0, language) for i, part in trimmable.items()}

    def total() -> int:
        return sum(len(rendered[i]) if i in rendered else 1 for i in range(len(parts)))

    while total() > limit:
        candidates = [i for i, part in trimmable.items() if part.trimmable
                      and len(part.lines) - dropped[i] > part.keep]
        if not candidates:
            break
        longest = max(candidates, key=lambda i: (len(rendered[i]), i))
        dropped[longest] += 1
        rendered[longest] = _render(trimmable[longest], dropped[longest], language)
    blocks = [block for i, part in enumerate(parts)
              for block in (rendered[i] if isinstance(part, Lines) else [part])]
    if len(blocks) > limit:
        raise ValueError(f"{len(blocks)} blocks do not fit in {limit}, even with every list trimmed")
    return blocks
