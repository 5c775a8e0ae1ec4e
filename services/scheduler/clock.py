"""The injectable clock of the daily tick and of the API's default `as_of`.

Dates are calendar dates in the company's time zone (domain.md). A fixed
clock (`FOLLOWUP_CLOCK_DATE`) lets a demo or a test run "on" any day without
waiting for it.
"""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from services.kit.settings import Settings, local_today


class Clock(Protocol):
    """Tells the business date of today."""

    def today(self) -> date: ...


@dataclass(frozen=True)
class ZoneClock:
    """Today's date in a time zone, from the system clock."""

    timezone: str

    def today(self) -> date:
        return local_today(self.timezone)


@dataclass(frozen=True)
class FixedClock:
    """Always the same day."""

    day: date

    def today(self) -> date:
        return self.day


def clock_for(settings: Settings) -> Clock:
    """The fixed clock if `clock_date` is set, else the company time zone's."""
    if settings.clock_date is not None:
        return FixedClock(settings.clock_date)
    return ZoneClock(settings.timezone)
