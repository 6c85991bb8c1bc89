"""How long a timed action that Slack refused waits before its next attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.clock import ManualClock
from flows.engine.core import Engine
from flows.events import Actor, Command
from flows.scheduling.dispatcher import MAX_ATTEMPTS, RATE_LIMITED_ATTEMPTS, RATE_LIMITED_BACKOFF, Dispatcher
from flows.store.db import Database
from flows.store.models import ScheduledAction
from tests.harness import MONDAY, make_engine

ANNA = Actor("test", "w1", "c1", "anna", user_name="Anna")
LONG_AFTER_THE_FIRST_MINUTE = "kop=1m,handelingen+kennis=30d,waarden+vrijheid=30d,identiteit=30d,staart=30d"


def started_round(db: Database) -> tuple[Engine, ManualClock]:
    """An engine whose round's second step is due now, and its clock."""
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock, plan=LONG_AFTER_THE_FIRST_MINUTE)
    engine.declare_members(ANNA, ["anna", "bob"])
    engine.handle(Command(ANNA, "start 2"))
    clock.advance(timedelta(minutes=1))  # the second step is due
    return engine, clock


def first_step(db: Database) -> ScheduledAction:
    with db.transaction() as session:
        return session.scalars(select(ScheduledAction).where(ScheduledAction.kind == "open_step")
                               .order_by(ScheduledAction.id)).first()


@pytest.mark.parametrize("errors, delay", [
    (["ratelimited"], timedelta(seconds=RATE_LIMITED_BACKOFF)),  # only too fast: try again soon
    (["ratelimited", "internal_error"], timedelta(seconds=60)),  # anything else: 30 s doubling per attempt
    (["internal_error"], timedelta(seconds=60)),
])
def test_a_rate_limited_post_comes_back_soon_other_failures_back_off(db: Database, errors, delay) -> None:
    engine, clock = started_round(db)

    def refused(effects, resend=False):
        return errors

    Dispatcher(db, engine, clock, refused, owner="only").run_due()
    step = first_step(db)
    assert step.status == "pending" and step.attempts == 1
    assert step.due_at == clock.now() + delay  # both aware (UTCDateTime)


@pytest.mark.parametrize("error, attempts", [("internal_error", MAX_ATTEMPTS), ("ratelimited", RATE_LIMITED_ATTEMPTS)])
def test_a_post_gives_up_after_its_attempts_rate_limits_allow_more(db: Database, error: str, attempts: int) -> None:
    engine, clock = started_round(db)
    dispatcher = Dispatcher(db, engine, clock, lambda effects, resend=False: [error], owner="only")
    for attempt in range(1, attempts + 1):
        assert first_step(db).status == "pending", f"gave up before attempt {attempt}"
        dispatcher.run_due()
        clock.advance(timedelta(hours=2))  # past any backoff
    step = first_step(db)
    assert (step.status, step.attempts) == ("failed", attempts)
