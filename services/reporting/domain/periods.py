"""Report periods: the month's records run from the day after the previous
month's cutoff to this month's cutoff (domain.md, "The monthly report").

With the default cutoff, the 25th, the period "2026-11" runs from 2026-10-26
to 2026-11-25 inclusive; a record of 2026-11-26 belongs to "2026-12", and one
of 2026-12-26 to the next year's "2027-01".

A cutoff that a month does not have (29, 30 or 31 in February, 31 in a
30-day month) is clamped to that month's last day, the same clamping as
"+N months" in domain.md. Periods therefore stay contiguous and never
overlap: with a cutoff of 30, "2026-02" runs from 2026-01-31 to 2026-02-28 and
"2026-03" from 2026-03-01 to 2026-03-30. A cutoff of 31 makes every period a
calendar month.
"""

import calendar
import re
from collections.abc import Iterable
from datetime import date, timedelta

DEFAULT_CUTOFF_DAY = 25
MIN_CUTOFF_DAY = 1
MAX_CUTOFF_DAY = 31

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
# Years a caller may ask for; the trend of a period still reaches back eleven
# months before the first of them, which is why the arithmetic below does not
# re-check this range.
MIN_YEAR = 1900
MAX_YEAR = 9999


class PeriodError(ValueError):
    """Not a period `YYYY-MM`; the message states the rule."""


def _check_cutoff(cutoff_day: int) -> None:
    if not MIN_CUTOFF_DAY <= cutoff_day <= MAX_CUTOFF_DAY:
        msg = f"cutoff day must be {MIN_CUTOFF_DAY}..{MAX_CUTOFF_DAY}, not {cutoff_day}"
        raise ValueError(msg)


def cutoff_date(year: int, month: int, cutoff_day: int) -> date:
    """The last day of a period: the cutoff, clamped to the month's last day."""
    _check_cutoff(cutoff_day)
    return date(year, month, min(cutoff_day, calendar.monthrange(year, month)[1]))


def format_period(year: int, month: int) -> str:
    """`YYYY-MM`."""
    return f"{year:04d}-{month:02d}"


def _split(period: str) -> tuple[int, int]:
    match = _PERIOD.match(period)
    if match is None:
        raise PeriodError("must be YYYY-MM, e.g. 2026-11")
    if not 1 <= int(match[2]) <= 12:
        raise PeriodError(f"month must be 01..12, not {match[2]}")
    return int(match[1]), int(match[2])


def parse_period(period: str) -> tuple[int, int]:
    """(year, month) of a period asked for; raise `PeriodError` stating the rule."""
    year, month = _split(period)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"year must be {MIN_YEAR}..{MAX_YEAR}, not {year:04d}")
    return year, month


def shift_period(period: str, months: int) -> str:
    """The period `months` later (earlier when negative)."""
    year, month = _split(period)
    index = year * 12 + (month - 1) + months
    return format_period(index // 12, index % 12 + 1)


def period_of(visited_on: date, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> str:
    """The period a record of this date belongs to."""
    if visited_on <= cutoff_date(visited_on.year, visited_on.month, cutoff_day):
        return format_period(visited_on.year, visited_on.month)
    if visited_on.month == 12:
        return format_period(visited_on.year + 1, 1)
    return format_period(visited_on.year, visited_on.month + 1)


def period_bounds(
    period: str, cutoff_day: int = DEFAULT_CUTOFF_DAY
) -> tuple[date, date]:
    """(first day, last day) of a period, both inclusive."""
    year, month = _split(period)
    previous_year, previous_month = _split(shift_period(period, -1))
    start = cutoff_date(previous_year, previous_month, cutoff_day) + timedelta(days=1)
    return start, cutoff_date(year, month, cutoff_day)


def periods_of(days: Iterable[date], cutoff_day: int = DEFAULT_CUTOFF_DAY) -> list[str]:
    """The distinct periods these days fall in, oldest first."""
    return sorted({period_of(day, cutoff_day) for day in days})


def last_periods(period: str, count: int) -> list[str]:
    """The `count` periods ending with `period`, oldest first."""
    return [shift_period(period, -back) for back in range(count - 1, -1, -1)]
