"""The round plan: parsing and laying out steps in channel time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.engine.plan import PLAN_FORM, PlanError, lay_out, parse_plan

AMS = ZoneInfo("Europe/Amsterdam")


def test_default_plan_parses_into_the_booklet_order() -> None:
    plan = parse_plan(PLAN_FORM)
    assert [step.name for step in plan.steps] == ["kop", "handelingen+kennis", "waarden+vrijheid", "identiteit",
                                                  "staart"]
    assert plan.steps[1].perspectives == ("handelingen", "kennis")
    assert plan.steps[0].kind == "head"
    assert plan.steps[-1].kind == "tail"
    assert plan.text == PLAN_FORM


@pytest.mark.parametrize("text, problem", [
    ("", "empty"),
    ("kop", "not step=duration"),
    ("kop=1x", "not a duration"),
    ("kop=0d", "not a duration"),
    ("moed=1d", "unknown step 'moed'"),
    ("kop=1d,kop=1d", "appears twice"),
    ("handelingen+kennis=1d,kennis=1d", "appears twice"),
])
def test_malformed_plans_name_the_problem_and_show_the_right_form(text: str, problem: str) -> None:
    with pytest.raises(PlanError) as error:
        parse_plan(text)
    assert problem in str(error.value)
    assert PLAN_FORM in str(error.value)


def test_day_steps_start_at_nine_on_working_days() -> None:
    friday_afternoon = datetime(2026, 12, 4, 15, 0, tzinfo=AMS).astimezone(UTC)
    windows = lay_out(parse_plan("kop=1d,staart=3d"), friday_afternoon, AMS)
    assert windows[0][0] == friday_afternoon
    assert windows[0][1].astimezone(AMS) == datetime(2026, 12, 7, 9, 0, tzinfo=AMS)  # Monday
    assert windows[1][1].astimezone(AMS) == datetime(2026, 12, 10, 9, 0, tzinfo=AMS)  # Thursday


def test_day_steps_keep_nine_oclock_across_the_dst_change() -> None:
    before = datetime(2026, 10, 23, 12, 0, tzinfo=AMS).astimezone(UTC)  # Friday, summer time
    end = lay_out(parse_plan("kop=1d"), before, AMS)[0][1]
    assert end.astimezone(AMS) == datetime(2026, 10, 26, 9, 0, tzinfo=AMS)  # Monday, winter time
    assert end.utcoffset() == timedelta(0)
    assert end.hour == 8


def test_short_steps_run_exactly() -> None:
    start = datetime(2026, 12, 5, 23, 59, 30, tzinfo=UTC)  # a Saturday night
    windows = lay_out(parse_plan("kop=30s,handelingen=2m,staart=1h"), start, AMS)
    assert [end - begin for begin, end in windows] == [timedelta(seconds=30), timedelta(minutes=2), timedelta(hours=1)]
