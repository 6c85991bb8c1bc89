"""Requests worked on in child processes: the app end to end, children that die, wake-ups.

The end-to-end tests serve the real Bolt app over HTTP with its recorded requests
claimed by two spawned children (`goedwerk run`'s default) on the real database and
the fake Web API, and they forbid the serving process's engine to handle anything:
every interaction below can only succeed if its work ran in a child.
"""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest
from sqlalchemy import func, select

from bot.runtime import inbox
from bot.runtime.processes import WorkProcesses
from bot.settings import load_settings
from bot.slack import request_work
from bot.slack.request_work import FACTORY, processes_wanted
from flows.store.db import Database
from flows.store.models import Contribution, Round
from tests.slack import test_e2e_round as round_tests
from tests.slack.conftest import RunningApp, running_app
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import event_body, slash_command_body
from tests.slack.test_oauth import wait_until

ANNA, BEN = round_tests.ANNA, round_tests.BEN


def test_how_many_children_a_database_allows() -> None:
    assert processes_wanted(load_settings(), database_shared=True) == request_work.DEFAULT_PROCESSES
    assert processes_wanted(load_settings(work_processes=3), database_shared=True) == 3
    assert processes_wanted(load_settings(work_processes=0), database_shared=True) == 0
    assert processes_wanted(load_settings(work_processes=3), database_shared=False) == 0  # in-memory SQLite


def children_for(db: Database, fake: FakeSlack, on_scheduled=lambda: None, processes: int = 1) -> WorkProcesses:
    settings = load_settings(database_url=db.url, slack_bot_token="xoxb-children", slack_signing_secret="s",
                             slack_api_url=fake.base_url, language="en", request_lease=1)
    return WorkProcesses(FACTORY, settings, processes, on_scheduled)


def wait(predicate, timeout: float = 60.0) -> bool:
    """Whether ``predicate()`` came true within ``timeout`` seconds (children start slowly on a busy machine)."""
    return wait_until(predicate, timeout)


def test_a_child_that_dies_is_replaced_and_a_recorded_request_is_still_done(
        db: Database, fake_slack: FakeSlack) -> None:
    woken = threading.Event()
    children = children_for(db, fake_slack, on_scheduled=woken.set)
    children.start()
    try:
        assert wait(lambda: children.ready)
        first = children.pids[0]
        os.kill(first, signal.SIGKILL)
        assert wait(lambda: not children.ready or children.pids != [first])
        assert wait(lambda: children.ready and children.pids and children.pids[0] != first)
        inbox.record(db, inbox.Request("slack", "command:T1", "command", "T0GOEDWERK/C0KIDS", slash_body("start 2")))
        children.wake()
        assert wait(lambda: inbox.waiting(db) == 0 and count(db, Round) == 1)
        assert wait(woken.is_set)  # the child's round queued timed work: the parent's dispatcher was told
    finally:
        children.stop()
    assert children.pids == []


def slash_body(text: str) -> dict:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(slash_command_body(text=text + " plan=kop=1h bevestig", user_id=ANNA, channel_id="C0KIDS")))


def count(db: Database, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- the app end to end, its work in children --------------------------------------------

@pytest.fixture
def app_with_children(db: Database, fake_slack: FakeSlack) -> RunningApp:
    with running_app(db, fake_slack, work_processes=2) as app:
        def not_here(event, within=None):
            raise AssertionError(f"{type(event).__name__} was handled in the serving process")

        app.services.engine.handle = not_here  # this process only acknowledges
        assert app.wait_until(lambda: app.work.ready, timeout=60)
        yield app


def test_a_team_completes_a_round_with_its_work_in_child_processes(app_with_children: RunningApp) -> None:
    round_tests.test_a_team_completes_a_round_through_modals(app_with_children)


def test_edit_and_delete_with_the_work_in_child_processes(app_with_children: RunningApp) -> None:
    round_tests.test_edit_and_delete_through_the_contribution_menu(app_with_children)


def test_status_home_and_the_start_form_with_the_work_in_child_processes(app_with_children: RunningApp) -> None:
    app, fake = app_with_children, app_with_children.fake
    assert app.send(slash_command_body(text="start 2 plan=kop=1h bevestig", user_id=ANNA))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2, timeout=30)
    # status: answered through the command's response_url, rebuilt in the child
    assert app.send(slash_command_body(text="status", user_id=BEN, response_url=fake.response_url("status")))[0] == 200
    assert app.wait_until(lambda: any(response["name"] == "status" for response in fake.responses))
    # the App Home, drawn by a child
    assert app.send(event_body({"type": "app_home_opened", "user": ANNA, "tab": "home"}, event_id="EvKids1"))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("views.publish")) == 1)
    # a bare start in another channel opens the situation picker
    assert app.send(slash_command_body(text="start", user_id=BEN, channel_id="C0OTHER"))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("views.open")) == 1)
    assert "situation" in json.dumps(fake.calls_to("views.open")[0].params).lower()


def test_a_double_submission_stores_one_contribution_across_children(app_with_children: RunningApp) -> None:
    app, fake = app_with_children, app_with_children.fake
    app.send(slash_command_body(text="start 1 plan=kop=1h bevestig", user_id=ANNA))
    assert app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2, timeout=30)
    view = round_tests.open_form(app, ANNA, "1:kop", fake.calls_to("chat.postMessage")[1].response["ts"])
    for _ in range(2):  # the two children may each take one
        assert round_tests.submit(app, ANNA, view, "Only once, please.", view_id="VSAME")[0] == 200
    assert app.wait_until(lambda: count(app.db, Contribution) >= 1 and inbox.waiting(app.db) == 0)
    assert count(app.db, Contribution) == 1
    assert len(app.fake.calls_to("chat.postEphemeral")) + len(fake.responses) >= 1  # the head keeps it private
    assert not [call for call in fake.calls_to("chat.postMessage") if call.params.get("thread_ts")]
