"""Reporting's own setting: the report's cutoff day (FOLLOWUP_REPORT_CUTOFF_DAY).

The kit's `main()` builds the kit's `Settings`, which has no room for a
service's own variables, so the cutoff is read from the environment by this
subclass; a test (or any caller of `create_app`) may pass a
`ReportingSettings` to override it.
"""

from functools import cache

from pydantic import Field

from services.kit.settings import Settings
from services.reporting.domain.periods import (
    DEFAULT_CUTOFF_DAY,
    MAX_CUTOFF_DAY,
    MIN_CUTOFF_DAY,
)


class ReportingSettings(Settings):
    """The kit's settings plus the day a month's report closes on."""

    report_cutoff_day: int = Field(
        default=DEFAULT_CUTOFF_DAY,
        ge=MIN_CUTOFF_DAY,
        le=MAX_CUTOFF_DAY,
        description="last day of a period; clamped in shorter months",
    )


@cache
def _from_environment() -> int:
    return ReportingSettings().report_cutoff_day


def cutoff_day(settings: Settings) -> int:
    """The cutoff day of these settings, or of the environment for plain ones."""
    if isinstance(settings, ReportingSettings):
        return settings.report_cutoff_day
    return _from_environment()
