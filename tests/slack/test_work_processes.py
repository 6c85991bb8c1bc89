"""Work in child processes: what may travel, the app end to end with children, a child that dies.

The end-to-end tests serve the real Bolt app over HTTP with its work handed to two
spawned children (`goedwerk run`'s default) on the real database and the fake Web API,
and they forbid the serving process's engine to handle anything: every interaction
below can only succeed if its work ran in a child.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import pytest
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.settings import load_settings
from bot.slack import work_processes
from bot.slack.services import SlackServices
from bot.slack.work import Job, WorkQueue
from bot.slack.work_processes import StandIn, WorkProcesses, encode, processes_wanted
from flows.store.db import Database
from flows.store.models import Contribution
from tests.slack import test_e2e_round as round_tests
from tests.slack.conftest import RunningApp, running_app
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import event_body, slash_command_body

ANNA, BEN = round_tests.ANNA, round_tests.BEN


class _AnyServices(SlackServices):
    """Stands for the parent's services in a job submitted by hand (only its type travels)."""

    def __init__(self) -> None:  # noqa: D107 - nothing to hold
        pass


ANY_SERVICES = _AnyServices()


# --- jobs run by the children in these tests (module level, so they can travel) ---------

def die_once(marker: str, done: str) -> None:
    """The first run kills its process mid-job; the next one records that it ran."""
    if not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(3)
    Path(done).write_text(str(os.getpid()))


def queue_timed_work(services: SlackServices) -> None:
    services.engine.scheduled()


def write_pid(path: str) -> None:
    Path(path).write_text(str(os.getpid()))


# --- what may travel ---------------------------------------------------------------------

def test_a_job_travels_as_its_function_and_plain_arguments_with_stand_ins() -> None:
    services = ANY_SERVICES
    client, respond = WebClient(token="xoxb-1"), Respond(response_url="https://hooks.example/1")
    module, name, args, kwargs = encode(Job(write_pid, (services, {"a": [1, "b", None]}, client),
                                            {"respond": respond}))
    assert (module, name) == (__name__, "write_pid")
    assert args == (StandIn("services"), {"a": [1, "b", None]}, StandIn("client", "xoxb-1"))
    assert kwargs == {"respond": StandIn("respond", "https://hooks.example/1")}


@pytest.mark.parametrize("job", [
    Job(lambda: None),
    Job(print, (threading.Lock(),)),
    Job(write_pid, (object(),)),
    lambda: None,
])
def test_what_cannot_travel_is_refused_when_submitted(job) -> None:
    with pytest.raises(TypeError):
        encode(job)


def test_work_that_cannot_travel_runs_in_the_serving_process_and_is_logged(
        db: Database, fake_slack: FakeSlack, caplog) -> None:  # noqa: F811
    children, ran = children_for(db, fake_slack), []
    queue = WorkQueue(1, run=children.run)
    try:
        with caplog.at_level(logging.ERROR, logger="goedwerk.slack"):
            queue.submit(lambda: ran.append(os.getpid())).result(timeout=10)
    finally:
        queue.close()
        children.close()
    assert ran == [os.getpid()]
    assert any("cannot travel" in record.getMessage() for record in caplog.records)


def test_how_many_children_a_database_allows(tmp_path: Path) -> None:
    assert processes_wanted(load_settings(), database_shared=True) == work_processes.DEFAULT_PROCESSES
    assert processes_wanted(load_settings(work_processes=3), database_shared=True) == 3
    assert processes_wanted(load_settings(work_processes=0), database_shared=True) == 0
    assert processes_wanted(load_settings(work_processes=3), database_shared=False) == 0  # in-memory SQLite


# --- children on their own --------------------------------------------------------------

def children_for(db: Database, fake: FakeSlack, on_scheduled=lambda: None, processes: int = 1) -> WorkProcesses:
    settings = load_settings(database_url=db.url, slack_bot_token="xoxb-children", slack_signing_secret="s",
                             slack_api_url=fake.base_url, language="en")
    return WorkProcesses(settings, processes, on_scheduled)


def test_a_child_that_dies_mid_job_is_replaced_and_the_job_runs_again(
        db: Database, fake_slack: FakeSlack, tmp_path: Path, caplog) -> None:  # noqa: F811
    children = children_for(db, fake_slack)
    queue = WorkQueue(1, run=children.run)
    marker, done = tmp_path / "died", tmp_path / "done"
    try:
        with caplog.at_level(logging.ERROR, logger="goedwerk.slack"):
            queue.submit(die_once, str(marker), str(done)).result(timeout=60)
        queue.submit(write_pid, str(tmp_path / "after")).result(timeout=60)
    finally:
        queue.close()
        children.close()
    assert marker.exists() and done.exists()
    assert int(done.read_text()) != os.getpid()
    assert (tmp_path / "after").exists()  # the fresh pool goes on serving
    assert any("a work process died during die_once" in record.getMessage() for record in caplog.records)


