"""Reminders over a whole week in the console: right moments, right people, quiet hours, opt-out."""

from __future__ import annotations

import re

from flows.store.db import Database
from tests.console.test_dialogues import console


def dms(out: str) -> list[str]:
    return re.findall(r"\[DM → (\w+)\]", out)


def test_reminders_reach_only_the_silent_in_working_hours(db: Database) -> None:
    session = console(db)
    session.run("""
/members anna bob carl
/as anna
/goedwerk taal en
/goedwerk start 4
/goedwerk bijdrage kop My own story.
/as carl
/goedwerk herinneringen uit
""")
    # The head runs Monday 10:00 -> Tuesday 09:00; 80 % falls at night, so the reminder waits for 08:00.
    out = session.run("/tick 17h")  # Tuesday 03:00
    assert dms(out) == []
    out = session.run("/tick 5h")  # Tuesday 08:00
    assert dms(out) == ["bob"]  # anna wrote, carl opted out
    assert "Reminder: the step Head: your own experiences" in out
    out = session.run("/tick 1h")  # Tuesday 09:00: the body opens, no second reminder for the head
    assert dms(out) == []
    # the body: nobody writes; on Wednesday 08:00 anna and bob get one reminder each, and the
    # channel gets one nudge naming the empty perspectives, naming no one
    out = session.run("/tick 23h")
    assert sorted(dms(out)) == ["anna", "bob"]
    nudge = next(line for line in out.splitlines() if "Nobody has written about" in line)
    assert "Actions" in nudge
    assert "Knowledge" in nudge
    for person in ("anna", "bob", "carl"):
        assert person not in nudge
    # the reminder's button goes straight into the form for that person
    number = re.search(r"\[(\d+)\] Contribute: Actions", out).group(1)
    out = session.run(f"/as bob\n{number}\nA late but real answer.")
    assert "[form for bob]" in out
    assert "#2 bob:" in out


def test_a_reminder_lapses_when_the_step_ended_first(db: Database) -> None:
    session = console(db)
    session.run("/members anna bob\n/as anna\n/goedwerk taal en\n/goedwerk start 5\n/goedwerk volgende")
    out = session.run("/tick 22h")
    # the head was ended by hand, so its reminder lapses; the body reminder comes later
    assert dms(out) == []


def test_turning_reminders_back_on(db: Database) -> None:
    session = console(db)
    out = session.run("/goedwerk taal en\n/goedwerk herinneringen uit\n/goedwerk herinneringen aan\n/goedwerk "
                      "reminders maybe")
    assert "no more reminders" in out
    assert "private reminder when a step" in out
    assert "Use: reminders on | off" in out
