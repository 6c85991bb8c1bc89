"""Even at DEBUG, the Slack libraries never log payloads (message texts, contributions)."""

from __future__ import annotations

import logging

from bot.logs import configure


def test_debug_keeps_the_slack_libraries_quiet() -> None:
    root = logging.getLogger().level
    try:
        configure("DEBUG")
        assert logging.getLogger("goedwerk.engine").getEffectiveLevel() == logging.DEBUG
        for name in ("slack_sdk.web.base_client", "slack_bolt.App"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)  # no SQL in the log
    finally:
        logging.getLogger().setLevel(root)
        for name in ("slack_sdk", "slack_bolt", "urllib3", "sqlalchemy.engine", "alembic"):
            logging.getLogger(name).setLevel(logging.NOTSET)
