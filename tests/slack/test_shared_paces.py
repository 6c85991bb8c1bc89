"""Workspace paces shared through the database: several processes post at one pace.

Each "process" here is a :class:`WorkspaceCooldown` with its own :class:`Database` on the
same database, as two dispatcher processes would have.
"""

from __future__ import annotations

import logging
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.slack.clients import TeamClients
from bot.slack.pacing import INITIAL_SPACING, SPACING_HALF_LIFE, WorkspaceCooldown
from bot.slack.sender import SlackSender
from bot.slack.shared_paces import FORGOTTEN_AFTER, SharedPaces, paces
from flows.clock import SystemClock
from flows.content import load_pack
from flows.effects import Place, Post
from flows.store.db import Database
from flows.views import Notice
from tests.slack.fake_slack import FakeSlack


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0

    def clock(self, _session=None) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def other_db(db: Database):
    """A second connection pool on the same database: another process."""
    other = Database(db.url)
    yield other
    other.dispose()


def _process(db: Database, fake_time: FakeTime, sleep=None) -> WorkspaceCooldown:
    return WorkspaceCooldown(clock=fake_time.clock, sleep=sleep or fake_time.sleep,
                             board=SharedPaces(db, clock=fake_time.clock))


def test_two_processes_take_their_slots_from_one_pace(db, other_db) -> None:
    fake_time = FakeTime()
    first, second = _process(db, fake_time), _process(other_db, fake_time)
    first.hold("T1", 1.0)
    second.adopt(["T1", "T2"])  # before its batch: learns T1 is paced, T2 is not

    slots = [process.delay_for("T1") for process in (first, second, first, second)]

    assert slots == pytest.approx([1.0, 1.0 + INITIAL_SPACING, 1.0 + 2 * INITIAL_SPACING, 1.0 + 3 * INITIAL_SPACING])
    assert second.delay_for("T2") == 0.0


def test_without_the_board_each_process_would_post_at_the_full_pace(db, other_db) -> None:
    """The contrast: paced each on its own, two processes reserve the same slots."""
    fake_time = FakeTime()
    first = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep)
    second = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep)
    first.hold("T1", 1.0)
    second.hold("T1", 1.0)
    assert [first.delay_for("T1"), second.delay_for("T1")] == pytest.approx([1.0, 1.0])


def test_a_429_in_another_process_doubles_the_shared_spacing_once_per_burst(db, other_db) -> None:
    fake_time = FakeTime()
    first, second = _process(db, fake_time), _process(other_db, fake_time)
    first.hold("T1", 1.0)
    second.hold("T1", 1.0)  # the same burst: counts once
    fake_time.now += 1.0
    assert -first.delay_for("T1") + second.delay_for("T1") == pytest.approx(
        INITIAL_SPACING * 0.5 ** (1.0 / SPACING_HALF_LIFE))
    fake_time.now += 0.5
    second.hold("T1", 1.0)  # a new 429 after the hold
    fake_time.now += 1.0
    gap = -first.delay_for("T1") + first.delay_for("T1")
    assert gap == pytest.approx(2 * INITIAL_SPACING * 0.5 ** (2.5 / SPACING_HALF_LIFE))


def test_a_hold_set_while_waiting_for_a_slot_is_waited_out(db, other_db) -> None:
    """A post whose slot came before another process's new hold waits for a slot after it."""
    fake_time = FakeTime()
    second = _process(other_db, fake_time)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:  # while the first post waits, the other process meets a 429
            second.hold("T1", 3.0)
        fake_time.sleep(seconds)

    first = _process(db, fake_time, sleep)
    first.hold("T1", 1.0)
    start = fake_time.now
    first.wait("T1")
    assert sleeps[0] == pytest.approx(1.0)
    assert fake_time.now - start >= 3.0  # held until 3 s after the other process's 429


