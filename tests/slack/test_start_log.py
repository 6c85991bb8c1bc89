"""Starting the Slack app logs nothing misleading."""

from __future__ import annotations

import logging

from bot.services import build_services
from bot.settings import load_settings
from bot.slack.app import build_app
from flows.clock import SystemClock
from flows.store.db import Database


def test_a_bot_token_from_the_environment_gives_no_token_will_be_unused_warning(db: Database, monkeypatch,
                                                                               caplog) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    caplog.set_level(logging.WARNING)
    settings = load_settings(database_url=db.url, slack_signing_secret="start-log-secret",
                             slack_api_url="http://127.0.0.1:9/api/")
    services = build_services(settings, SystemClock(), upgrade=False)
    try:
        slack = build_app(settings, services)
    finally:
        services.db.dispose()

    assert slack.clients.for_team("T1").token == "xoxb-from-the-environment"  # the client carries it
    assert [record.getMessage() for record in caplog.records] == []
