"""The step plan of a round: parsing ``step=duration,...`` and laying it out in time.

A plan names its steps ``kop`` (head), ``staart`` (tail) or perspective keys joined
with ``+`` (``handelingen+kennis``); durations are whole numbers with ``s``, ``m``,
``h`` or ``d``. Day-long steps end at 09:00 channel time on a working day; shorter
units run exactly, which is what demos and tests use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.engine.defaults import DEFAULT_PLAN

HEAD = "kop"
TAIL = "staart"
PERSPECTIVE_KEYS = ("handelingen", "kennis", "identiteit", "waarden", "vrijheid")
PLAN_FORM = DEFAULT_PLAN
"""The plan a plan error shows as an example of the right form."""
WORKDAY_START = time(9, 0)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^([1-9][0-9]{0,4})([smhd])$")


class PlanError(ValueError):
    """A plan text is malformed; the message names the problem and shows the right form."""


@dataclass(frozen=True)
class PlanStep:
    """One step of a plan: its name, the perspectives it covers and how long it lasts."""

    name: str
    amount: int
    unit: str

    @property
    def perspectives(self) -> tuple[str, ...]:
        if self.name in (HEAD, TAIL):
            return ()
        return tuple(self.name.split("+"))

    @property
    def kind(self) -> str:
        """``head``, ``body`` or ``tail``."""
        if self.name == HEAD:
            return "head"
        if self.name == TAIL:
            return "tail"
        return "body"

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=self.amount * _UNITS[self.unit])

    @property
    def text(self) -> str:
        return f"{self.name}={self.amount}{self.unit}"


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlanStep, ...]

    @property
    def text(self) -> str:
        return ",".join(step.text for step in self.steps)

    def index_of(self, name: str) -> int:
        for index, step in enumerate(self.steps):
            if step.name == name:
                return index
        raise KeyError(name)

    def step_for(self, name: str) -> PlanStep | None:
        """The step with this name, or the body step that covers this perspective."""
        for step in self.steps:
            if step.name == name or name in step.perspectives:
                return step
        return None


def _fail(problem: str) -> PlanError:
    return PlanError(f"{problem}; the right form is step=duration joined by commas, e.g. {PLAN_FORM}")


def parse_plan(text: str) -> Plan:
    """Parse a plan text; raise :class:`PlanError` with the right form on any problem."""
    if not text or not text.strip():
        raise _fail("the plan is empty")
    steps: list[PlanStep] = []
    seen: set[str] = set()
    for part in text.split(","):
        part = part.strip()
        name, sep, duration = part.partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise _fail(f"{part!r} is not step=duration")
        match = _DURATION.match(duration.strip().lower())
        if not match:
            raise _fail(f"{duration.strip()!r} is not a duration such as 30s, 10m, 2h or 1d")
        for piece in name.split("+") if name not in (HEAD, TAIL) else [name]:
            if piece not in PERSPECTIVE_KEYS and piece not in (HEAD, TAIL):
                known = ", ".join((HEAD, *PERSPECTIVE_KEYS, TAIL))
                raise _fail(f"unknown step {piece!r} (known: {known})")
            if piece in seen:
                raise _fail(f"{piece!r} appears twice")
            seen.add(piece)
        steps.append(PlanStep(name=name, amount=int(match.group(1)), unit=match.group(2)))
    if len(steps) > 12:
        raise _fail("a plan has at most 12 steps")
    return Plan(tuple(steps))


def next_working_morning(after: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The 09:00 (channel time) of the ``days``-th working day after ``after``'s date."""
    local_date = after.astimezone(zone).date()
    counted = 0
    while counted < days:
        local_date += timedelta(days=1)
        if local_date.weekday() < 5:
            counted += 1
    return datetime.combine(local_date, WORKDAY_START, tzinfo=zone).astimezone(after.tzinfo)


def lay_out(plan: Plan, start: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Start and end of each step when the round begins at ``start`` (aware, UTC)."""
    windows = []
    begin = start
    for step in plan.steps:
        if step.unit == "d":
            end = next_working_morning(begin, step.amount, zone)
        else:
            end = begin + step.duration
        windows.append((begin, end))
        begin = end
    return windows
