"""PRC working days, as arranged by the State Council each year, 调休 included.

The data come from the ``chinesecalendar`` package, which records every official holiday and
every adjusted working weekend since 2004. A date outside the data's coverage is never guessed:
:class:`CalendarCoverageError` is raised, and the edge reports it as an input error.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from yzmedins.errors import InputError

_HOLIDAYS = chinese_calendar.holidays
_WORKDAYS = chinese_calendar.workdays
FIRST_COVERED = date(min(_HOLIDAYS).year, 1, 1)
LAST_COVERED = date(max(_HOLIDAYS).year, 12, 31)


class CalendarCoverageError(InputError):
    """A date the working-day calendar does not cover."""


def check_covered(day: date) -> None:
    """Raise :class:`CalendarCoverageError` unless the calendar's data cover ``day``."""
    if not FIRST_COVERED <= day <= LAST_COVERED:
        raise CalendarCoverageError(
            f"{day.isoformat()} is outside the working-day calendar "
            f"({FIRST_COVERED.isoformat()}..{LAST_COVERED.isoformat()})"
        )


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a PRC working day (weekday not a holiday, or an adjusted workday)."""
    check_covered(day)
    if day in _WORKDAYS:
        return True
    return day.weekday() < 5 and day not in _HOLIDAYS


@lru_cache(maxsize=8192)
def working_day_after(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
    current = day
    found = 0
    while found < count:
        current += timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current
