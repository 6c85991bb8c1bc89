"""Block Kit limits (from /work/shared/design/slack-facts.md) and the checks slack_sdk lacks.

slack_sdk's ``validate_json()`` checks most per-element limits; it does not count the
blocks of a message or a modal, so :func:`check_message` and :func:`check_modal` do.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_INPUT_LENGTH = 3000
MAX_SELECT_OPTIONS = 100
MAX_OPTION_GROUPS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OVERFLOW_OPTIONS = 5
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_ID_LENGTH = 255
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_MESSAGE_TEXT = 40000
FALLBACK_TEXT = 300
"""How long we keep a message's notification fallback ``text`` (Slack allows 40,000)."""


def check_message(blocks: Sequence[dict]) -> None:
    """Raise ValueError when a message has more blocks than Slack accepts."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise ValueError(f"a message may hold {MAX_MESSAGE_BLOCKS} blocks, this one has {len(blocks)}")


def check_modal(blocks: Sequence[dict]) -> None:
    """Raise ValueError when a modal has more blocks than Slack accepts."""
    if len(blocks) > MAX_MODAL_BLOCKS:
        raise ValueError(f"a modal may hold {MAX_MODAL_BLOCKS} blocks, this one has {len(blocks)}")
