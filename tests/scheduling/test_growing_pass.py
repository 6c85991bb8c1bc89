"""A pass starts a few threads and adds more only while they leave CPU to spare.

Where Slack is a round trip away, each thread mostly waits, and more threads send more
at once. Where Slack answers at once, the threads are bound by the interpreter lock
(or a busy machine), and more of them only cost switching; so a pass starts
:data:`~flows.scheduling.dispatcher.FIRST_WORKERS` threads and doubles them, up to
``workers``, while :class:`~flows.scheduling.load.SpareCpu` says CPU was to spare.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from flows.clock import ManualClock
from flows.events import Actor, Command
from flows.scheduling import load
from flows.scheduling.dispatcher import FIRST_WORKERS, Dispatcher
from flows.scheduling.load import SpareCpu
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.harness import MONDAY, make_engine

CHANNELS = [f"c{number:02d}" for number in range(60)]


def _weekly_prompts_due(db: Database):
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in CHANNELS:
        engine.handle(Command(Actor("test", "w1", channel, "anna", user_name="Anna"), "weekly on"))
    clock.advance(timedelta(days=7))
    return clock, engine


class RoundTrips:
    """A delivery whose every post waits ``seconds`` for its answer; notes which thread sent what."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.posted: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, effects, resend: bool = False) -> None:
        time.sleep(self.seconds)
        with self.lock:
            self.posted.extend((threading.current_thread().name, effect.place.channel) for effect in effects)

    @property
    def threads(self) -> set[str]:
        return {thread for thread, _ in self.posted}


def _all_sent(db: Database) -> list[str]:
    with db.transaction() as session:
        return sorted(session.scalars(select(ScheduledAction.status).where(
            ScheduledAction.kind == "weekly_prompt", ScheduledAction.due_at <= MONDAY + timedelta(days=7))))


def test_threads_that_wait_for_round_trips_are_joined_by_more(db: Database) -> None:
    clock, engine = _weekly_prompts_due(db)
    deliver = RoundTrips(0.05)  # 60 posts on 4 threads would take 0.75 s

    sent = Dispatcher(db, engine, clock, deliver, workers=16, spare_cpu=lambda: lambda: True).run_due()

    assert sent == len(CHANNELS)
    assert sorted(channel for _, channel in deliver.posted) == CHANNELS, "each prompt once"
    assert len(deliver.threads) > FIRST_WORKERS, "more threads joined while CPU was to spare"
    assert _all_sent(db) == ["sent"] * len(CHANNELS)


def test_threads_that_keep_the_cpu_busy_are_not_joined_by_more(db: Database) -> None:
    clock, engine = _weekly_prompts_due(db)
    deliver = RoundTrips(0.05)
    looks = []

    def never_spare() -> bool:
        looks.append(time.monotonic())
        return False

    sent = Dispatcher(db, engine, clock, deliver, workers=16, spare_cpu=lambda: never_spare).run_due()

    assert sent == len(CHANNELS)
    assert len(looks) >= 1, "the pass looked while it ran"
    assert len(deliver.threads) == FIRST_WORKERS


def test_a_pass_ends_when_its_work_is_done_not_at_its_next_look(db: Database) -> None:
    clock, engine = _weekly_prompts_due(db)
    dispatcher = Dispatcher(db, engine, clock, RoundTrips(0), workers=16, spare_cpu=lambda: lambda: False)
    dispatcher.run_due()  # warm: the first pass of a process opens connections
    clock.advance(timedelta(days=7))

    started = time.monotonic()
    assert dispatcher.run_due() == len(CHANNELS)
    assert time.monotonic() - started < 5


def test_spare_cpu_reads_the_process_and_the_machine() -> None:
    readings = iter([
        (0.0, 0.0, 0.0, 0.0),
        (1.0, 0.1, 1.5, 2.0),  # the process used 0.1 of a core, the machine was idle 75 %
        (2.0, 0.9, 2.5, 4.0),  # the process used 0.8 of a core: busy
        (3.0, 1.0, 2.6, 6.0),  # the process used 0.1, but the machine was idle only 5 %
        (3.0, 1.0, 2.6, 6.0),  # no time passed
    ])
    spare = SpareCpu(lambda: next(readings))

    assert [spare(), spare(), spare(), spare()] == [True, False, False, False]


def test_the_real_reading_counts_this_process_and_the_machine() -> None:
    """The readings SpareCpu decides on, whatever else the machine is doing: wall time moves on,
    this process's CPU grows by what it spent, and the machine's idle time is part of its total."""
    before = load._read()
    until = time.process_time() + 0.05
    while time.process_time() < until:
        pass
    after = load._read()

    assert after[0] > before[0], "wall time moved on"
    assert after[1] - before[1] >= 0.05, "the process's CPU time grew by what it spent"
    assert 0 <= after[2] <= after[3], "idle is part of the machine's total"
    assert after[3] >= before[3], "the machine's total does not shrink"
