"""Acknowledged means done, under SIGKILL: the serving process is killed and restarted at
random moments while people start rounds and contribute, by form and by command.

Every request answered 200 must end with exactly one effect (a contribution row and one
thread reply for it); none may take effect twice, acknowledged or not; the contributions
typed right after ``start`` in the same channel find their round (arrival order); and the
inbox is empty at the end. Runs on SQLite and PostgreSQL (``db`` fixture).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import inbox
from bot.slack.blocks import CALLBACK_CONTRIBUTE, write_metadata
from bot.slack.blocks.modals import ACTION_OPTIONS, ACTION_TEXT, BLOCK_OPTIONS, BLOCK_TEXT
from flows.store.db import Database
from flows.store.models import Channel, Contribution, Round
from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401 (fixture)
from tests.slack.signing import post, slash_command_body, view_submission_body
from tests.slack.test_run_process import ROOT, SECRET, clean_env, free_port, wait_healthy

CHANNELS = ("C0CRASHA", "C0CRASHB", "C0CRASHC")
KILLS = 5
SEED = 25


def contribution_request(number: int, channel: str, round_id: int | None) -> str:
    """Request ``number``: a form submission or a typed command (alternately; a command while
    the channel's round is not known yet), each with its own words."""
    text = f"Crash story {number}."
    if number % 2 or round_id is None:
        return slash_command_body(text=f"bijdrage handelingen {text}", user_id=f"U0P{number:04d}", channel_id=channel)
    values = {BLOCK_TEXT: {ACTION_TEXT: text},
              BLOCK_OPTIONS: {ACTION_OPTIONS: {"type": "checkboxes", "selected_options": []}}}
    return view_submission_body(CALLBACK_CONTRIBUTE, values, user_id=f"U0P{number:04d}", view_id=f"VCRASH{number}",
                                private_metadata=write_metadata(round_id=round_id, topic="handelingen",
                                                                channel=channel))


class Submitter:
    """Sends requests one after another until stopped; remembers which were acknowledged."""

    def __init__(self, url: str, requests: list[tuple[int, str]]) -> None:
        self.url, self.requests = url, requests
        self.acknowledged: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for number, body in self.requests:
            if self.stop.is_set():
                return
            try:
                status, _, _ = post(self.url + "/slack/events", body, SECRET, timeout=3)
            except OSError:  # killed while it waited: not acknowledged
                return
            if status == 200:
                self.acknowledged.append(number)
            self.stop.wait(0.08)

    def finish(self) -> list[int]:
        self.stop.set()
        self.thread.join(10)
        return self.acknowledged


def rounds_by_channel(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        return {channel: round_id for channel, round_id in session.execute(
            select(Channel.external_id, Round.id).join(Round, Round.channel_id == Channel.id))}


def left_over(db: Database) -> list[tuple]:
    """The inbox's rows (without their payloads), for a failure's message."""
    columns = inbox.requests.c
    with db.transaction() as session:
        return [tuple(str(value) for value in row) for row in session.execute(select(
            columns.id, columns.kind, columns.lane, columns.status, columns.owner, columns.attempts,
            columns.lease_until - time.time(), columns.effects.is_(None)))]


def replies(fake: FakeSlack) -> Counter:
    """Thread replies that arrived, by the key goedwerk tagged them with."""
    keys: Counter = Counter()
    for call in fake.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        if call.ok and metadata:
            keys[metadata["event_payload"]["key"]] += 1
    return keys


@pytest.mark.slow
def test_every_acknowledged_request_takes_effect_once_across_sigkills(
        db: Database, fake_slack: FakeSlack, tmp_path: Path) -> None:  # noqa: F811 (fixture)
    rng = random.Random(SEED)
    env = clean_env(SLACK_BOT_TOKEN="xoxb-crash", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.base_url,
                    DATABASE_URL=db.url, GOEDWERK_LANGUAGE="en", GOEDWERK_REQUEST_LEASE="2",
                    GOEDWERK_WORK_PROCESSES="1", GOEDWERK_DISPATCH_INTERVAL="1", PYTHONPATH=str(ROOT))
    numbers = iter(range(1, 10_000))
    acknowledged: list[int] = []
    started: set[str] = set()
    for cycle in range(KILLS + 1):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (tmp_path / f"run-{cycle}.log").open("w")  # never a pipe nobody reads: a full one blocks the logging
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--port", str(port)], env=env, cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            wait_healthy(process, url)
            batch: list[tuple[int, str]] = []
            for channel in CHANNELS:
                if channel not in started:  # a round's start, then at once its first contributions
                    started.add(channel)
                    batch.append((0, slash_command_body(text="start 1 plan=handelingen=1h bevestig", user_id="U0FACIL",
                                                        channel_id=channel)))
            known = rounds_by_channel(db)
            for _ in range(40):
                number = next(numbers)
                channel = CHANNELS[number % len(CHANNELS)]
                batch.append((number, contribution_request(number, channel, known.get(channel))))
            submitter = Submitter(url, batch)
            if cycle < KILLS:
                time.sleep(rng.uniform(0.2, 2.5))
                process.send_signal(signal.SIGKILL)
                process.wait(10)
            else:
                submitter.thread.join(60)
            acknowledged += [number for number in submitter.finish() if number]
            if cycle == KILLS:  # the last process stays: everything acknowledged gets done
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline and inbox.waiting(db):
                    time.sleep(0.2)
                assert inbox.waiting(db) == 0, left_over(db)
                time.sleep(1.0)  # anything that would be sent twice has had time to go out
                process.send_signal(signal.SIGTERM)
                assert process.wait(15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            log.close()

    with db.transaction() as session:
        rounds = session.execute(select(Round.id, Round.channel_id)).all()
        stored = session.execute(select(Contribution.id, Contribution.text)).all()
    assert len(rounds) == len(CHANNELS)
    by_text = Counter(text for _, text in stored)
    assert all(count == 1 for count in by_text.values()), [text for text, count in by_text.items() if count > 1]
    missing = [number for number in acknowledged if by_text[f"Crash story {number}."] != 1]
    assert not missing, f"acknowledged but not stored: {missing}"
    sent = replies(fake_slack)
    ids = {text: number for number, text in stored}
    for number in acknowledged:
        assert sent[f"contribution:{ids[f'Crash story {number}.']}"] == 1, number
    assert all(count == 1 for count in sent.values()), [key for key, count in sent.items() if count > 1]
    assert len(acknowledged) >= 20  # the loop did put requests through the kills
