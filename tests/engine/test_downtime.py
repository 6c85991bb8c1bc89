"""A restart after downtime: every overdue action runs once; steps and closing run late, reminders lapse."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from flows.clock import ManualClock
from flows.effects import DirectMessage, Post
from flows.events import Actor, Command, Contribute
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.harness import MONDAY, Recorder, make_engine

ANNA = Actor("test", "w1", "c1", "anna", user_name="Anna")


def test_overdue_actions_each_run_once_after_a_restart(db: Database) -> None:
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    engine.declare_members(ANNA, ["anna", "bob"])
    engine.handle(Command(ANNA, "start 2"))
    engine.handle(Contribute(ANNA, "kop", "Before we went down."))
    db.dispose()

    clock.advance(timedelta(days=14))  # nobody ran a dispatcher for two weeks
    restarted = Database(db.url)
    try:
        recorder = Recorder()
        fresh_engine = make_engine(restarted, clock)
        dispatcher = Dispatcher(restarted, fresh_engine, clock, recorder)
        dispatcher.run_due()
        dispatcher.run_due()  # a second pass (or process) finds nothing left to do
        posted = Counter(effect.key for effect in recorder.effects if isinstance(effect, Post) and effect.key)
        assert all(count == 1 for count in posted.values()), posted
        prompts = [key for key in posted if key.startswith("prompt:")]
        assert prompts == ["prompt:1:handelingen", "prompt:1:kennis", "prompt:1:waarden", "prompt:1:vrijheid",
                           "prompt:1:identiteit", "prompt:1:staart"]
        assert "summary:1" in posted
        assert not [effect for effect in recorder.effects if isinstance(effect, DirectMessage)]
        with restarted.transaction() as session:
            statuses = Counter(session.scalars(select(ScheduledAction.status).where(
                ScheduledAction.due_at <= clock.now())))  # later work (retention purges) waits
        assert set(statuses) <= {"sent", "skipped"}
    finally:
        restarted.dispose()
