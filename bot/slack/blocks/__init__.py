"""Block Kit builders for Slack, one module per surface.

- :mod:`.messages` — ``message(view, zone)`` → (fallback text, blocks) for channel
  messages and ephemerals (kickoff in :mod:`.kickoff`, draft in :mod:`.summary`);
- :mod:`.modals` — the contribution modal and reading its submission; the start modal
  (:mod:`.start`);
- :mod:`.choices` — buttons for engine choices and decoding ``block_actions`` back;
- :mod:`.fit`, :mod:`.text`, :mod:`.options`, :mod:`.limits` — staying within Slack's limits.

Everything is built with ``slack_sdk.models`` and returned as plain dicts.
"""

from .choices import ACTION_PATTERN, action_of, decode_action
from .limits import check_message, check_modal
from .messages import message
from .metadata import read_metadata, write_metadata
from .modals import CALLBACK_CONTRIBUTE, contribution_modal, read_submission
from .start import CALLBACK_START, read_start, start_modal
from .text import escape

__all__ = ["ACTION_PATTERN", "CALLBACK_CONTRIBUTE", "CALLBACK_START", "action_of", "check_message", "check_modal",
           "contribution_modal", "decode_action", "escape", "message", "read_metadata", "read_start",
           "read_submission", "start_modal", "write_metadata"]
