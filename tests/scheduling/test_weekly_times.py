"""The weekly prompt's calendar arithmetic (flows/scheduling/weekly.py): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.scheduling import weekly as w

AMS = "Europe/Amsterdam"
UTC = UTC


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(*parts: int, zone: str = AMS) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def chain(weekday: int, at: str, zone: str, start: datetime, count: int) -> list[datetime]:
    """``count`` occurrences one after the other, the way the prompts queue each other."""
    moments = [w.next_occurrence(weekday, at, zone, start)]
    while len(moments) < count:
        moments.append(w.following(weekday, at, zone, moments[-1]))
    return moments


def test_monday_nine_in_winter_and_strictly_after() -> None:
    sunday = local(2026, 11, 29, 12, 0)
    first = w.next_occurrence(0, "09:00", AMS, sunday)
    assert first == utc(2026, 11, 30, 8, 0) and first.tzinfo == UTC
    # at the occurrence itself the next one is a week on; a second before, it is this one
    assert w.next_occurrence(0, "09:00", AMS, first) == utc(2026, 12, 7, 8, 0)
    assert w.next_occurrence(0, "09:00", AMS, first - timedelta(seconds=1)) == first


@pytest.mark.parametrize(("start", "expected"), [
    # clocks go forward on Sunday 2026-03-29: 09:00 CET is 08:00Z, 09:00 CEST is 07:00Z
    (local(2026, 3, 16, 10, 0), [utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0), utc(2026, 4, 6, 7, 0)]),
    # clocks go back on Sunday 2026-10-25
    (local(2026, 10, 12, 10, 0), [utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0), utc(2026, 11, 2, 8, 0)]),
], ids=["spring", "autumn"])
def test_dst_weeks_keep_nine_local(start: datetime, expected: list[datetime]) -> None:
    moments = chain(0, "09:00", AMS, start, 3)
    assert moments == expected
    assert all(m.astimezone(ZoneInfo(AMS)).strftime("%a %H:%M") == "Mon 09:00" for m in moments)


def test_a_time_that_occurs_twice_fires_once_that_week() -> None:
    # 02:30 on 2026-10-25 happens at 00:30Z (CEST) and again at 01:30Z (CET)
    moments = chain(6, "02:30", AMS, local(2026, 10, 12, 0, 0), 3)
    assert moments == [utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]
    assert len({w.week_of(m, AMS) for m in moments}) == 3


def test_a_time_that_does_not_exist_fires_once_just_after_the_gap() -> None:
    # 02:30 on 2026-03-29 does not exist (02:00 CET -> 03:00 CEST): it fires at 01:30Z = 03:30 CEST
    moments = chain(6, "02:30", AMS, local(2026, 3, 16, 0, 0), 3)
    assert moments == [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)]


def test_other_zones_follow_their_own_dst_dates() -> None:
    # New York moves its clocks on 2026-03-08
    moments = chain(0, "09:00", "America/New_York", utc(2026, 3, 1), 2)
    assert moments == [utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0)]


def test_week_and_dedupe_key_use_the_local_calendar() -> None:
    # Monday 00:30 in Amsterdam is still Sunday in UTC: the key takes the local (Monday's) week
    moment = w.next_occurrence(0, "00:30", AMS, local(2026, 4, 1, 12, 0))
    assert moment == utc(2026, 4, 5, 22, 30)
    assert moment.isocalendar()[1] == 14 and w.week_of(moment, AMS) == "2026-W15"
    assert w.dedupe_key(7, moment, AMS) == "weekly:7:2026-W15"
    assert w.week_of(utc(2027, 1, 1, 12), AMS) == "2026-W53"


def test_is_occurrence() -> None:
    assert w.is_occurrence(0, "09:00", AMS, utc(2026, 3, 30, 7, 0))
    assert w.is_occurrence(0, "09:00", AMS, local(2026, 3, 30, 9, 0))
    assert not w.is_occurrence(0, "09:00", AMS, utc(2026, 3, 30, 8, 0))
    assert not w.is_occurrence(1, "09:00", AMS, utc(2026, 3, 30, 7, 0))
    assert not w.is_occurrence(0, "09:30", AMS, utc(2026, 3, 30, 7, 0))


def test_lateness_and_the_grace_window() -> None:
    occurrence = utc(2026, 12, 7, 8, 0)
    assert not w.is_late(occurrence, occurrence + w.GRACE)
    assert w.is_late(occurrence, occurrence + w.GRACE + timedelta(seconds=1))
    assert w.GRACE == timedelta(hours=12)


def test_resume_on_time_is_next_week() -> None:
    occurrence = utc(2026, 12, 7, 8, 0)
    assert w.resume_after(0, "09:00", AMS, occurrence, occurrence + timedelta(minutes=1)) == utc(2026, 12, 14, 8, 0)


def test_resume_after_downtime_takes_the_latest_missed_within_grace() -> None:
    occurrence = utc(2026, 12, 7, 8, 0)
    back = utc(2026, 12, 28, 10, 0)  # three weeks and two hours later
    latest = w.resume_after(0, "09:00", AMS, occurrence, back)
    assert latest == utc(2026, 12, 28, 8, 0)
    assert w.missed_between(0, "09:00", AMS, occurrence, latest) == [utc(2026, 12, 14, 8, 0), utc(2026, 12, 21, 8, 0)]


def test_resume_after_downtime_beyond_grace_waits_for_the_next() -> None:
    occurrence = utc(2026, 12, 7, 8, 0)
    back = utc(2026, 12, 28, 21, 0)  # the latest missed one is 13 hours old
    upcoming = w.resume_after(0, "09:00", AMS, occurrence, back)
    assert upcoming == utc(2027, 1, 4, 8, 0)
    assert len(w.missed_between(0, "09:00", AMS, occurrence, upcoming)) == 3


@pytest.mark.parametrize("bad", ["9:00", "24:00", "09:60", "0900", ""])
def test_bad_local_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        w.next_occurrence(0, bad, AMS, utc(2026, 1, 1))


def test_bad_weekday_and_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError):
        w.next_occurrence(7, "09:00", AMS, utc(2026, 1, 1))
    with pytest.raises(ValueError):
        w.next_occurrence(0, "09:00", AMS, datetime(2026, 1, 1))
