"""PRC working days for the reference implementation, from the ``holidays`` package.

The engine reads the State Council's arrangements from ``chinesecalendar``; the reference reads
them from ``holidays`` (its ``China`` calendar: every official holiday and every adjusted working
weekend, 调休), kept by other maintainers from other sources, so that a calendar error cannot
hide in both implementations. ``tests/test_reference_calendar.py`` checks that the two agree on
every day of the policy's window.

The data's coverage is the latest run of years for which ``holidays`` lists the State
Council's arrangements of working weekends (2001–2026 with ``holidays`` 0.109); a date outside
it raises :class:`CoverageError`, never a guess. ``holidays`` is imported on first use, so that
a program that never asks for a working day does not load it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

__all__ = ["CoverageError", "coverage", "deadline", "is_working_day"]


class CoverageError(ValueError):
    """A date outside the calendar data's coverage."""


#: The years searched for the State Council's arrangements.
_SEARCHED = range(1990, 2100)


@lru_cache(maxsize=1)
def _calendar() -> tuple[Any, int, int]:
    """The calendar, and the first and last year of its coverage: the latest run of
    consecutive years in which ``holidays`` lists adjusted working weekends (a year the State
    Council has not arranged yet has none)."""
    from holidays.countries.china import China

    calendar = China(years=_SEARCHED)  # type: ignore[no-untyped-call]
    arranged = {day.year for day in calendar.weekend_workdays}
    last = max(arranged)
    first = last
    while first - 1 in arranged:
        first -= 1
    return calendar, first, last


def coverage() -> tuple[date, date]:
    """The first and last day the calendar covers."""
    _, first, last = _calendar()
    return date(first, 1, 1), date(last, 12, 31)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a PRC working day: a weekday that is no holiday, or a weekend day
    arranged as a working day (调休)."""
    calendar, first, last = _calendar()
    if not first <= day.year <= last:
        raise CoverageError(f"date {day.isoformat()} outside the holiday calendar's coverage")
    return bool(calendar.is_working_day(day))


def deadline(admitted: date, working_days: int) -> date:
    """The ``working_days``-th working day after ``admitted`` (the admission day not counted)."""
    day = admitted
    found = 0
    while found < working_days:
        day += timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day
