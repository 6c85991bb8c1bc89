"""Several dispatchers never run a round's work out of order.

A step prompt claimed by one process and still being sent keeps its round's close (due
later) from being claimed by another process; otherwise the close would make the prompt
moot and it would never be posted.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from flows.clock import ManualClock
from flows.effects import Post
from flows.events import Actor, Command
from flows.scheduling import actions
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.harness import MONDAY, QUICK_PLAN, Recorder, make_engine

ANNA = Actor("test", "w1", "c1", "anna", user_name="Anna")
LEASE = timedelta(minutes=2)


def _claim(db: Database, owner: str, clock: ManualClock, limit: int = 50) -> list[actions.Claimed]:
    with db.transaction() as session:
        return actions.claim_due(session, owner=owner, now=clock.now(), lease=LEASE, limit=limit)


def test_a_close_waits_while_another_process_still_sends_the_last_prompt(db: Database) -> None:
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock, plan=QUICK_PLAN)
    engine.declare_members(ANNA, ["anna", "bob"])
    engine.handle(Command(ANNA, "start 2"))
    clock.advance(timedelta(days=1))  # every step and the close are due now

    first = _claim(db, "slow-process", clock, limit=1)
    assert len(first) == 1
    assert _claim(db, "fast-process", clock) == [], "the round's later work waited for its earlier step"

    recorder = Recorder()
    slow = Dispatcher(db, engine, clock, recorder, owner="slow-process")
    slow._run_one(first[0])
    fast = Dispatcher(db, engine, clock, recorder, owner="fast-process")
    fast.run_due()

    prompts = [effect.key for effect in recorder.effects if isinstance(effect, Post) and effect.key
               and effect.key.startswith("prompt:")]
    assert prompts == ["prompt:1:handelingen", "prompt:1:kennis", "prompt:1:waarden", "prompt:1:vrijheid",
                       "prompt:1:identiteit", "prompt:1:staart"]
    with db.transaction() as session:
        skipped = session.scalars(select(ScheduledAction.kind).where(ScheduledAction.status == "skipped")).all()
        closed = session.scalar(select(ScheduledAction.status).where(ScheduledAction.kind == "close_round"))
    assert "open_step" not in skipped
    assert closed == "sent"


def test_actions_of_different_rounds_are_claimed_together(db: Database) -> None:
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock, plan=QUICK_PLAN)
    for channel in ("c1", "c2", "c3"):
        actor = Actor("test", "w1", channel, "anna", user_name="Anna")
        engine.declare_members(actor, ["anna", "bob"])
        engine.handle(Command(actor, "start 2"))
    clock.advance(timedelta(days=1))

    claimed = _claim(db, "one-process", clock)
    assert len(claimed) == 3, "one action per round in a pass; the rounds do not wait for each other"
    with db.transaction() as session:
        rounds = {session.get(ScheduledAction, claim.id).round_id for claim in claimed}
    assert len(rounds) == 3


def test_a_stopping_dispatcher_gives_back_what_it_claimed_but_did_not_start(db: Database) -> None:
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock, plan=QUICK_PLAN)
    for channel in ("c1", "c2", "c3", "c4"):
        actor = Actor("test", "w1", channel, "anna", user_name="Anna")
        engine.declare_members(actor, ["anna", "bob"])
        engine.handle(Command(actor, "start 2"))
    clock.advance(timedelta(days=1))
    recorder = Recorder()
    dispatcher = Dispatcher(db, engine, clock, recorder, owner="stopping-process")

    def deliver_then_stop(effects, resend=False):
        recorder(effects, resend)
        dispatcher.stop_requested.set()  # SIGTERM arrives while the first action is being sent

    dispatcher.deliver = deliver_then_stop
    assert dispatcher.run_due() == 1
    with db.transaction() as session:
        rows = session.scalars(select(ScheduledAction).where(ScheduledAction.lease_owner.is_not(None))).all()
        assert rows == [] or all(row.status != "claimed" for row in rows)
        back = session.scalars(select(ScheduledAction).where(ScheduledAction.status == "pending",
                                                             ScheduledAction.due_at <= clock.now())).all()
    assert back and all(row.attempts == 0 for row in back), "claims given back, not counted as attempts"
    Dispatcher(db, engine, clock, recorder, owner="next-process").run_due()  # another process takes over
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ScheduledAction).where(
            ScheduledAction.status.in_(("pending", "claimed")), ScheduledAction.due_at <= clock.now())) == 0
