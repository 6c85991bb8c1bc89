"""Bad input and Slack errors: a clear ephemeral message and a log line, never a crash."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import func, select

from bot.slack.blocks.modals import ACTION_TEXT, BLOCK_TEXT
from flows.store.models import Contribution, Round
from tests.slack.conftest import SECRET, RunningApp
from tests.slack.signing import (
    block_actions_body,
    post,
    sign,
    slash_command_body,
    view_submission_body,
)

ANNA, BEN = "U0ANNA", "U0BEN"


def command(app: RunningApp, text: str, user: str = ANNA, channel: str = "C0GOEDWERK", **kwargs) -> str:
    """Send a slash command; returns the name of the response URL its answers go to."""
    name = f"r{time.monotonic_ns()}"
    status, _, _ = app.send(slash_command_body(text=text, user_id=user, channel_id=channel,
                                               response_url=app.fake.response_url(name), **kwargs))
    assert status == 200
    return name


def start(app: RunningApp, text: str) -> None:
    """Start a round and wait for its kickoff and first prompt."""
    command(app, text)
    assert app.wait_until(lambda: len(app.fake.calls_to("chat.postMessage")) >= 2)


def answer(app: RunningApp, name: str, *expected: str) -> str:
    """What was answered to the command's response URL, once every ``expected`` text is there
    (one command may answer in several messages, which arrive one after the other)."""
    def text() -> str:
        return "\n".join(json.dumps(r["body"], ensure_ascii=False) for r in app.fake.responses if r["name"] == name)

    assert app.wait_until(lambda: text() and all(part in text() for part in expected)), text() or "no answer"
    return text()


def test_forged_and_stale_signatures_are_refused(slack_app: RunningApp) -> None:
    body = slash_command_body(text="status")
    url = slack_app.url + "/slack/events"
    assert post(url, body, "not-the-secret")[0] == 401
    assert post(url, body, SECRET, timestamp=int(time.time()) - 10 * 60)[0] == 401
    tampered = sign(body, SECRET)
    assert post(url, body + "&text=stop", SECRET, headers=tampered)[0] == 401
    assert not slack_app.fake.calls_to("chat.postMessage")


def test_direct_message_unknown_subcommand_and_help(slack_app: RunningApp) -> None:
    reply = answer(slack_app, command(slack_app, "start 1", channel="D0ANNA", channel_name="directmessage"))
    assert "team channel" in reply
    assert "/invite @goedwerk" in reply
    reply = answer(slack_app, command(slack_app, "frobnicate"), "Unknown command", "/goedwerk help")
    assert "Unknown command" in reply
    assert "All commands and what they do: '/goedwerk help'." in reply
    assert "Commands (after /goedwerk)" not in reply  # a hint, not the whole help
    assert '"response_type": "ephemeral"' in reply


def test_missing_permission_is_refused_clearly(slack_app: RunningApp) -> None:
    start(slack_app, "start 2 plan=kop=1h")
    reply = answer(slack_app, command(slack_app, "sluit", user=BEN))
    assert "Only the facilitator" in reply, reply
    assert f"<@{ANNA}>" in reply, "the facilitator is named as a Slack mention"
    with slack_app.db.transaction() as session:
        assert session.scalar(select(Round.status)) == "active"
    slack_app.fake.add_user(BEN, is_admin=True)
    command(slack_app, "sluit", user=BEN)
    assert slack_app.wait_until(lambda: "closed" == _status(slack_app))


@pytest.mark.parametrize("error, expected", [
    ("not_in_channel", "/invite @goedwerk"),
    ("channel_not_found", "/invite @goedwerk"),
    ("is_archived", "archived"),
    ("invalid_auth", "reinstall"),
])
def test_slack_errors_become_ephemeral_explanations(slack_app: RunningApp, caplog, error: str,
                                                     expected: str) -> None:
    slack_app.fake.fail("chat.postMessage", error=error, times=None)
    with caplog.at_level(logging.WARNING, logger="goedwerk.slack"):
        reply = answer(slack_app, command(slack_app, "start 4"), expected)
        assert expected in reply
        assert slack_app.wait_until(lambda: any(error in record.getMessage() for record in caplog.records))
    # the round itself is stored: nothing lost, the team can invite the bot and ask for status
    with slack_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 1


def test_a_429_with_retry_after_is_retried(slack_app: RunningApp) -> None:
    slack_app.fake.rate_limit("chat.postMessage", retry_after=1, times=1)
    command(slack_app, "start 6 plan=kop=1h")
    assert slack_app.wait_until(lambda: sum(c.ok for c in slack_app.fake.calls_to("chat.postMessage")) >= 2,
                                timeout=10)
    statuses = [c.status for c in slack_app.fake.calls_to("chat.postMessage")]
    assert 429 in statuses


def test_an_overlong_or_empty_submission_gets_inline_field_errors(slack_app: RunningApp) -> None:
    start(slack_app, "start 7 plan=kop=1h")
    metadata = json.dumps({"round_id": 1, "topic": "kop", "channel": "C0GOEDWERK"})
    status, _, body = slack_app.send(view_submission_body(
        "goedwerk:contribute", {BLOCK_TEXT: {ACTION_TEXT: "x" * 3001}}, private_metadata=metadata, user_id=ANNA))
    assert status == 200
    reply = json.loads(body)
    assert reply["response_action"] == "errors"
    assert "3000" in reply["errors"][BLOCK_TEXT]
    status, _, body = slack_app.send(view_submission_body(
        "goedwerk:contribute", {BLOCK_TEXT: {ACTION_TEXT: "   "}}, private_metadata=metadata, user_id=ANNA))
    assert json.loads(body)["response_action"] == "errors"
    with slack_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_crafted_metadata_and_unknown_actions_do_no_harm(slack_app: RunningApp) -> None:
    start(slack_app, "start 8 plan=kop=1h")
    for metadata in ("not json", json.dumps({"round_id": 999, "topic": "kop", "channel": "C0GOEDWERK"}),
                     json.dumps({"round_id": "1; drop", "channel": "C0OTHER"})):
        status, _, _ = slack_app.send(view_submission_body(
            "goedwerk:contribute", {BLOCK_TEXT: {ACTION_TEXT: "hello"}}, private_metadata=metadata, user_id=ANNA))
        assert status == 200
    assert slack_app.send(block_actions_body("goedwerk:nonsense", "x"))[0] == 200
    assert slack_app.send(block_actions_body("someone-else:button", "x"))[0] == 404  # not ours: Bolt says so
    slack_app.settle()
    with slack_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contribution)) == 0
    health = __import__("urllib.request").request.urlopen(slack_app.url + "/healthz", timeout=5)
    assert health.status == 200


def _status(app: RunningApp) -> str:
    with app.db.transaction() as session:
        return session.scalar(select(Round.status))
