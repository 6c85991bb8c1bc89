"""The weekly prompt, dialogue-style through the console, on SQLite and PostgreSQL.

Each test drives a real engine and dispatcher with a manual clock; ``/tick`` runs due
actions at their own moment, so a row's ``updated_at`` (when it was settled) is the
moment it went out.
"""

from __future__ import annotations

import itertools
import logging
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from flows.clock import ManualClock
from flows.engine import commands
from flows.engine.weekly import WEEKLY_PROMPT
from flows.scheduling import actions
from flows.store.db import Database
from flows.store.models import Channel, Round, ScheduledAction, WeeklyRule
from tests.harness import AMSTERDAM, MONDAY, Console

UTC = UTC
INTRO = "This week's situation:"
CARD = re.compile(r"^\[#team\]\n  This week's situation: .*\n(?:  .*\n)*?  (\d+)\. ", re.M)
BUTTON = re.compile(r"\[(\d+)\] Start a round on this situation")


def console(db: Database, start: datetime = MONDAY) -> Console:
    session = Console(db, ManualClock(start))
    session.run("/goedwerk taal en")
    return session


def rows(db: Database) -> list[ScheduledAction]:
    with db.transaction() as s:
        return list(s.scalars(select(ScheduledAction).where(ScheduledAction.kind == WEEKLY_PROMPT)
                              .order_by(ScheduledAction.due_at, ScheduledAction.id)))


def sent(db: Database) -> list[ScheduledAction]:
    return [row for row in rows(db) if row.status == actions.SENT]


def rule(db: Database) -> WeeklyRule | None:
    with db.transaction() as s:
        return s.scalars(select(WeeklyRule)).first()


def channel_id(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(Channel.id).where(Channel.external_id == "team"))


def posted(out: str) -> list[int]:
    """The situation numbers of the weekly cards in a transcript part."""
    assert out.count(INTRO) == len(CARD.findall(out))
    return [int(number) for number in CARD.findall(out)]


def local(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%a %Y-%m-%d %H:%M")


# -- the command ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("wekelijks", {"mode": "show", "weekday": None, "time": None}),
    ("weekly", {"mode": "show", "weekday": None, "time": None}),
    ("wekelijks aan", {"mode": "on", "weekday": None, "time": None}),
    ("wekelijks aan ma 9:00", {"mode": "on", "weekday": 0, "time": "09:00"}),
    ("wekelijks aan donderdag 14.30", {"mode": "on", "weekday": 3, "time": "14:30"}),
    ("weekly on Wednesday", {"mode": "on", "weekday": 2, "time": None}),
    ("weekly on 08:15 fri", {"mode": "on", "weekday": 4, "time": "08:15"}),
    ("weekly on su", {"mode": "on", "weekday": 6, "time": None}),
    ("weekly zat 7:05", {"mode": "on", "weekday": 5, "time": "07:05"}),
    ("wekelijks uit", {"mode": "off", "weekday": None, "time": None}),
    ("WEEKLY OFF", {"mode": "off", "weekday": None, "time": None}),
])
def test_parse_weekly(text: str, expected: dict) -> None:
    parsed = commands.parse(text)
    assert parsed.name == "wekelijks"
    assert parsed.args == expected


@pytest.mark.parametrize("text", ["weekly on 25:00", "weekly on mon tue", "weekly off now",
                                  "weekly on 9:00 10:00", "wekelijks aan soms"])
def test_parse_weekly_refuses_nonsense(text: str) -> None:
    with pytest.raises(commands.CommandError) as caught:
        commands.parse(text)
    assert caught.value.msgid == "Use: weekly [on [day] [HH:MM] | off]"


