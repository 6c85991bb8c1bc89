"""Crash points for tests: make this process die at a chosen spot, as a power cut would.

``GOEDWERK_FAILPOINT=after_reserve`` (or ``after_send``) ends the process with
``os._exit`` right after a scheduled action was reserved (before sending), or right
after it was sent (before the outcome is recorded). Unset, this does nothing.
"""

from __future__ import annotations

import os

VARIABLE = "GOEDWERK_FAILPOINT"
EXIT_CODE = 86


def reached(name: str) -> None:
    if os.environ.get(VARIABLE) == name:
        os._exit(EXIT_CODE)
