"""Retention cannot be switched off by a crash: a retried close keeps its round's purge,
and `goedwerk db repair` and the daily sweep queue a purge for any closed round without one."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.cli import main
from flows.clock import SystemClock
from flows.engine import retention, rounds
from flows.engine.scope import scope_for_channel
from flows.events import Actor, Command, Contribute
from flows.scheduling.failpoints import EXIT_CODE
from flows.store.db import Database
from flows.store.models import Contribution, Round, ScheduledAction
from tests.console.test_dialogues import console
from tests.console.test_image import ROUND
from tests.harness import QUICK_PLAN, content, make_engine
from tests.slack.conftest import running_app
from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401 (fixture)
from tests.slack.signing import TEAM_ID
from tests.slack.test_crash import dispatcher


def _purges(db: Database) -> dict[int, str]:
    with db.transaction() as session:
        return {row.round_id: row.status for row in session.scalars(
            select(ScheduledAction).where(ScheduledAction.kind == retention.PURGE_ROUND))}


def test_a_retried_close_keeps_the_purge_its_first_attempt_queued(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    assert _purges(db) == {1: "pending"}
    with db.transaction() as s:  # the close runs again, as after a crash between reserve and settle
        round_row = s.get(Round, 1)
        scope = scope_for_channel(s, round_row.channel, session.clock.now(), "en", "Europe/Amsterdam")
        rounds.close(scope, content(), round_row, by_hand=False, resend=True)
    assert _purges(db) == {1: "pending"}


@pytest.mark.slow
def test_a_dispatcher_killed_while_closing_leaves_the_round_to_be_purged(db: Database,
                                                                       fake_slack: FakeSlack) -> None:  # noqa: F811 (fixture)
    fake_slack.set_members("C0CRASH", ["U0ANNA"])
    engine = make_engine(db, SystemClock(), plan="kop=2s")
    anna = Actor("slack", TEAM_ID, "C0CRASH", "U0ANNA", user_name="Anna")
    engine.handle(Command(anna, "start 1"))
    engine.handle(Contribute(anna, "kop", "A story before the crash."))  # so the only message due is the close

    doomed = dispatcher(db, fake_slack, "after_reserve")
    assert doomed.wait(timeout=30) == EXIT_CODE
    with db.transaction() as s:
        assert s.get(Round, 1).status == "closed"  # it died after reserving the close
    survivor = dispatcher(db, fake_slack, None)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            with db.transaction() as s:
                close = s.scalars(select(ScheduledAction).where(ScheduledAction.kind == rounds.CLOSE_ROUND)).one()
                if close.status == "sent":
                    break
            time.sleep(0.2)
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=20)
    assert close.status == "sent" and close.attempts == 2  # the close was retried
    assert _purges(db) == {1: "pending"}


def test_repair_queues_a_purge_for_every_closed_round_without_one(db: Database, monkeypatch, capsys) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/as anna\n/goedwerk start 2\n/goedwerk bijdrage kop Second story.\n/tick 10m")
    session.run("/as anna\n/goedwerk start 3\n/goedwerk bijdrage kop A third one.\n/tick 10m")
    assert _purges(db) == {1: "pending", 2: "pending", 3: "pending"}
    with db.transaction() as s:  # as the old retried close left them: skipped, or gone
        s.execute(update(ScheduledAction).where(ScheduledAction.round_id == 1,
                                                ScheduledAction.kind == retention.PURGE_ROUND)
                  .values(status="skipped", last_error="round closed"))
        s.query(ScheduledAction).filter(ScheduledAction.round_id == 2,
                                        ScheduledAction.kind == retention.PURGE_ROUND).delete()
    monkeypatch.setenv("DATABASE_URL", db.url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_APP_TOKEN", "GOEDWERK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["db", "repair"]) == 0
    assert "Closed rounds: 3; purges queued again: 2." in capsys.readouterr().out
    assert _purges(db) == {1: "pending", 2: "pending", 3: "pending"}
    assert main(["db", "repair"]) == 0  # nothing left to do
    assert "Closed rounds: 3; purges queued again: 0." in capsys.readouterr().out
    with db.transaction() as s:
        for round_id in (1, 2):
            row = s.scalars(select(ScheduledAction).where(ScheduledAction.round_id == round_id,
                                                          ScheduledAction.kind == retention.PURGE_ROUND)).one()
            assert row.due_at == s.get(Round, round_id).closed_at + timedelta(days=90)
    session.run("/tick 91d")
    with db.transaction() as s:
        assert not any(row.text for row in s.scalars(select(Contribution)))


def test_the_daily_sweep_queues_a_lost_purge_without_anyone_asking(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    with db.transaction() as s:
        sweeps = s.scalars(select(ScheduledAction).where(ScheduledAction.kind == retention.RETENTION_SWEEP)).all()
        assert len(sweeps) == 1 and sweeps[0].due_at - session.clock.now() <= timedelta(days=1)
        s.query(ScheduledAction).filter(ScheduledAction.kind == retention.PURGE_ROUND).delete()
    session.run("/tick 1d")
    assert _purges(db) == {1: "pending"}
    session.run("/tick 1d")  # the sweep goes on, day after day
    with db.transaction() as s:
        done = s.scalars(select(ScheduledAction).where(ScheduledAction.kind == retention.RETENTION_SWEEP,
                                                       ScheduledAction.status == "sent")).all()
        assert len(done) == 2 and all(row.result == "0 of 1 closed rounds queued" or
                                      row.result == "1 of 1 closed rounds queued" for row in done)
    session.run("/tick 90d")
    with db.transaction() as s:
        assert not any(row.text for row in s.scalars(select(Contribution)))


def test_a_purge_keeps_no_key_derived_from_the_text_or_author(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run(ROUND)
    session.run("/tick 91d")
    with db.transaction() as s:
        rows = s.scalars(select(Contribution)).all()
        assert rows and all(row.idempotency_key == f"gone:{row.id}" for row in rows)


def test_a_dispatching_process_queues_the_daily_sweep_as_it_starts(db: Database, fake_slack: FakeSlack) -> None:  # noqa: F811 (fixture)
    with running_app(db, fake_slack):
        with db.transaction() as s:
            sweep = s.scalars(select(ScheduledAction).where(ScheduledAction.kind == retention.RETENTION_SWEEP)).one()
    assert sweep.status == "pending" and sweep.due_at - datetime.now(UTC) <= timedelta(days=1)
