"""Requests whose Slack context expired before a worker came to them, end to end.

A click or command that opens a form needs Slack's trigger id, valid for 3 seconds;
a ``response_url`` lives 30 minutes. Work that comes up later (a backlog, a crash and
a restart) still does its database part, and the person is told another way instead
of getting nothing: a note asking to click again instead of a doomed ``views.open``,
an ephemeral message through the Web API instead of the expired response URL.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import func, select

from bot.runtime import inbox
from bot.slack.sender import ERROR_TEXTS
from flows.store.models import Round
from tests.slack.conftest import RunningApp
from tests.slack.signing import block_actions_body
from tests.slack.test_e2e_errors import answer, command, start
from tests.slack.test_e2e_round import BEN

TOO_LATE = ERROR_TEXTS["expired_trigger_id"]


def later(app: RunningApp, seconds: float) -> None:
    """Have the app's workers see every request as arriving ``seconds`` before they take it up."""
    app.work.runners["slack"].clock = lambda: time.time() + seconds


def test_a_click_whose_trigger_is_too_old_is_told_and_opens_no_form(slack_app: RunningApp, caplog) -> None:
    fake = slack_app.fake
    start(slack_app, "start 3 plan=kop=1h")
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    later(slack_app, 3.0)
    with caplog.at_level(logging.WARNING, logger="goedwerk.slack"):
        status, _, _ = slack_app.send(block_actions_body("goedwerk:contribute", "1:kop", user_id=BEN,
                                                         message_ts=prompt_ts,
                                                         response_url=fake.response_url("late-click")))
        assert status == 200
        reply = answer(slack_app, "late-click", TOO_LATE)
        assert any("too late for a form" in record.getMessage() for record in caplog.records)
    assert '"response_type": "ephemeral"' in reply
    assert not fake.calls_to("views.open")
    assert slack_app.wait_until(lambda: inbox.waiting(slack_app.db) == 0)  # a click while it waited was one row
    later(slack_app, 0.0)  # in time again: the same click opens the form
    slack_app.send(block_actions_body("goedwerk:contribute", "1:kop", user_id=BEN, message_ts=prompt_ts))
    assert fake.wait_for("views.open", timeout=5)[0].ok


def test_a_late_command_form_is_told_in_the_channels_language(slack_app: RunningApp) -> None:
    command(slack_app, "taal nl")
    assert slack_app.wait_until(lambda: slack_app.fake.responses)
    later(slack_app, 3.0)
    name = command(slack_app, "start")
    assert "kon niet op tijd openen" in answer(slack_app, name, "kon niet op tijd openen")
    assert not slack_app.fake.calls_to("views.open")


def test_a_command_taken_up_after_its_response_url_expired_still_acts_and_answers_privately(
        slack_app: RunningApp) -> None:
    fake = slack_app.fake
    later(slack_app, 31 * 60.0)
    name = command(slack_app, "start 2 plan=kop=1h")
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)  # the round started
    with slack_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 1
    command(slack_app, "status", user=BEN)
    assert slack_app.wait_until(lambda: any(call.params.get("user") == BEN
                                            for call in fake.calls_to("chat.postEphemeral")))
    assert not [response for response in fake.responses if response["name"] == name]
