"""Four dispatcher processes share one database and one (fake) Slack: every send happens once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from flows.clock import SystemClock
from flows.events import Actor, Command, Contribute
from flows.store.db import Database
from flows.store.models import ROUND_ACTIVE, Round, ScheduledAction
from tests.harness import make_engine
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import TEAM_ID

PROCESSES = 4
CHANNELS = 12
PLAN = "kop=3s,handelingen+kennis=2s,waarden+vrijheid=2s,identiteit=2s,staart=3s"  # steps longer than a busy pass
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow  # four real dispatcher processes through a real-time plan
@pytest.mark.timeout(300)  # up to 60 s for the work and 20 s per process to stop, on a busy machine
def test_many_dispatchers_send_every_action_exactly_once(db: Database, fake_slack: FakeSlack, tmp_path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))},
           "DATABASE_URL": db.url, "SLACK_BOT_TOKEN": "xoxb-multi", "SLACK_SIGNING_SECRET": "s",
           "SLACK_API_URL": fake_slack.base_url, "GOEDWERK_DISPATCH_INTERVAL": "0.2", "GOEDWERK_LANGUAGE": "en"}
    logs = [open(tmp_path / f"dispatcher-{i}.log", "w") for i in range(PROCESSES)]
    workers = [subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"], cwd=REPO, env=env,
                                stdout=log, stderr=subprocess.STDOUT) for log in logs]
    try:
        deadline = time.monotonic() + 60  # all of them running before the work is queued
        while not all("dispatching timed work" in (tmp_path / f"dispatcher-{i}.log").read_text()
                      for i in range(PROCESSES)):
            assert time.monotonic() < deadline, "the dispatchers did not all start within 60 s"
            time.sleep(0.1)
        engine = make_engine(db, SystemClock(), plan=PLAN)
        for number in range(CHANNELS):
            channel = f"C{number:04d}"
            fake_slack.set_members(channel, ["U0ANNA", "U0BEN"])
            anna = Actor("slack", TEAM_ID, channel, "U0ANNA", user_name="Anna")
            engine.handle(Command(anna, f"start {number % 10 + 1}"))
            engine.handle(Contribute(anna, "kop", f"A story in {channel}."))

        def settled() -> bool:
            with db.transaction() as session:
                open_rounds = session.scalar(
                    select(func.count()).select_from(Round).where(Round.status == ROUND_ACTIVE))
                open_actions = session.scalar(select(func.count()).select_from(ScheduledAction).where(
                    ScheduledAction.status.in_(("pending", "claimed", "sending")),
                    ScheduledAction.due_at <= datetime.now(UTC)))
            return open_rounds == 0 and open_actions == 0

        deadline = time.monotonic() + 60
        while not settled() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert settled(), "work was left behind"
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=20)
        for log in logs:
            log.close()

    keys = Counter()
    for call in fake_slack.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        if metadata:
            keys[metadata["event_payload"]["key"]] += 1
    duplicates = {key: count for key, count in keys.items() if count > 1}
    assert duplicates == {}
    prompts = [key for key in keys if key.startswith("prompt:")]
    summaries = [key for key in keys if key.startswith("summary:")]
    assert len(prompts) == CHANNELS * 6  # the head's prompt was posted by the start command itself
    assert len(summaries) == CHANNELS
    with db.transaction() as session:
        statuses = Counter(session.scalars(select(ScheduledAction.status).where(
            ScheduledAction.due_at <= datetime.now(UTC))))  # retention purges wait for months
    assert set(statuses) <= {"sent", "skipped"}, statuses
    for worker in workers:
        assert worker.returncode == 0
