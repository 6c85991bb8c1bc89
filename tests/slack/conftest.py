"""A running goedwerk Slack app for end-to-end tests: real HTTP in, fake Web API out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from waitress import create_server

from bot.services import build_services
from bot.settings import load_settings
from bot.slack import actors, request_work
from bot.slack.app import build_app
from bot.slack.http import make_wsgi
from bot.slack.main import start_scheduler
from bot.slack.services import SlackServices
from flows.clock import SystemClock
from flows.store.db import Database
from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401 (fixture)
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

    def send(self, body: str, **kwargs) -> tuple[int, dict, str]:
        return post(self.url + "/slack/events", body, SECRET, **kwargs)

    def wait_until(self, predicate, timeout: float = 8.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()


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
def running_app(db: Database, fake_slack: FakeSlack, **settings: object) -> Iterator[RunningApp]:  # noqa: F811
    """The app served on a free port with its scheduler; ``settings`` override the tests' own
    (``work_processes`` > 0 hands the work to child processes, as `goedwerk run` does)."""
    settings = load_settings(**{**dict(database_url=db.url, slack_bot_token="xoxb-e2e", slack_signing_secret=SECRET,
                                       slack_api_url=fake_slack.base_url, round_plan=FAST_PLAN, language="en",
                                       dispatch_interval=0.5, work_processes=0), **settings})
    services = build_services(settings, SystemClock(), upgrade=False)
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
        yield RunningApp(f"http://127.0.0.1:{server.effective_port}", fake_slack, services.db, slack.services, work)
        validate_payloads(fake_slack)
    finally:
        server.close()
        work.stop()
        ticker.stop()
        thread.join(timeout=5)
        services.db.dispose()


@pytest.fixture(autouse=True)
def _fresh_profiles() -> Iterator[None]:
    """Each test starts without remembered ``users.info`` answers (a cache shared by the process)."""
    actors.forget_profiles()
    yield
    actors.forget_profiles()


@pytest.fixture
def slack_app(db: Database, fake_slack: FakeSlack) -> Iterator[RunningApp]:  # noqa: F811
    with running_app(db, fake_slack) as app:
        yield app
