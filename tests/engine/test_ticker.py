"""The ticker in real time: it sleeps until the next due action, wakes on inserts, and polls."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from flows.clock import SystemClock
from flows.effects import Post
from flows.events import Actor, Command
from flows.scheduling.dispatcher import Dispatcher
from flows.scheduling.ticker import Ticker
from flows.store.db import Database
from flows.store.models import Round
from tests.harness import make_engine

ANNA = Actor("test", "w1", "c1", "anna", user_name="Anna")


class Collect:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.changed = threading.Event()

    def __call__(self, effects, resend: bool = False) -> None:
        self.keys += [effect.key for effect in effects if isinstance(effect, Post) and effect.key]
        self.changed.set()

    def wait_for(self, key: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while key not in self.keys and time.monotonic() < deadline:
            self.changed.wait(0.05)
            self.changed.clear()
        return key in self.keys


def test_a_due_step_fires_on_time_without_waiting_for_the_poll(db: Database) -> None:
    engine = make_engine(db, SystemClock(), plan="kop=1s,staart=1s")
    collect = Collect()
    dispatcher = Dispatcher(db, engine, SystemClock(), collect)
    passes = count_passes(dispatcher)
    ticker = Ticker(dispatcher, interval_seconds=60)
    engine.on_schedule(ticker.wake)
    ticker.start()
    try:
        assert wait_until(lambda: passes, 5), "the first pass did not run"  # found nothing: next poll in a minute
        engine.handle(Command(ANNA, "start 1"))
        started = time.monotonic()
        assert collect.wait_for("prompt:1:staart", 5), "the tail did not open"
        assert time.monotonic() - started < 5
        assert wait_until(lambda: round_status(db) == "closed", 5), "the round did not close by itself"
        assert "summary:1" not in collect.keys, "nobody wrote: a short note, no image of good work"
    finally:
        ticker.stop()


def count_passes(dispatcher: Dispatcher) -> list[int]:
    """Note each finished pass of ``dispatcher`` (its result) in the list returned."""
    passes: list[int] = []
    run_due = dispatcher.run_due

    def counted() -> int:
        sent = run_due()
        passes.append(sent)
        return sent

    dispatcher.run_due = counted  # type: ignore[method-assign]
    return passes


def round_status(db: Database) -> str | None:
    with db.transaction() as session:
        return session.scalar(select(Round.status))


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(predicate())


def test_actions_queued_by_another_process_are_found_by_polling(db: Database) -> None:
    other_process = make_engine(Database(db.url), SystemClock(), plan="kop=1s,staart=1s")
    engine = make_engine(db, SystemClock())
    collect = Collect()
    ticker = Ticker(Dispatcher(db, engine, SystemClock(), collect), interval_seconds=0.5)
    ticker.start()
    try:
        other_process.handle(Command(ANNA, "start 2"))  # this process was not woken
        assert collect.wait_for("prompt:1:staart", 6)
    finally:
        ticker.stop()
        other_process.db.dispose()


def test_a_pass_longer_than_the_poll_interval_logs_no_warnings(db: Database, caplog) -> None:
    engine = make_engine(db, SystemClock())
    passes = []
    dispatcher = Dispatcher(db, engine, SystemClock(), lambda effects, resend=False: None)

    def slow_pass() -> int:
        passes.append(time.monotonic())
        time.sleep(0.5)  # a long fan-out: several polls fall due while it runs
        return 0

    dispatcher.run_due = slow_pass
    caplog.set_level("WARNING")
    ticker = Ticker(dispatcher, interval_seconds=0.1)
    ticker.start()
    try:
        assert wait_until(lambda: len(passes) >= 2, 10), "polls went on after the long pass"
    finally:
        ticker.stop()
    assert [record.getMessage() for record in caplog.records if record.levelname == "WARNING"] == []
