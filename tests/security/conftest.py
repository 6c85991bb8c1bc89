"""Fixtures for the privacy and security tests: the real Slack app over HTTP (see tests/slack/conftest.py)."""

from tests.slack.conftest import slack_app  # noqa: F401 (fixture)
from tests.slack.fake_slack import fake_slack  # noqa: F401 (fixture)