def test_turning_it_on_changing_it_showing_it_and_off(db: Database) -> None:
    session = console(db)  # Monday 30 Nov 2026, 10:00 Amsterdam
    out = session.run("/goedwerk weekly")
    assert "There is no weekly situation in this channel yet" in out
    assert rule(db) is None
    assert rows(db) == []

    out = session.run("/as bob\n/goedwerk weekly on")  # anyone may; default Monday 09:00
    assert "Every Monday at 09:00 (Europe/Amsterdam)" in out
    assert "Mon 7 Dec 09:00" in out
    assert "[#team · only for bob]" in out
    assert INTRO not in out
    stored = rule(db)
    assert stored.weekday == 0
    assert stored.local_time == "09:00"
    assert stored.timezone == "Europe/Amsterdam"
    assert stored.enabled
    assert stored.next_run_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    [row] = rows(db)
    cid = channel_id(db)
    assert row.dedupe_key == f"weekly:{cid}:2026-W50"
    assert row.status == actions.PENDING
    assert row.due_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert row.round_id is None
    assert row.channel_id == cid
    assert row.payload["channel_id"] == cid
    assert row.payload["situation"] in range(1, 11)

    out = session.run("/goedwerk weekly")
    assert "Every Monday at 09:00" in out
    assert "Mon 7 Dec 09:00" in out

    # a new day and time: this week still has room, so the next one is tomorrow
    out = session.run("/goedwerk wekelijks aan di 14:30")
    assert "Every Tuesday at 14:30" in out
    assert "Tue 1 Dec 14:30" in out
    assert {(r.dedupe_key[-8:], r.status, r.last_error) for r in rows(db)} == {
        ("2026-W49", actions.PENDING, None), ("2026-W50", actions.SKIPPED, "weekly rule changed")}
    # without day and time the rule keeps what it had; saying the same twice changes nothing
    session.run("/goedwerk weekly on\n/goedwerk weekly on tuesday 14:30")
    assert [(r.dedupe_key[-8:], r.status) for r in rows(db)] == [("2026-W49", actions.PENDING),
                                                                ("2026-W50", actions.SKIPPED)]
    assert rule(db).next_run_at == datetime(2026, 12, 1, 13, 30, tzinfo=UTC)

    out = session.run("/goedwerk weekly off")
    assert "The weekly situation is off" in out
    assert not rule(db).enabled
    assert rule(db).next_run_at is None
    assert all(r.status == actions.SKIPPED for r in rows(db))
    out = session.run("/goedwerk weekly\n/goedwerk wekelijks uit")
    assert "off in this channel (it was Tuesday at 14:30)" in out
    assert "already off" in out
    out = session.run("/tick 14d")
    assert INTRO not in out

    out = session.run("/goedwerk weekly on 8:00")  # Monday 14 Dec 10:00 now: on Tuesday at 08:00
    assert "Every Tuesday at 08:00" in out
    assert "Tue 15 Dec 08:00" in out
    out = session.run("/goedwerk weekly on 25:00")
    assert "Use: weekly [on [day] [HH:MM] | off]" in out


def test_a_prompt_every_monday_at_nine_and_no_repeats_until_all_were_used(db: Database) -> None:
    session = console(db)
    session.run("/goedwerk weekly on maandag 09:00")
    seen: list[int] = []
    for week in range(10):
        out = session.run("/tick 7d")
        [number] = posted(out)
        assert out.index(INTRO) < out.index(f"  {number}. ")  # the intro comes first
        seen.append(number)
        # the team takes this week's situation up: press the button, then stop the round
        button = BUTTON.findall(out)[-1]
        out = session.run(f"{button}\n/goedwerk stop")
        assert f"Round {week + 1} — {number}." in out
        assert "The round has been stopped." in out
    assert sorted(seen) == list(range(1, 11)), seen
    out = session.run("/tick 7d")  # every situation had a round: the pool starts again
    [again] = posted(out)
    assert again != seen[-1]

    went_out = sent(db)
    assert len(went_out) == 11
    assert len({row.dedupe_key for row in went_out}) == 11
    for row in went_out:  # posted on Monday at 09:00 channel time, on the dot
        assert local(row.due_at).startswith("Mon")
        assert local(row.due_at).endswith("09:00")
        assert row.updated_at == row.due_at
    with db.transaction() as s:
        assert list(s.scalars(select(Round.situation_number).order_by(Round.id))) == seen
    # the payload's situation is what was posted
    assert [row.payload["situation"] for row in went_out] == seen + [again]


def test_ignored_prompts_do_not_count_but_never_repeat_back_to_back(db: Database) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    numbers = [number for _ in range(12) for number in posted(session.run("/tick 7d"))]
    assert len(numbers) == 12
    assert all(a != b for a, b in itertools.pairwise(numbers)), numbers


