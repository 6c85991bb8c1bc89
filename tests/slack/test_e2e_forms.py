"""Forms under a busy work queue, end to end: signed requests through the real Bolt app.

A click or command that opens a form needs Slack's trigger id, valid for 3 seconds: its
work goes ahead of other waiting work, and when it still comes up too late the person
is told instead of a doomed ``views.open``.
"""

from __future__ import annotations

import logging
import threading

from bot.slack.sender import ERROR_TEXTS
from bot.slack.work import WorkQueue
from tests.slack.conftest import RunningApp
from tests.slack.signing import block_actions_body, slash_command_body
from tests.slack.test_e2e_errors import answer, command, start
from tests.slack.test_e2e_round import ANNA, BEN

TOO_LATE = ERROR_TEXTS["expired_trigger_id"]


def one_busy_worker(app: RunningApp, **options) -> threading.Event:
    """Give the app a one-thread work queue whose thread is held until the event is set."""
    app.services.work = queue = WorkQueue(workers=1, **options)
    release, held = threading.Event(), threading.Event()

    def hold() -> None:
        held.set()
        release.wait(10)

    queue.submit(hold)
    assert held.wait(5)
    return release


def test_a_form_opens_before_work_that_was_waiting_longer(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    release = one_busy_worker(slack_app)
    for channel in ("C0FIRST", "C0SECOND"):  # each posts a kickoff and a prompt
        body = slash_command_body(text="start 2 plan=kop=1h bevestig", user_id=ANNA, channel_id=channel)
        assert slack_app.send(body)[0] == 200
    assert slack_app.send(slash_command_body(text="start", user_id=BEN, channel_id="C0THIRD"))[0] == 200
    release.set()
    assert slack_app.wait_until(lambda: fake.calls_to("views.open") and len(fake.calls_to("chat.postMessage")) >= 4)
    opened = fake.calls_to("views.open")[0]
    assert opened.ok and opened.params["trigger_id"]
    assert opened.time < min(call.time for call in fake.calls_to("chat.postMessage"))


def test_a_click_whose_trigger_is_too_old_is_told_and_opens_no_form(slack_app: RunningApp, caplog) -> None:
    fake = slack_app.fake
    start(slack_app, "start 3 plan=kop=1h bevestig")
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    release = one_busy_worker(slack_app, trigger_budget=0.2)
    with caplog.at_level(logging.WARNING, logger="goedwerk.slack"):
        status, _, _ = slack_app.send(block_actions_body("goedwerk:contribute", "1:kop", user_id=BEN,
                                                         message_ts=prompt_ts,
                                                         response_url=fake.response_url("late-click")))
        assert status == 200
        threading.Timer(0.5, release.set).start()
        reply = answer(slack_app, "late-click", TOO_LATE)
        assert slack_app.wait_until(lambda: any("trigger too old" in r.getMessage() for r in caplog.records))
    assert '"response_type": "ephemeral"' in reply
    assert not fake.calls_to("views.open")
    # with the queue free again, the same click opens the form
    slack_app.send(block_actions_body("goedwerk:contribute", "1:kop", user_id=BEN, message_ts=prompt_ts))
    assert fake.wait_for("views.open", timeout=5)[0].ok


def test_a_late_command_form_is_told_in_the_channels_language(slack_app: RunningApp) -> None:
    command(slack_app, "taal nl")
    assert slack_app.wait_until(lambda: slack_app.fake.responses)
    release = one_busy_worker(slack_app, trigger_budget=0.2)
    name = command(slack_app, "start")
    threading.Timer(0.5, release.set).start()
    assert "kon niet op tijd openen" in answer(slack_app, name, "kon niet op tijd openen")
    assert not slack_app.fake.calls_to("views.open")
