"""Moments inside notices: each reader's own time zone in Slack, the channel's in the console."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.console.render import render
from bot.slack.blocks import message
from flows.i18n import moment_marker
from flows.views import Notice

MOMENT = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # Monday 09:00 in Amsterdam (winter time)
AMS = ZoneInfo("Europe/Amsterdam")


def test_slack_shows_a_date_token_and_a_readable_fallback() -> None:
    notice = Notice("en", f"The next one comes {moment_marker(MOMENT)}.")
    fallback, blocks = message(notice, AMS)
    assert f"<!date^{int(MOMENT.timestamp())}^" in json.dumps(blocks)
    assert "⟦" not in fallback and "09:00" in fallback


def test_the_console_shows_channel_time() -> None:
    lines = render(Notice("nl", f"Volgende: {moment_marker(MOMENT)}"), AMS)
    assert "⟦" not in " ".join(lines) and "09:00" in " ".join(lines)