@pytest.mark.parametrize(("start", "expected"), [
    (datetime(2026, 3, 23, 10, 0, tzinfo=AMSTERDAM), ["2026-03-30T07:00", "2026-04-06T07:00"]),
    (datetime(2026, 10, 19, 10, 0, tzinfo=AMSTERDAM), ["2026-10-26T08:00", "2026-11-02T08:00"]),
], ids=["2026-03-29", "2026-10-25"])
def test_dst_weeks_post_at_nine_local_exactly_once(db: Database, start: datetime, expected: list[str]) -> None:
    session = console(db, start)
    session.run("/goedwerk weekly on")
    out = session.run("\n".join(["/tick 1h"] * (24 * 14)))  # hour by hour through the change
    assert out.count(INTRO) == 2
    assert len(posted(out)) == 2
    went_out = sent(db)
    assert [row.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for row in went_out] == expected
    assert [row.updated_at for row in went_out] == [row.due_at for row in went_out]
    assert all(local(row.due_at).endswith("09:00") for row in went_out)


def test_a_repeated_hour_posts_once_and_the_chain_goes_on(db: Database) -> None:
    # Sunday 02:30 happens twice on 2026-10-25 (00:30Z CEST, 01:30Z CET): one prompt only
    session = console(db, datetime(2026, 10, 19, 10, 0, tzinfo=AMSTERDAM))
    session.run("/goedwerk weekly on zondag 02:30")
    out = session.run("\n".join(["/tick 1h"] * (24 * 14)))
    assert len(posted(out)) == 2
    assert [row.due_at for row in sent(db)] == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                                                datetime(2026, 11, 1, 1, 30, tzinfo=UTC)]
    assert rule(db).next_run_at == datetime(2026, 11, 8, 1, 30, tzinfo=UTC)


def test_a_retry_posts_the_same_situation_and_a_week_never_gets_two(db: Database) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    dispatcher = session.adapter.dispatcher
    deliver, failures = dispatcher.deliver, []

    def flaky(effects, resend=False):  # the platform breaks once, before anything arrived
        if not failures:
            failures.append(resend)
            raise ConnectionError("network down")
        return deliver(effects, resend=resend)

    dispatcher.deliver = flaky
    out = session.run("/tick 7d")  # Monday 7 Dec 09:00: fails, retried 60 s later
    assert failures == [False]
    [first] = posted(out)
    [row] = sent(db)
    assert row.payload["situation"] == first
    assert row.attempts == 2
    assert row.due_at > datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # the retry moved due_at, not "at"
    assert row.payload["at"] == "2026-12-07T08:00:00+00:00"
    next_week = [r for r in rows(db) if r.status == actions.PENDING]
    assert [r.dedupe_key[-8:] for r in next_week] == ["2026-W51"]

    # the outcome turns out unknown and the action goes back to pending: same situation again
    with db.transaction() as s:
        s.execute(update(ScheduledAction).where(ScheduledAction.id == row.id)
                  .values(status=actions.PENDING, due_at=session.clock.now()))
    out = session.run("/tick 1m")
    assert posted(out) == [first]
    # turning it on again in the same week neither re-posts nor queues a second one
    session.run("/goedwerk weekly on\n/goedwerk weekly on monday")
    after = rows(db)
    assert [(r.dedupe_key[-8:], r.status) for r in after] == [("2026-W50", actions.SENT),
                                                              ("2026-W51", actions.PENDING)]
    assert after[1].payload == next_week[0].payload  # the next week's situation was chosen once
    # the dedupe key makes a second row for a week impossible
    with db.transaction() as s:
        assert not actions.schedule(s, kind=WEEKLY_PROMPT, dedupe_key=row.dedupe_key, due_at=row.due_at,
                                    now=session.clock.now(), channel_id=row.channel_id, payload={})
    out = session.run("/tick 7d")
    assert len(posted(out)) == 1
    assert [r.dedupe_key[-8:] for r in sent(db)] == ["2026-W50", "2026-W51"]


