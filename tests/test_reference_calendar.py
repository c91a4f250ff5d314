"""The reference implementation's working days (from ``holidays``) against the engine's (from
``chinesecalendar``): two sources that must agree on every day the measures need (第二十五条)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from yzmedins import calendar as engine_calendar
from yzmedins.reference import workdays


def test_art25_both_calendars_agree_on_every_day_of_the_window() -> None:
    """第二十五条: the deadline counts PRC working days, 调休 included; the two calendars agree
    from 2017-12-01 (the first admission the window can need) to 2022-12-31."""
    day, last = date(2017, 12, 1), date(2022, 12, 31)
    differ = []
    while day <= last:
        if workdays.is_working_day(day) != engine_calendar.is_working_day(day):
            differ.append(day)
        day += timedelta(days=1)
    assert differ == []


def test_art25_worked_example_spring_festival_2018() -> None:
    """第二十五条, worked example 5: admitted Wednesday 2018-02-14, the Spring Festival off
    2018-02-15..21 and Saturday 2018-02-24 a working day: the third working day is 2018-02-24."""
    assert workdays.deadline(date(2018, 2, 14), 3) == date(2018, 2, 24)
    assert workdays.is_working_day(date(2018, 2, 24))
    assert not workdays.is_working_day(date(2018, 2, 19))


def test_a_day_outside_the_coverage_is_refused_not_guessed() -> None:
    first, last = workdays.coverage()
    assert first <= date(2017, 12, 1) and last >= date(2022, 12, 31)
    with pytest.raises(workdays.CoverageError):
        workdays.is_working_day(last + timedelta(days=1))
    with pytest.raises(workdays.CoverageError):
        workdays.is_working_day(first - timedelta(days=1))
