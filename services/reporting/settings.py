"""Reporting's own settings: the report's cutoff day (FOLLOWUP_REPORT_CUTOFF_DAY)
and how often the freeze job looks (FOLLOWUP_REPORT_FREEZE_INTERVAL_S).

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
    report_freeze_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="how often the leader checks for a period to freeze "
        "(FOLLOWUP_REPORT_FREEZE_INTERVAL_S)",
    )


@cache
def _from_environment() -> ReportingSettings:
    return ReportingSettings()


def reporting_settings(settings: Settings) -> ReportingSettings:
    """These settings if they are reporting's, else the environment's."""
    if isinstance(settings, ReportingSettings):
        return settings
    return _from_environment()


def cutoff_day(settings: Settings) -> int:
    """The cutoff day of these settings, or of the environment for plain ones."""
    return reporting_settings(settings).report_cutoff_day
