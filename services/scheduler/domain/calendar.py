"""Calendar arithmetic in domain.md's words: "+N months" and retail weeks.

Dates are plain calendar dates (already in the company's time zone); nothing
here knows about clocks or time zones.
"""

from calendar import monthrange
from datetime import date, timedelta


def add_months(d: date, n: int) -> date:
    """The same day `n` months later (earlier if negative), clamped to month end.

    2026-01-31 + 1 month is 2026-02-28; 2028-01-31 + 1 month is 2028-02-29.
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    last_day = monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


def monday_after_week_of(d: date) -> date:
    """The Monday that follows the Monday–Sunday week containing `d`."""
    return d + timedelta(days=7 - d.weekday())


def sunday_of_week(d: date) -> date:
    """The Sunday that closes the Monday–Sunday week containing `d`."""
    return d + timedelta(days=6 - d.weekday())
