"""A running goedwerk Slack app for end-to-end tests: real HTTP in, fake Web API out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import func, select
from waitress import create_server

from bot.runtime import inbox
from bot.services import build_services
from bot.settings import load_settings
from bot.slack import actors, request_work
from bot.slack.app import build_app
from bot.slack.http import make_wsgi
from bot.slack.main import start_scheduler
from bot.slack.services import SlackServices
from flows.clock import Clock, ManualClock, SystemClock
from flows.scheduling import actions
from flows.scheduling.ticker import Ticker
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401 (the fixture, for every test below)
from tests.slack.signing import post

SECRET = "e2e-signing-secret"
FAST_PLAN = "kop=3s,handelingen+kennis=2s,waarden+vrijheid=2s,identiteit=1s,staart=2s"
CHANNEL_POSTS = ("chat.postMessage", "chat.update")


@dataclass
class RunningApp:
    url: str
    fake: FakeSlack
    db: Database
    services: SlackServices | None = None
    """The app's services."""
    work: object | None = None
    """Whoever works on the recorded requests (:func:`bot.slack.request_work.attach`)."""
    clock: Clock | None = None
    """The engine's clock: a :class:`ManualClock` unless the work runs in child processes or
    the test asked for real time."""
    ticker: Ticker | None = None

    def send(self, body: str, **kwargs) -> tuple[int, dict, str]:
        return post(self.url + "/slack/events", body, SECRET, **kwargs)

    def wait_until(self, predicate, timeout: float = 30.0) -> bool:
        """Poll ``predicate`` until it holds or ``timeout`` seconds pass (generous: a deadline
        only costs time when the test fails, and a busy machine or starting child processes
        may take a while); whether it held."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    def advance(self, delta: timedelta) -> None:
        """Let ``delta`` of the app's time pass and wake the dispatcher, so what fell due is sent.

        On the manual clock that is at once. An app on the real clock (its work in child
        processes, which keep real time) is only woken: the caller waits for the outcome
        with a deadline, as for anything else."""
        if isinstance(self.clock, ManualClock):
            self.clock.advance(delta)
        if self.ticker is not None:
            self.ticker.wake()

    def idle(self) -> bool:
        """Every request so far is handled (the inbox, where each is a row before its ack, is
        empty) and no timed action due by the app's clock is waiting or being sent."""
        if inbox.waiting(self.db):
            return False
        now = (self.clock or SystemClock()).now()
        with self.db.transaction() as session:
            return not session.scalar(select(func.count()).select_from(ScheduledAction).where(
                ScheduledAction.status.in_(actions.OPEN_STATES), ScheduledAction.due_at <= now))

    def settle(self, timeout: float = 15.0) -> None:
        """Wait (at most ``timeout`` seconds) until :meth:`idle`; fail when it does not come."""
        wait_for(self.idle, timeout, "the app settling (requests handled, no timed work due)")


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it holds; fail, naming ``what``, after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


def validate_payloads(fake: FakeSlack) -> None:
    """Every Block Kit payload the app sent parses and validates; messages have ≤ 50 blocks."""
    for call in fake.calls:
        blocks = call.params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if blocks:
            assert len(blocks) <= 50, f"{call.method} sent {len(blocks)} blocks"
            for block in blocks:
                Block.parse(block).validate_json()
        view = call.params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if view:
            View(**view).validate_json()
            assert len(view.get("blocks", [])) <= 100


@contextmanager
def running_app(db: Database, fake_slack: FakeSlack, *,  # noqa: F811 (the fixture's name)
                clock: Clock | None = None, **settings: object) -> Iterator[RunningApp]:
    """The app served on a free port with its scheduler; ``settings`` override the tests' own
    (``work_processes`` > 0 hands the work to child processes, as `goedwerk run` does).

    ``clock`` is the engine's and the dispatcher's: by default a :class:`ManualClock` at
    the real time, which only :meth:`RunningApp.advance` moves; the real clock where the
    work runs in child processes (they keep real time) or where a test passes
    :class:`SystemClock` because real time is what it is about."""
    settings = load_settings(**{**dict(database_url=db.url, slack_bot_token="xoxb-e2e", slack_signing_secret=SECRET,
                                       slack_api_url=fake_slack.base_url, round_plan=FAST_PLAN, language="en",
                                       dispatch_interval=0.5, work_processes=0), **settings})
    if clock is None:
        clock = SystemClock() if settings.work_processes else ManualClock()
    actors.forget_profiles()  # each app starts without remembered users.info answers (a cache per process)
    services = build_services(settings, clock, upgrade=False)
    slack = build_app(settings, services)
    ticker = start_scheduler(slack, settings, services.engine.clock)
    work = request_work.attach(slack, settings)
    server = create_server(make_wsgi(slack.app, services.db, ready=lambda: work.ready), host="127.0.0.1", port=0,
                           threads=8)

    def serve() -> None:
        try:
            server.run()
        except OSError:  # closing the server while it waits ends its loop this way
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield RunningApp(f"http://127.0.0.1:{server.effective_port}", fake_slack, services.db, slack.services, work,
                         clock, ticker)
        validate_payloads(fake_slack)
    finally:
        server.close()
        work.stop()
        ticker.stop()
        thread.join(timeout=5)
        services.db.dispose()
        actors.forget_profiles()


@pytest.fixture
def slack_app(db: Database, fake_slack: FakeSlack) -> Iterator[RunningApp]:  # noqa: F811 (fixture)
    with running_app(db, fake_slack) as app:
        yield app
