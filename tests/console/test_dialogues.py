"""Dialogue tests: console scripts in, transcripts out, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from flows.clock import ManualClock
from flows.store.db import Database
from flows.store.models import Contribution, Round
from tests.harness import MONDAY, QUICK_PLAN, Console


def console(db: Database, plan: str | None = None) -> Console:
    return Console(db, ManualClock(MONDAY), **({"plan": plan} if plan else {}))


def test_full_round_over_the_default_week(db: Database) -> None:
    session = console(db)
    out = session.run("""
/members anna bob carl
/as anna
/goedwerk taal en
/goedwerk start 4
/goedwerk bijdrage kop Last spring the province asked us for data we could not share yet. I called first.
/as bob
/goedwerk bijdrage kop anoniem I recognise the waiting; nobody dared to decide.
/as carl
/goedwerk pas kop
""")
    assert "Round 1 — 4." in out
    assert "prompt:1:kop" in out
    assert "#1 anna:" in out
    assert "#2 anonymous:" in out
    assert "counts as taking part" in out
    # Monday 10:00 -> the body opens Tuesday 09:00 (channel time), not 24h later
    out = session.run("/tick 23h")
    assert "== Actions ==" in out
    assert "== Knowledge ==" in out
    assert "Tue 1 Dec 09:00" in out
    out = session.run("""
/as anna
/goedwerk bijdrage handelingen Call the other party before you write anything down.
/as bob
/goedwerk bijdrage kennis You need to know their mandate.
/tick 1d
/goedwerk bijdrage waarden [Moed, Geduld] Courage to say what we see, patience to wait.
/as carl
/goedwerk bijdrage vrijheid anoniem We have more room than we think.
/tick 1d
/goedwerk bijdrage identiteit I want to be the one who connects.
/tick 1d
/as anna
/goedwerk bijdrage staart Talk first, write later; be open about what we cannot share.
""")
    assert "== Values and virtues ==" in out
    assert "== Freedom ==" in out
    assert "== Identity ==" in out
    assert "== Tail: our image of good work ==" in out
    # the tail lasts three working days: Friday 09:00 -> Wednesday 09:00
    out = session.run("/tick 2d")
    assert "Image of good work:" not in out
    out = session.run("/tick 3d")
    assert "↻ kickoff:1: closed" in out
    assert "== Image of good work:" in out
    assert "Courage (2)" not in out
    assert "Courage (1)" in out
    assert "Participants: 3 · contributions: 8 · passed: 1" in out
    summary = out[out.index("== Image of good work:"):]
    assert "anna" in summary
    assert "carl" in summary  # named contributors are quoted by name
    assert "We have more room than we think." in summary
    # after the close nothing more is accepted
    out = session.run("/goedwerk bijdrage staart Too late")
    assert "no active round" in out


def test_late_contributions_edits_and_deletes(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 2\n/tick 2m")
    out = session.run("/goedwerk bijdrage kop A late story from the head.")
    assert "#1 anna:" in out  # the head still takes answers while the body runs
    out = session.run("/goedwerk bewerk 1 A better late story.")
    assert "↻ contribution:1" in out
    assert "(edited)" in out
    assert "A better late story." in out
    out = session.run("/as bob\n/goedwerk bewerk 1 Not mine to change")
    assert "Only the author" in out
    out = session.run("/goedwerk verwijder 1")
    assert "Only the author" in out
    out = session.run("/as anna\n/goedwerk verwijder 1")
    assert "✗ contribution:1 removed" in out
    out = session.run("/goedwerk bewerk 1 again")
    assert "There is no contribution 1" in out
    with db.transaction() as s:
        row = s.get(Contribution, 1)
        assert row.deleted_at is not None
        assert row.text == ""


def test_button_form_and_anonymity(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run("/as dana\n/goedwerk taal en\n/goedwerk start 5")
    contribute = re.search(r"\[(\d+)\] Contribute", out).group(1)
    out = session.run(f"/as eve\n{contribute}\nanonymous: My own story, told without my name.")
    assert "[form for eve]" in out
    reply = out[out.index("↳ prompt:1:kop"):]
    assert "anonymous:" in reply.splitlines()[1]
    assert "eve" not in reply.split("[#team · only for eve]")[0]


def test_facilitator_only_commands_and_handover(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 1")
    out = session.run("/as bob\n/goedwerk volgende\n/goedwerk sluit\n/goedwerk stop")
    assert out.count("Only the facilitator of this round") == 3
    out = session.run("/as anna\n/goedwerk begeleider @bob")
    assert "bob is now the facilitator" in out
    assert "<@" not in out and "⟪" not in out, "the console shows names, not mention markup"
    out = session.run("/as bob\n/goedwerk volgende")
    assert "The next step has started." in out
    assert "== Actions ==" in out
    out = session.run("/goedwerk sluit")
    assert "The round is closed" in out or "Nobody wrote anything" in out
    # the steps scheduled for later do not fire after a manual close
    out = session.run("/tick 10m")
    assert "== Values and virtues ==" not in out


def test_start_while_active_shows_the_round_and_bad_plans_are_refused(db: Database) -> None:
    session = console(db)
    out = session.run("/goedwerk taal en\n/goedwerk start 3 plan=kop=1x")
    assert "cannot be used" in out
    assert "kop=1d,handelingen+kennis=1d" in out
    session.run("/goedwerk start 3")
    out = session.run("/goedwerk start 4")
    assert "already running" in out
    assert "Round 1 — 3." in out
    out = session.run("/goedwerk bijdrage identiteit Too early")
    assert "has not started yet" in out
    out = session.run("/goedwerk frobnicate")
    assert "Unknown command 'frobnicate'" in out
    assert "'/goedwerk help'" in out
    assert "Commands (after /goedwerk)" not in out  # one line and a hint, not the whole help
    out = session.run("/goedwerk bijdrage kop " + "x" * 3001)
    assert "3001 characters; the limit is 3000" in out
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Contribution)) == 0


def test_random_situations_do_not_repeat_until_all_were_used(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("/goedwerk taal en")
    for _ in range(10):
        session.run("/goedwerk start willekeurig\n/goedwerk stop")
    with db.transaction() as s:
        numbers = list(s.scalars(select(Round.situation_number).order_by(Round.id)))
    assert sorted(numbers) == list(range(1, 11))
    session.run("/goedwerk start random")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Round)) == 11


def test_restart_in_the_middle_of_a_round_loses_nothing(db: Database) -> None:
    first = console(db, QUICK_PLAN)
    first.run("""