def test_a_spent_pace_is_dropped_and_an_old_row_forgotten(db) -> None:
    fake_time = FakeTime()
    process = _process(db, fake_time)
    process.hold("T1", 1.0)
    fake_time.now += 20 * SPACING_HALF_LIFE
    assert process.delay_for("T1") == 0.0
    with db.transaction() as session:
        assert session.execute(select(paces)).all() == []  # spent: deleted when a slot was taken

    process.hold("T2", 1.0)
    fake_time.now += FORGOTTEN_AFTER + 2  # past its hold (1 s) by more than that
    process.hold("T3", 1.0)  # any later 429 clears rows long forgotten
    with db.transaction() as session:
        assert [row.team_id for row in session.execute(select(paces))] == ["T3"]

    fake_time.now += 20 * SPACING_HALF_LIFE
    newcomer = _process(db, fake_time)
    newcomer.adopt(["T3"])  # spent: not learnt, and cleared from the board
    assert newcomer.remaining("T3") == 0.0
    assert newcomer.delay_for("T3") == 0.0
    with db.transaction() as session:
        assert session.execute(select(paces)).all() == []


def test_the_board_uses_the_databases_clock(db) -> None:
    board = SharedPaces(db)
    board.slowed("T1", 2.0)
    assert 1.0 < board.hold_left("T1") <= 2.0
    assert 1.0 < board.take_slot("T1") <= 2.0
    found, read_at = board.paced(["T1", "T2"])
    assert set(found) == {"T1"}
    assert read_at == pytest.approx(time.time(), abs=5.0)
    assert board.hold_left("T2") == 0.0
    assert board.take_slot("T2") is None


class BrokenBoard:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("database gone")
        return fail


def test_without_the_board_a_process_paces_on_its_own_and_says_why(caplog) -> None:
    fake_time = FakeTime()
    cooldown = WorkspaceCooldown(clock=fake_time.clock, sleep=fake_time.sleep, board=BrokenBoard())
    with caplog.at_level(logging.WARNING, logger="goedwerk.slack"):
        cooldown.hold("T1", 1.0)
        cooldown.adopt(["T2"])
        assert [cooldown.delay_for("T1"), cooldown.delay_for("T1")] == pytest.approx([1.0, 1.0 + INITIAL_SPACING])
        cooldown.wait("T1")
    assert "could not share the pace of workspace T1" in caplog.text
    assert "could not take a shared send slot in workspace T1" in caplog.text
    assert "could not read the shared paces of 1 workspaces" in caplog.text


def test_a_429_one_process_met_holds_back_another_processs_posts(
        db, other_db, fake_slack: FakeSlack) -> None:
    """Through the real client: Slack's 429 to one sender reaches the board, and a second
    sender on its own pool (another process) waits out the hold before posting."""

    def sender_on(database: Database) -> SlackSender:
        cooldown = WorkspaceCooldown(board=SharedPaces(database))
        clients = TeamClients(fake_slack.base_url, lambda team: f"xoxb-{team}", on_rate_limited=cooldown.hold,
                              wait_turn=cooldown.wait)
        return SlackSender(database, load_pack(), SystemClock(), ZoneInfo("Europe/Amsterdam"), clients.for_team,
                           clients.refresh, cooldown)

    first, second = sender_on(db), sender_on(other_db)
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    outcomes: list[list[str]] = []
    meeting_429 = threading.Thread(target=lambda: outcomes.append(
        first.deliver([Post(Place("slack", "T1", "C1"), Notice("en", "first"))])))
    meeting_429.start()
    held_until = _when_held(db, "T1")

    second.cooldown.adopt(["T1"])  # the other process, before its batch, while the hold is on
    assert second.deliver([Post(Place("slack", "T1", "C2"), Notice("en", "second"))]) == []
    posted_at = time.time()
    meeting_429.join()

    assert outcomes == [[]]
    assert posted_at >= held_until  # without the board it would have posted at once, inside the hold
    assert [call.status for call in fake_slack.calls_to("chat.postMessage")] == [429, 200, 200]


def _when_held(db: Database, workspace: str) -> float:
    """Wait (at most 5 s) for the workspace's hold to reach the board; its end."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with db.transaction() as session:
            held_until = session.execute(select(paces.c.held_until).where(paces.c.team_id == workspace)).scalar()
        if held_until:
            return held_until
        time.sleep(0.01)
    raise AssertionError(f"no hold of {workspace} on the board")
