"""When a channel's weekly prompt falls: pure cron and time-zone arithmetic.

A weekly rule is a weekday (0 = Monday), a local time (``"09:00"``) and an IANA zone.
APScheduler's :class:`~apscheduler.triggers.cron.CronTrigger` does the calendar work
(see shared design/scheduling.md: APScheduler is the source of cron/time-zone
arithmetic, never the store of timers); nothing here touches the database or the clock.

All moments going in must be aware; all moments coming out are aware and in UTC.

Daylight saving time: a local time that does not exist on the day the clocks go forward
fires at the first instant after the gap (CronTrigger's choice); a local time that
occurs twice when the clocks go back fires at its first occurrence only, because a
rule fires at most once per *local* ISO week (:func:`following`, and the dedupe key
:func:`dedupe_key` of the scheduled action).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

WEEKLY_PROMPT = "weekly_prompt"
"""The kind of scheduled action that posts a channel's weekly situation."""
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GRACE = timedelta(hours=12)
"""How late a weekly prompt may still go out (after downtime); later ones are skipped."""
_ONE_MICROSECOND = timedelta(microseconds=1)
_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_local_time(local_time: str) -> tuple[int, int]:
    """``"09:00"`` -> ``(9, 0)``; ValueError for anything that is not ``HH:MM``."""
    match = _LOCAL_TIME.match(local_time)
    if not match:
        raise ValueError(f"not a local time HH:MM: {local_time!r}")
    return int(match.group(1)), int(match.group(2))


@lru_cache(maxsize=256)
def trigger(weekday: int, local_time: str, zone: str) -> CronTrigger:
    """The CronTrigger of a weekly rule (cached: triggers are immutable in use)."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    hour, minute = parse_local_time(local_time)
    return CronTrigger(day_of_week=WEEKDAY_NAMES[weekday], hour=hour, minute=minute, second=0,
                       timezone=ZoneInfo(zone))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("moments must be aware")
    return moment.astimezone(UTC)


def next_occurrence(weekday: int, local_time: str, zone: str, after: datetime) -> datetime:
    """The first moment strictly after ``after`` at which the rule fires (UTC)."""
    return _next_fire(weekday, local_time, zone, _utc(after))


@lru_cache(maxsize=4096)
def _next_fire(weekday: int, local_time: str, zone: str, after: datetime) -> datetime:
    """:func:`next_occurrence` with ``after`` in UTC, remembered: the channels of a weekly
    fan-out share a handful of rules and moments, and CronTrigger's search is the costly part."""
    return _utc(trigger(weekday, local_time, zone).get_next_fire_time(None, after + _ONE_MICROSECOND))


def is_occurrence(weekday: int, local_time: str, zone: str, moment: datetime) -> bool:
    """True when the rule fires exactly at ``moment`` (compared as UTC instants)."""
    return next_occurrence(weekday, local_time, zone, _utc(moment) - _ONE_MICROSECOND) == _utc(moment)


def week_of(moment: datetime, zone: str) -> str:
    """The local ISO week of ``moment`` in ``zone``: ``"2026-W09"``."""
    year, week, _ = moment.astimezone(ZoneInfo(zone)).isocalendar()
    return f"{year}-W{week:02d}"


def dedupe_key(channel_id: int, occurrence: datetime, zone: str) -> str:
    """The scheduled action's dedupe key: one weekly prompt per channel per local ISO week."""
    return f"weekly:{channel_id}:{week_of(occurrence, zone)}"


def following(weekday: int, local_time: str, zone: str, occurrence: datetime) -> datetime:
    """The first occurrence after ``occurrence`` that falls in a later local ISO week.

    Normally one week later; it differs only when a local time occurs twice (the night
    the clocks go back), where the second firing of the same week is passed over.
    """
    week = week_of(occurrence, zone)
    candidate = next_occurrence(weekday, local_time, zone, occurrence)
    while week_of(candidate, zone) == week:
        candidate = next_occurrence(weekday, local_time, zone, candidate)
    return candidate


def is_late(occurrence: datetime, now: datetime, grace: timedelta = GRACE) -> bool:
    """True when ``now`` is more than ``grace`` past ``occurrence``: too late to send."""
    return _utc(now) - _utc(occurrence) > grace


def resume_after(weekday: int, local_time: str, zone: str, occurrence: datetime, now: datetime,
                 grace: timedelta = GRACE) -> datetime:
    """The occurrence to schedule once ``occurrence`` has been handled (sent or skipped) at ``now``.

    It lies in a later local week than ``occurrence`` and is either still within ``grace``
    of ``now`` (the latest occurrence missed during a downtime, due at once) or in the
    future. Occurrences older than that are passed over: after downtime only the latest
    missed one may still go out.
    """
    start = max(_utc(occurrence), _utc(now) - grace)
    candidate = following(weekday, local_time, zone, occurrence)
    if candidate <= start:
        candidate = next_occurrence(weekday, local_time, zone, start)
    return candidate


def missed_between(weekday: int, local_time: str, zone: str, start: datetime, end: datetime,
                   limit: int = 520) -> list[datetime]:
    """The occurrences strictly between ``start`` and ``end`` (at most ``limit``), one per local week."""
    missed: list[datetime] = []
    candidate = following(weekday, local_time, zone, start)
    while candidate < _utc(end) and len(missed) < limit:
        missed.append(candidate)
        candidate = following(weekday, local_time, zone, candidate)
    return missed