/as anna
/goedwerk taal en
/goedwerk start 6
/goedwerk bijdrage kop Before the restart.
/tick 1m
""")
    # a new process: new engine, new database connection, same database
    second_db = Database(db.url)
    try:
        second = Console(second_db, ManualClock(first.clock.now()), plan=QUICK_PLAN)
        out = second.run("/as anna\n/goedwerk bijdrage kennis After the restart.\n/tick 10m")
        assert "== Image of good work:" in out
        assert "Before the restart." in out
        assert "After the restart." in out
        assert "== Values and virtues ==" in out
        assert "== Identity ==" in out
    finally:
        second_db.dispose()


def test_dutch_is_the_default_language(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run("/goedwerk start 1\n/goedwerk bijdrage kop Mijn verhaal.")
    assert "Ronde 1 — 1." in out
    assert "== Kop: je eigen ervaringen ==" in out or "== Kop" in out
    assert "Bedankt" in out or "Dank" in out


def test_tail_shows_the_draft_so_far_and_the_facilitator_picks_the_experience(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("""
/as anna
/goedwerk taal en
/goedwerk start 7
/goedwerk bijdrage kop A long story about the day the minister's office called us on a Friday night.
/as bob
/goedwerk bijdrage kop Short one.
""")
    out = session.run("/tick 4m")
    assert "↳ prompt:1:staart" in out
    assert "Draft image of good work so far" in out
    out = session.run("/goedwerk ervaring 2")
    assert "Only the facilitator" in out
    out = session.run("/as anna\n/goedwerk ervaring 2\n/tick 5m")
    assert "Story 2 is now the characteristic experience." in out
    final = out[out.index("== Image of good work:"):]
    assert "Characteristic experience (bob):" in final
    assert "Short one." in final
    out = session.run("/goedwerk ervaring 1")
    assert "↻ summary:1" in out
    assert "Characteristic experience (anna):" in out


def test_an_admin_may_facilitate_any_round(db: Database) -> None:
    from flows.events import Actor, Command

    session = console(db, QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 8")
    admin = Actor("console", "local", "team", "root", user_name="root", is_admin=True)
    effects = session.engine.handle(Command(admin, "volgende"))
    session.adapter.deliver(effects)
    assert "The next step has started." in session.transcript


def test_passing_a_whole_step_passes_each_of_its_perspectives(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    session.run("/as anna\n/goedwerk taal en\n/goedwerk start 2\n/tick 1m")
    out = session.run("/goedwerk pas handelingen+kennis")
    assert out.count("nothing to add on") == 2
    assert out.count("↻ kickoff:1") == 1
    with db.transaction() as s:
        topics = sorted(s.scalars(select(Contribution.topic).where(Contribution.passed.is_(True))))
    assert topics == ["handelingen", "kennis"]
