"""Logging set-up: our level from settings, never the Slack libraries' payload dumps.

slack_sdk and slack_bolt log whole request and response bodies (message texts,
contributions) at DEBUG; they are kept at INFO or above whatever GOEDWERK_LOG_LEVEL says.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LIBRARIES = ("slack_sdk", "slack_bolt", "urllib3")
SILENT_LIBRARIES = ("sqlalchemy.engine", "alembic")  # statements and migration chatter: warnings only


def configure(level: str | int = logging.WARNING) -> None:
    logging.basicConfig(level=logging.WARNING, format=FORMAT)
    logging.getLogger().setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
    for name in SILENT_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