def test_after_three_weeks_down_only_the_latest_prompt_goes_out(db: Database, caplog) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    # the bot is down from Sunday 6 Dec until Monday 28 Dec 11:00 (two hours after that week's)
    session.clock.set(datetime(2026, 12, 28, 11, 0, tzinfo=AMSTERDAM))
    with caplog.at_level(logging.WARNING, logger="goedwerk.weekly"):
        out = session.run("/tick 1m")
    assert len(posted(out)) == 1
    assert [(r.dedupe_key[-8:], r.status, r.last_error) for r in rows(db)] == [
        ("2026-W50", actions.SKIPPED, "too late"), ("2026-W53", actions.SENT, None),
        ("2027-W01", actions.PENDING, None)]
    [line] = [record.getMessage() for record in caplog.records if record.name == "goedwerk.weekly"]
    assert "2026-W50 skipped" in line
    assert "also missed: 2026-W51, 2026-W52" in line
    latest = sent(db)[0]
    assert latest.due_at == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
    assert latest.updated_at == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)


def test_after_downtime_past_the_grace_nothing_goes_out_until_next_week(db: Database, caplog) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    session.clock.set(datetime(2026, 12, 28, 22, 0, tzinfo=AMSTERDAM))  # 13 h after the latest
    with caplog.at_level(logging.WARNING, logger="goedwerk.weekly"):
        out = session.run("/tick 1m")
    assert posted(out) == []
    assert [(r.dedupe_key[-8:], r.status) for r in rows(db)] == [("2026-W50", actions.SKIPPED),
                                                                ("2027-W01", actions.PENDING)]
    assert any("also missed: 2026-W51, 2026-W52, 2026-W53" in record.getMessage() for record in caplog.records)
    out = session.run("/tick 7d")
    assert len(posted(out)) == 1
    assert local(sent(db)[0].due_at) == "Mon 2027-01-04 09:00"


def test_disabling_stops_further_prompts_and_enabling_resumes(db: Database) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    assert len(posted(session.run("/tick 7d"))) == 1
    session.run("/as carl\n/goedwerk wekelijks uit")
    assert posted(session.run("/tick 7d\n/tick 7d\n/tick 7d")) == []
    assert len(sent(db)) == 1
    session.run("/goedwerk wekelijks aan")
    assert len(posted(session.run("/tick 7d"))) == 1
    assert [local(row.due_at) for row in sent(db)] == ["Mon 2026-12-07 09:00", "Mon 2027-01-04 09:00"]


def test_a_prompt_queued_before_the_rule_changed_is_skipped(db: Database) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    [row] = rows(db)
    # the rule changes behind the queued row's back (as another process might): it no longer fits
    with db.transaction() as s:
        s.execute(update(WeeklyRule).values(local_time="10:00"))
    out = session.run("/tick 7d")
    assert posted(out) == []
    [row] = rows(db)
    assert (row.status, row.last_error) == (actions.SKIPPED, "weekly rule changed")


def test_an_unreachable_channel_pauses_the_weekly_prompt(db: Database) -> None:
    session = console(db)
    session.run("/goedwerk weekly on")
    [row] = rows(db)
    with db.transaction() as s:
        session.engine.channel_unreachable(s, row.id, "not_in_channel")
    assert rule(db).paused_reason == "not_in_channel"
    assert rows(db)[0].status == actions.SKIPPED
    out = session.run("/goedwerk weekly\n/tick 14d")
    assert "The weekly situation is paused because" in out
    assert "(not_in_channel)" in out
    assert INTRO not in out
    out = session.run("/goedwerk weekly on")
    assert rule(db).paused_reason is None
    assert "Every Monday at 09:00" in out
    assert len(posted(session.run("/tick 7d"))) == 1


def test_no_weekly_situation_while_a_round_is_running(db: Database) -> None:
    session = console(db)  # Monday 10:00; the round closes on Wednesday 9 December, after the next prompt
    session.run("/goedwerk weekly on\n/goedwerk start 4")
    out = session.run("/tick 7d")
    assert posted(out) == []
    skipped = [row for row in rows(db) if row.status == actions.SKIPPED]
    assert [(local(row.due_at), row.last_error) for row in skipped] == [("Mon 2026-12-07 09:00", "a round is running")]
    assert rule(db).next_run_at == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)  # the chain goes on
    out = session.run("/tick 7d")  # the round has closed; the next week's situation comes
    assert len(posted(out)) == 1
