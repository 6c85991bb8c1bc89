"""Timed work through Slack: private reminders, and recovery when a send's outcome is unknown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.services import build_services
from bot.settings import load_settings
from bot.slack.app import build_app
from bot.slack.main import slack_dispatcher
from flows.clock import ManualClock
from flows.events import Actor, Command
from flows.store.db import Database
from flows.store.models import MessageRef, ScheduledAction
from tests.slack.conftest import SECRET, RunningApp
from tests.slack.fake_slack import BOT_USER_ID, FakeSlack
from tests.slack.signing import CHANNEL_ID, TEAM_ID, block_actions_body, slash_command_body

ANNA, BEN = "U0ANNA", "U0BEN"
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_silent_members_get_one_private_reminder_with_a_working_button(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    fake.set_members(CHANNEL_ID, [ANNA, BEN, BOT_USER_ID])
    slack_app.send(slash_command_body(text="start 2 plan=kop=1h,staart=1h bevestig", user_id=ANNA))
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)  # kickoff and prompt
    slack_app.advance(timedelta(minutes=50))  # the reminder is due at 80 % of the head
    assert slack_app.wait_until(lambda: any(c.params.get("channel") in (BEN, fake.dm_channel(BEN))
                                            for c in fake.calls_to("chat.postMessage")), timeout=10)
    reminders = [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") in (BEN, fake.dm_channel(BEN))]
    assert len(reminders) == 1
    text = json.dumps(reminders[0].params)
    assert f"<#{CHANNEL_ID}>" in text
    assert f"@{CHANNEL_ID}" in text
    assert not any(c.params.get("channel") in (BOT_USER_ID,) for c in fake.calls_to("chat.postMessage"))
    # Ben clicks the button in the private conversation: the form for the right round opens
    opened = len(fake.calls_to("views.open"))
    slack_app.send(block_actions_body("goedwerk:contribute", f"1:kop@{CHANNEL_ID}", user_id=BEN,
                                      channel_id=fake.dm_channel(BEN)))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.open")) > opened)


def make_dispatcher(db: Database, fake: FakeSlack, clock: ManualClock):
    settings = load_settings(database_url=db.url, slack_bot_token="xoxb-e2e", slack_signing_secret=SECRET,
                             slack_api_url=fake.base_url, language="en", round_plan="kop=1m,staart=1m",
                             dispatch_lease=30)
    services = build_services(settings, clock, upgrade=False)
    return services, slack_dispatcher(build_app(settings, services), settings, clock)  # as `goedwerk run` wires it


def crash_after_reserving(db: Database, services, clock: ManualClock) -> int:
    """What a process killed between reserving and sending leaves: the step moved, nothing sent."""
    from flows.scheduling import actions

    while True:  # a round's actions are claimed one at a time, in due order
        with db.transaction() as session:
            (action,) = actions.claim_due(session, owner="dead-process", now=clock.now(),
                                          lease=timedelta(seconds=5))
            if action.kind == "open_step":
                break
            actions.settle(session, action.id, "dead-process", actions.SENT, clock.now())  # the earlier work went fine
    assert services.engine.run_action(action.id, "dead-process")  # effects computed, never delivered
    clock.advance(timedelta(seconds=10))  # the lease runs out
    return action.id


def prompt_posts(fake: FakeSlack, key: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage")
            if json.dumps(c.params.get("metadata") or {}).find(key) >= 0]


def test_killed_between_reserving_and_sending_the_step_still_opens_once(db: Database, fake_slack: FakeSlack) -> None:
    clock = ManualClock(START)
    services, dispatcher = make_dispatcher(db, fake_slack, clock)
    services.engine.handle(Command(Actor("slack", TEAM_ID, CHANNEL_ID, ANNA), "start 3 plan=kop=1m,staart=1h bevestig"))
    clock.advance(timedelta(minutes=1))
    action_id = crash_after_reserving(db, services, clock)
    assert prompt_posts(fake_slack, "prompt:1:staart") == []
    dispatcher.run_due()
    dispatcher.run_due()
    assert len(prompt_posts(fake_slack, "prompt:1:staart")) == 1
    with db.transaction() as session:
        assert session.get(ScheduledAction, action_id).status == "sent"
    services.db.dispose()


def test_killed_between_sending_and_recording_nothing_is_sent_twice(db: Database, fake_slack: FakeSlack) -> None:
    clock = ManualClock(START)
    services, dispatcher = make_dispatcher(db, fake_slack, clock)
    actor = Actor("slack", TEAM_ID, CHANNEL_ID, ANNA)
    services.engine.handle(Command(actor, "start 3"))
    clock.advance(timedelta(minutes=1))
    dispatcher.run_due()
    assert len(prompt_posts(fake_slack, "prompt:1:staart")) == 1
    # now pretend the process died after Slack took the message but before we recorded it
    with db.transaction() as session:
        row = session.scalars(select(ScheduledAction).where(ScheduledAction.kind == "open_step")).one()
        session.execute(update(ScheduledAction).where(ScheduledAction.id == row.id).values(
            status="sending", lease_owner="dead", lease_expires_at=clock.now() - timedelta(seconds=1)))
        from flows.store.models import MessageRef
        session.query(MessageRef).filter(MessageRef.key == "prompt:1:staart").delete()
    dispatcher.run_due()
    assert len(prompt_posts(fake_slack, "prompt:1:staart")) == 1  # found in history, not posted again
    with db.transaction() as session:
        assert session.get(ScheduledAction, row.id).status == "sent"
    services.db.dispose()


def test_a_reminder_whose_fate_is_unknown_is_never_resent(db: Database, fake_slack: FakeSlack) -> None:
    clock = ManualClock(START)
    fake_slack.set_members(CHANNEL_ID, [ANNA, BEN])
    services, dispatcher = make_dispatcher(db, fake_slack, clock)
    services.engine.handle(Command(Actor("slack", TEAM_ID, CHANNEL_ID, ANNA), "start 3"))
    clock.advance(timedelta(seconds=50))  # 80 % of the one-minute head
    dispatcher.run_due()
    sent_to_ben = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == BEN]
    assert len(sent_to_ben) == 1
    with db.transaction() as session:
        row = session.scalars(select(ScheduledAction).where(ScheduledAction.kind == "remind_user",
                                                            ScheduledAction.user_id == BEN)).one()
        session.execute(update(ScheduledAction).where(ScheduledAction.id == row.id).values(
            status="sending", lease_owner="dead", lease_expires_at=clock.now() - timedelta(seconds=1)))
    dispatcher.run_due()
    dispatcher.run_due()
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == BEN]) == 1
    with db.transaction() as session:
        assert session.get(ScheduledAction, row.id).status == "unknown"
    services.db.dispose()


def test_a_channel_that_refuses_ends_the_action_and_a_busy_slack_is_retried(db: Database, fake_slack: FakeSlack,
                                                                           caplog) -> None:
    clock = ManualClock(START)
    services, dispatcher = make_dispatcher(db, fake_slack, clock)
    services.engine.handle(Command(Actor("slack", TEAM_ID, CHANNEL_ID, ANNA), "start 3 plan=kop=1m,staart=1h bevestig"))
    clock.advance(timedelta(minutes=1))
    fake_slack.fail("chat.postMessage", error="is_archived", times=None)
    with caplog.at_level("WARNING"):
        dispatcher.run_due()
    with db.transaction() as session:
        row = session.scalars(select(ScheduledAction).where(ScheduledAction.kind == "open_step")).one()
        assert row.status == "failed"
        assert "is_archived" in row.last_error
    assert any("is_archived" in record.getMessage() for record in caplog.records)
    calls = len(fake_slack.calls_to("chat.postMessage"))
    clock.advance(timedelta(hours=2))
    dispatcher.run_due()  # the close runs (its post fails too), but the failed step is not retried
    with db.transaction() as session:
        assert session.get(ScheduledAction, row.id).status == "failed"
    assert len(fake_slack.calls_to("chat.postMessage")) == calls + 1
    services.db.dispose()


def test_transient_errors_are_retried_later_not_forever(db: Database, fake_slack: FakeSlack) -> None:
    clock = ManualClock(START)
    services, dispatcher = make_dispatcher(db, fake_slack, clock)
    services.engine.handle(Command(Actor("slack", TEAM_ID, CHANNEL_ID, ANNA), "start 3 plan=kop=1m,staart=1d bevestig"))
    clock.advance(timedelta(minutes=1))
    fake_slack.fail("chat.postMessage", error="internal_error", times=None)
    for _ in range(8):
        dispatcher.run_due()
        clock.advance(timedelta(hours=1))
    with db.transaction() as session:
        row = session.scalars(select(ScheduledAction).where(ScheduledAction.kind == "open_step")).one()
        assert row.status == "failed"
        assert row.attempts == 5
    fake_slack.reset()
    services.db.dispose()


def test_the_weekly_prompt_is_one_message_with_its_start_button(db: Database, fake_slack: FakeSlack) -> None:
    clock = ManualClock(START)  # Tuesday 1 December
    services, dispatcher = make_dispatcher(db, fake_slack, clock)
    services.engine.handle(Command(Actor("slack", TEAM_ID, CHANNEL_ID, ANNA), "weekly on mon 09:00"))
    clock.advance(timedelta(days=6))  # Monday 7 December, 10:00 UTC: the prompt is due
    dispatcher.run_due()
    dispatcher.run_due()
    [post] = [call for call in fake_slack.calls_to("chat.postMessage") if call.params.get("channel") == CHANNEL_ID]
    blocks = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert "This week's situation: talk it over together" in blocks
    assert '"type": "header"' in blocks
    assert '"action_id": "goedwerk:start"' in blocks
    assert post.params["text"].startswith("This week's situation")
    with db.transaction() as session:
        assert session.scalar(select(ScheduledAction.status).where(
            ScheduledAction.kind == "weekly_prompt", ScheduledAction.due_at <= clock.now())) == "sent"
        ref = session.scalars(select(MessageRef).where(MessageRef.key.like("weekly:%"))).one()
    assert ref.ref == post.response["ts"]  # where it landed, recorded with the outcome
    services.db.dispose()
