"""Serving Slack. The adapter is built in the Slack issue; until then this says so."""

from __future__ import annotations

import sys

from bot.settings import Settings


def run_slack(settings: Settings, port: int, scheduler: bool) -> int:
    print("goedwerk: the Slack adapter is not part of this version yet; unset the SLACK_* settings "
          "to use the local console.", file=sys.stderr)
    return 2
