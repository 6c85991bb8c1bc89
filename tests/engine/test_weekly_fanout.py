"""Weekly prompts prepared together decide exactly as one by one, in a few statements.

When thousands of channels are due in the same minute, the dispatcher hands a worker
up to ten first-attempt weekly prompts at once (:mod:`flows.engine.weekly_fanout`). The
same channels — some ordinary, some off, paused, busy with a round, changed or with
next week already queued — are run both ways on two equal databases: the posts, the
rows left behind and the rules must come out the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select, update

from flows.clock import ManualClock
from flows.events import Actor, Command
from flows.scheduling import actions
from flows.scheduling import dispatcher as dispatching
from flows.scheduling.dispatcher import Dispatcher
from flows.store.db import Database
from flows.store.models import Channel, ScheduledAction, WeeklyRule
from tests.conftest import migrated_db
from tests.harness import MONDAY, Recorder, make_engine

CHANNELS = [f"c{number:02d}" for number in range(1, 13)]


def _channels_in_every_state(db: Database) -> tuple[ManualClock, object]:
    """Twelve channels with the weekly prompt on, due next Monday 09:00; four of them unusual."""
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in CHANNELS:
        actor = Actor("test", "w1", channel, "anna", user_name="Anna")
        engine.declare_members(actor, ["anna", "bob"])
        engine.handle(Command(actor, "taal en"))
        engine.handle(Command(actor, "weekly on"))
    engine.handle(Command(Actor("test", "w1", "c02", "anna"), "weekly off"))
    engine.handle(Command(Actor("test", "w1", "c03", "anna"), "start 4"))  # a round runs on the due day
    with db.transaction() as session:
        ids = dict(session.execute(select(Channel.external_id, Channel.id)).all())
        session.execute(update(WeeklyRule).where(WeeklyRule.channel_id == ids["c04"])
                        .values(paused_reason="not_in_channel"))
        session.execute(update(WeeklyRule).where(WeeklyRule.channel_id == ids["c05"])
                        .values(local_time="10:30"))  # changed behind the queued prompt's back
        # c06: next week's prompt already queued (by another process, say), situation 3
        next_week = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
        assert actions.schedule(session, kind="weekly_prompt", dedupe_key=f"weekly:{ids['c06']}:2026-W51",
                                due_at=next_week, now=MONDAY, channel_id=ids["c06"],
                                payload={"channel_id": ids["c06"], "situation": 3, "at": next_week.isoformat()})
    clock.advance(timedelta(days=7))  # Monday 7 December 10:00: every prompt is an hour due
    return clock, engine


def _state(db: Database) -> tuple[list, list]:
    with db.transaction() as session:
        prompts = [(row.dedupe_key, row.status, row.due_at, row.payload, row.last_error) for row in session.scalars(
            select(ScheduledAction).where(ScheduledAction.kind == "weekly_prompt")
            .order_by(ScheduledAction.dedupe_key))]
        rules = [(rule.channel_id, rule.enabled, rule.paused_reason, rule.next_run_at) for rule in session.scalars(
            select(WeeklyRule).order_by(WeeklyRule.channel_id))]
    return prompts, rules


def test_prompts_prepared_together_decide_as_one_by_one(db: Database, dialect: str, request, tmp_path,
                                                         monkeypatch) -> None:
    clock, engine = _channels_in_every_state(db)
    together = Recorder()
    Dispatcher(db, engine, clock, together).run_due()

    with migrated_db(dialect, request, tmp_path, name="second.db") as other:
        other_clock, other_engine = _channels_in_every_state(other)
        one_by_one = Recorder()
        monkeypatch.setattr(dispatching, "_together", lambda action: False)
        Dispatcher(other, other_engine, other_clock, one_by_one).run_due()
        expected = _state(other)

    assert together.effects == one_by_one.effects
    assert _state(db) == expected
    weekly_posts = [effect.key for effect in together.effects if effect.key.startswith("weekly:")]
    assert len(weekly_posts) == 8  # c01 and c06-c12
    prompts = {key: (status, payload["situation"], error) for key, status, _, payload, error in expected[0]}
    ids = {channel: number for number, channel in enumerate(CHANNELS, start=1)}
    assert [prompts[f"weekly:{ids[channel]}:2026-W50"][::2] for channel in ("c02", "c03", "c04", "c05")] == [
        ("skipped", "weekly prompt turned off"), ("skipped", "a round is running"),
        ("skipped", "weekly prompt paused: not_in_channel"), ("skipped", "weekly rule changed")]
    assert prompts[f"weekly:{ids['c06']}:2026-W51"] == ("pending", 3, None)  # kept, not chosen anew


def test_ten_prompts_are_prepared_in_a_few_statements(db: Database) -> None:
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in CHANNELS[:10]:
        actor = Actor("test", "w1", channel, "anna", user_name="Anna")
        engine.handle(Command(actor, "weekly on"))
    clock.advance(timedelta(days=7))
    with db.transaction() as session:
        claimed = actions.claim_due(session, owner="counting", now=clock.now(), lease=timedelta(minutes=2))
    assert len(claimed) == 10

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (before_cursor_execute's statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        prepared = engine.run_weekly_prompts([action.id for action in claimed], "counting")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert sorted(len(effects) for effects in prepared.values()) == [1] * 10
    assert len(statements) <= 12, "a handful for the batch, not about ten per prompt"


def test_a_batch_slower_to_send_than_its_lease_stays_ours(db: Database) -> None:
    """Where Slack's limits bind, a batch of prompts may take minutes to post; its lease is
    renewed as it goes, so another process never takes the rest for abandoned."""
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in CHANNELS:
        engine.handle(Command(Actor("test", "w1", channel, "anna", user_name="Anna"), "weekly on"))
    clock.advance(timedelta(days=7))
    lease = timedelta(minutes=2)
    other_process = []

    def slow_post(effects, resend=False) -> None:
        clock.advance(timedelta(seconds=40))  # twelve posts: eight minutes, four leases
        with db.transaction() as session:
            other_process.append(actions.reclaim_expired(session, clock.now()))

    sent = Dispatcher(db, engine, clock, slow_post, lease=lease).run_due()

    assert sent == len(CHANNELS)
    assert other_process == [(0, 0)] * len(CHANNELS), "no claim of the batch ever looked expired"
    with db.transaction() as session:
        statuses = session.scalars(select(ScheduledAction.status).where(
            ScheduledAction.kind == "weekly_prompt", ScheduledAction.due_at <= MONDAY + timedelta(days=7))).all()
    assert sorted(statuses) == ["sent"] * len(CHANNELS)


def test_the_adapter_hears_a_batchs_places_before_its_first_post(db: Database, caplog) -> None:
    """So that it can get ready for all of them at once (the Slack adapter reads their
    workspaces' tokens in one query); if that fails, the batch is sent all the same."""
    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in CHANNELS:
        engine.handle(Command(Actor("test", "w1", channel, "anna", user_name="Anna"), "weekly on"))
    clock.advance(timedelta(days=7))
    heard, posted_when_heard = [], []
    posted = []

    def before_sending(places) -> None:
        heard.extend(places)
        posted_when_heard.append(len(posted))
        raise ConnectionError("not ready")

    with caplog.at_level("WARNING", logger="goedwerk.dispatcher"):
        sent = Dispatcher(db, engine, clock, lambda effects, resend=False: posted.extend(effects),
                          before_sending=before_sending).run_due()

    assert sent == len(CHANNELS)
    assert len(posted) == len(CHANNELS)
    assert sorted(place.channel for place in heard) == CHANNELS
    assert posted_when_heard == [0], "told once, before the first post"
    assert "before_sending failed" in caplog.text


def test_an_idle_worker_helps_send_the_posts_of_a_batch(db: Database) -> None:
    """Where each post waits for a round trip, one batch's posts need not go one after
    another while the pass's other workers have nothing to do: they take some, and every
    prompt still goes out once and is recorded with the batch."""
    import threading
    import time

    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in CHANNELS:
        engine.handle(Command(Actor("test", "w1", channel, "anna", user_name="Anna"), "weekly on"))
    clock.advance(timedelta(days=7))
    posted = []

    def post_after_a_round_trip(effects, resend=False) -> None:
        time.sleep(0.25)  # twelve posts on two threads: 1.5 s
        posted.extend((threading.current_thread().name, effect.place.channel) for effect in effects)

    # the pass starts two threads and adds a third after two looks that find them waiting
    sent = Dispatcher(db, engine, clock, post_after_a_round_trip, workers=3, spare_cpu=lambda: lambda: True).run_due()

    assert sent == len(CHANNELS)
    assert sorted(channel for _, channel in posted) == CHANNELS, "each prompt once"
    assert len({thread for thread, _ in posted}) == 3, "all three workers sent some of the one batch"
    with db.transaction() as session:
        statuses = session.scalars(select(ScheduledAction.status).where(
            ScheduledAction.kind == "weekly_prompt", ScheduledAction.due_at <= MONDAY + timedelta(days=7))).all()
    assert sorted(statuses) == ["sent"] * len(CHANNELS)


def test_next_week_queued_by_another_process_while_preparing_is_kept(db: Database, monkeypatch) -> None:
    """Between the batch's look for next week's rows and its insert of them, another
    process queues one of those weeks: that prompt still goes out, and its next week is
    the other process's row (situation kept, moved to the rule's time), taken the careful
    way (:func:`flows.engine.weekly.arm`) as one by one would."""
    from flows.engine import weekly_fanout

    clock = ManualClock(MONDAY)
    engine = make_engine(db, clock)
    for channel in ("c01", "c02"):
        engine.handle(Command(Actor("test", "w1", channel, "anna", user_name="Anna"), "weekly on"))
    clock.advance(timedelta(days=7))
    with db.transaction() as session:
        raced = session.scalar(select(Channel.id).where(Channel.external_id == "c01"))
    insert_all = actions.schedule_many

    def another_process_first(session, rows, now):
        row = next(row for row in rows if row["channel_id"] == raced)
        early = row["due_at"] - timedelta(hours=1)  # queued for a time the rule no longer has
        assert actions.schedule(session, **{**row, "due_at": early,
                                            "payload": {**row["payload"], "situation": 3, "at": early.isoformat()}},
                                now=now)
        return insert_all(session, rows, now)

    monkeypatch.setattr(weekly_fanout.actions, "schedule_many", another_process_first)
    posted = Recorder()
    assert Dispatcher(db, engine, clock, posted).run_due() == 2

    assert sorted(effect.place.channel for effect in posted.effects) == ["c01", "c02"]
    with db.transaction() as session:
        rule = session.scalar(select(WeeklyRule).where(WeeklyRule.channel_id == raced))
        next_week = session.scalars(select(ScheduledAction).where(
            ScheduledAction.channel_id == raced, ScheduledAction.status == "pending")).all()
        assert len(next_week) == 1
        assert next_week[0].payload["situation"] == 3, "the other process's choice is kept"
        nine_local = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
        assert next_week[0].due_at == nine_local
        assert rule.next_run_at == nine_local