def test_when_children_cannot_start_the_work_runs_in_the_serving_process(
        db: Database, fake_slack: FakeSlack, tmp_path: Path, caplog) -> None:  # noqa: F811
    content = tmp_path / "content"
    content.mkdir()
    settings = load_settings(database_url=db.url, slack_bot_token="xoxb-children", slack_signing_secret="s",
                             slack_api_url=fake_slack.base_url, content_dir=content)
    content.rmdir()  # gone by the time a child starts: each child's start fails loading the content
    children = WorkProcesses(settings, 1, lambda: None)
    queue = WorkQueue(1, run=children.run)
    try:
        with caplog.at_level(logging.ERROR, logger="goedwerk.slack"):
            queue.submit(write_pid, str(tmp_path / "pid")).result(timeout=60)
            queue.submit(write_pid, str(tmp_path / "next")).result(timeout=60)  # no new attempt for a while
    finally:
        queue.close()
        children.close()
    assert int((tmp_path / "pid").read_text()) == int((tmp_path / "next").read_text()) == os.getpid()
    failures = [record.getMessage() for record in caplog.records]
    assert sum("a work process died" in message for message in failures) == 2
    assert sum("run in the serving process instead" in message for message in failures) == 1


def test_a_child_that_queued_timed_work_wakes_the_parents_scheduler(
        db: Database, fake_slack: FakeSlack, tmp_path: Path) -> None:  # noqa: F811
    woken = threading.Event()
    children = children_for(db, fake_slack, on_scheduled=woken.set)
    queue = WorkQueue(1, run=children.run)
    try:
        queue.submit(write_pid, str(tmp_path / "pid")).result(timeout=60)
        assert not woken.is_set()
        queue.submit(queue_timed_work, ANY_SERVICES).result(timeout=60)
    finally:
        queue.close()
        children.close()
    assert woken.is_set()


# --- the app end to end, its work in children --------------------------------------------

@pytest.fixture
def app_with_children(db: Database, fake_slack: FakeSlack) -> RunningApp:  # noqa: F811
    with running_app(db, fake_slack, work_processes=2) as app:
        def not_here(event):
            raise AssertionError(f"{type(event).__name__} was handled in the serving process")

        app.services.engine.handle = not_here  # this process only acknowledges
        yield app


def test_a_team_completes_a_round_with_its_work_in_child_processes(app_with_children: RunningApp) -> None:
    round_tests.test_a_team_completes_a_round_through_modals(app_with_children)


def test_edit_and_delete_with_the_work_in_child_processes(app_with_children: RunningApp) -> None:
    round_tests.test_edit_and_delete_through_the_contribution_menu(app_with_children)


def test_status_home_and_the_start_form_with_the_work_in_child_processes(app_with_children: RunningApp) -> None:
    app, fake = app_with_children, app_with_children.fake
    assert app.send(slash_command_body(text="start 2 plan=kop=1h", user_id=ANNA))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2, timeout=30)
    # status: answered through the command's response_url, rebuilt in the child
    assert app.send(slash_command_body(text="status", user_id=BEN, response_url=fake.response_url("status")))[0] == 200
    assert app.wait_until(lambda: any(response["name"] == "status" for response in fake.responses))
    # the App Home, drawn by a child
    assert app.send(event_body({"type": "app_home_opened", "user": ANNA, "tab": "home"}, event_id="EvKids1"))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("views.publish")) == 1)
    # a bare start in another channel opens the situation picker (the form lane)
    assert app.send(slash_command_body(text="start", user_id=BEN, channel_id="C0OTHER"))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("views.open")) == 1)
    assert "situation" in json.dumps(fake.calls_to("views.open")[0].params).lower()


def test_a_double_submission_stores_one_contribution_across_children(app_with_children: RunningApp) -> None:
    app, fake = app_with_children, app_with_children.fake
    app.send(slash_command_body(text="start 1 plan=kop=1h", user_id=ANNA))
    assert app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2, timeout=30)
    view = round_tests.open_form(app, ANNA, "1:kop", fake.calls_to("chat.postMessage")[1].response["ts"])
    for _ in range(2):  # the two children may each take one
        assert round_tests.submit(app, ANNA, view, "Only once, please.", view_id="VSAME")[0] == 200

    def stored() -> int:
        with app.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(Contribution))

    assert app.wait_until(lambda: stored() >= 1 and app.services.work.waiting == 0)
    assert stored() == 1
    assert len([call for call in fake.calls_to("chat.postMessage") if call.params.get("thread_ts")]) == 1
