"""Real crashes: a dispatcher process dies right after reserving, or right after sending.

A second process then takes over. Prompts and the close still happen, each once; a
reminder whose fate is unknown is never sent again.
"""

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
from sqlalchemy import select

from flows.clock import SystemClock
from flows.events import Actor, Command, Contribute
from flows.scheduling.failpoints import EXIT_CODE
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.harness import make_engine
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import TEAM_ID

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAN = "kop=2s,staart=6s"


def dispatcher(db: Database, fake: FakeSlack, failpoint: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": db.url, "SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": fake.base_url, "GOEDWERK_DISPATCH_INTERVAL": "0.2", "GOEDWERK_LANGUAGE": "en",
                "GOEDWERK_DISPATCH_LEASE": "2"})
    if failpoint:
        env["GOEDWERK_FAILPOINT"] = failpoint
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sent_keys(fake: FakeSlack) -> Counter:
    keys = Counter()
    for call in fake.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        if metadata and call.ok:
            keys[metadata["event_payload"]["key"]] += 1
    return keys


@pytest.mark.slow  # real processes on a real-time plan: the round takes 8 s, each process a few to start
@pytest.mark.timeout(300)  # up to 30 s for the crash, 40 s for the survivor and 20 s to stop it, on a busy machine
@pytest.mark.parametrize("failpoint", ["after_reserve", "after_send"])
@pytest.mark.parametrize("members", [["U0ANNA"], ["U0ANNA", "U0BEN"]], ids=["dies-on-a-prompt", "dies-on-a-reminder"])
def test_a_killed_dispatcher_loses_nothing_and_sends_nothing_twice(db: Database, fake_slack: FakeSlack,
                                                                   failpoint: str, members: list[str]) -> None:
    fake_slack.set_members("C0CRASH", members)
    engine = make_engine(db, SystemClock(), plan=PLAN)
    anna = Actor("slack", TEAM_ID, "C0CRASH", "U0ANNA", user_name="Anna")
    engine.handle(Command(anna, "start 1"))
    engine.handle(Contribute(anna, "kop", "A story before the crash."))

    doomed = dispatcher(db, fake_slack, failpoint)
    assert doomed.wait(timeout=30) == EXIT_CODE  # it died at the failpoint
    survivor = dispatcher(db, fake_slack, None)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            keys = sent_keys(fake_slack)
            with db.transaction() as session:
                busy = session.scalar(select(ScheduledAction.id).where(
                    ScheduledAction.status.in_(("pending", "claimed", "sending")),
                    ScheduledAction.due_at <= datetime.now(UTC)).limit(1))
            if keys["prompt:1:staart"] and keys["summary:1"] and busy is None:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the survivor did not finish the round within 40 s: {dict(sent_keys(fake_slack))}")
    finally:
        # a stopped dispatcher sends nothing more: what it would have sent twice is in the fake by now
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=20)
    keys = sent_keys(fake_slack)
    assert keys["prompt:1:staart"] == 1, keys
    assert keys["summary:1"] == 1, keys
    assert all(count == 1 for count in keys.values()), keys  # reminders included: never twice
    with db.transaction() as session:
        due = ScheduledAction.due_at <= datetime.now(UTC)  # later work (retention purges) may wait
        statuses = Counter(session.scalars(select(ScheduledAction.status).where(due)))
        unknown = list(session.scalars(select(ScheduledAction.kind).where(ScheduledAction.status == "unknown")))
        rows = [(row.kind, row.status, row.last_error) for row in session.scalars(select(ScheduledAction).where(due))]
    assert not {"pending", "claimed", "sending"} & set(statuses), rows
    assert set(unknown) <= {"remind_user"}  # only a reminder may stay unknown: never twice beats always once
