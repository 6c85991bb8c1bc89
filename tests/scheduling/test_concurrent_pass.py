"""A dispatcher pass sends several actions at once, yet each round's work stays in order.

The weekly fan-out is thousands of independent prompts: sending them one after the
other made a pass wait on every HTTP and database round trip in turn. A pass now runs
up to ``workers`` actions side by side; a claim never holds two actions of one round,
so a round's prompts and close still go out one by one, in due order.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from flows.clock import ManualClock
from flows.effects import Post
from flows.events import Actor, Command
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.harness import MONDAY, QUICK_PLAN, make_engine

CHANNELS = ("c1", "c2", "c3", "c4")
IN_ORDER = ["intro:body", "prompt:handelingen", "prompt:kennis", "prompt:waarden", "prompt:vrijheid",
            "prompt:identiteit",
            "prompt:staart", "draft"]
"""A round's messages from the dispatcher, in due order (keys without the round's number)."""


class Gate:
    """A delivery that records effects per channel; the first ``together`` deliveries
    wait for each other (they only pass when that many run at the same time)."""

    def __init__(self, together: int, timeout: float = 10) -> None:
        self.barrier = threading.Barrier(together, timeout=timeout)
        self.together = together
        self.calls = 0
        self.lock = threading.Lock()
        self.by_channel: dict[str, list[str]] = {}

    def __call__(self, effects, resend: bool = False) -> None:
        with self.lock:
            self.calls += 1
            waits = self.calls <= self.together
        if waits:
            self.barrier.wait()  # raises BrokenBarrierError when the sends ran one at a time
        with self.lock:
            for effect in effects:
                if isinstance(effect, Post) and effect.key:
                    self.by_channel.setdefault(effect.place.channel, []).append(effect.key)


def _rounds_due(db: Database) -> tuple[ManualClock, object]:
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock, plan=QUICK_PLAN)
    for channel in CHANNELS:
        actor = Actor("test", "w1", channel, "anna", user_name="Anna")
        engine.declare_members(actor, ["anna", "bob"])
        engine.handle(Command(actor, "start 2"))
    clock.advance(timedelta(days=1))  # every step and every close are due now
    return clock, engine


def _open_due(db: Database, clock: ManualClock) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ScheduledAction).where(
            ScheduledAction.status.in_(("pending", "claimed", "sending")), ScheduledAction.due_at <= clock.now()))


def test_a_pass_sends_the_actions_of_several_rounds_at_once(db: Database) -> None:
    clock, engine = _rounds_due(db)
    gate = Gate(together=len(CHANNELS))
    # a pass starts with fewer threads and adds more while they wait (here: at the gate)
    dispatcher = Dispatcher(db, engine, clock, gate, workers=len(CHANNELS), spare_cpu=lambda: lambda: True)

    sent = dispatcher.run_due()

    assert gate.barrier.broken is False, "the first sends of the four rounds ran side by side"
    assert sent == len(CHANNELS) * 5  # per round: the four later step openings and the close
    assert _open_due(db, clock) == 0
    for channel in CHANNELS:
        keys = [re.sub(r":\d+", "", key) for key in gate.by_channel[channel]]
        assert keys == IN_ORDER, f"the round in {channel} ran in due order"


def test_one_worker_sends_one_action_at_a_time(db: Database) -> None:
    clock, engine = _rounds_due(db)
    gate = Gate(together=2, timeout=2)  # a second thread would be there within 2 s; one alone waits them out
    dispatcher = Dispatcher(db, engine, clock, gate, workers=1)

    dispatcher.run_due()

    assert gate.barrier.broken, "with one worker the first send waited alone"


def test_a_stop_ends_every_worker_and_gives_back_the_claims_nobody_started(db: Database) -> None:
    clock, engine = _rounds_due(db)
    dispatcher = Dispatcher(db, engine, clock, lambda effects, resend=False: None, workers=2)
    deliver = dispatcher.deliver

    def deliver_then_stop(effects, resend=False):
        deliver(effects, resend)
        dispatcher.stop_requested.set()  # SIGTERM arrives while the first actions are being sent

    dispatcher.deliver = deliver_then_stop
    assert 1 <= dispatcher.run_due() <= 2
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ScheduledAction).where(
            ScheduledAction.status.in_(("claimed", "sending")))) == 0
        back = session.scalars(select(ScheduledAction).where(ScheduledAction.status == "pending",
                                                             ScheduledAction.due_at <= clock.now())).all()
    assert back and all(row.attempts == 0 for row in back), "claims given back, not counted as attempts"


def test_an_in_memory_database_runs_one_action_at_a_time() -> None:
    db = Database("sqlite://")  # one connection shared by every session: no side-by-side sessions
    try:
        clock = ManualClock(MONDAY)
        assert Dispatcher(db, None, clock, lambda effects, resend=False: None, workers=8).workers == 1
    finally:
        db.dispose()
