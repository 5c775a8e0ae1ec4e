"""The scheduler's own settings: its tick, its clock and policy overrides.

    FOLLOWUP_TICK_INTERVAL_S=60          how often the leader runs the daily tick
    FOLLOWUP_CLOCK_DATE=2026-11-27       fix "today" (demos, tests); default: the
                                         date in FOLLOWUP_TIMEZONE
    FOLLOWUP_ON_SITE_THRESHOLD=3000000   累计合同额 that turns visits on site
    FOLLOWUP_MAX_FAILED_ATTEMPTS=3       failed attempts before escalation
    FOLLOWUP_ON_SITE_FOLLOWUP_DAYS=7     an on-site follow-up of a problem the
                                         phone could not solve is due this
                                         many days after the record
    FOLLOWUP_POLICY_VERSION=2026.2       stamped on every plan (default: the
                                         built-in version, suffixed when
                                         an override changes a rule)

`main()` reads the environment through this class (the service's
`settings_class`), so a bad value fails at start; a test passes a
`SchedulerSettings` to `create_app` and to `build_service`. Code handed
plain kit `Settings` falls back to the environment's.
"""

from dataclasses import replace
from decimal import Decimal
from functools import cache

from pydantic import Field

from services.kit.settings import Settings
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy


class SchedulerSettings(Settings):
    """The kit's settings plus the scheduler's tick and policy (the clock,
    `clock_date`, is the kit's)."""

    tick_interval_s: float = Field(default=60, gt=0)
    on_site_threshold: Decimal | None = Field(default=None, ge=0)
    max_failed_attempts: int | None = Field(default=None, ge=1)
    on_site_followup_days: int | None = Field(default=None, ge=0, le=365)
    policy_version: str | None = Field(default=None, min_length=1)

    def policy(self) -> Policy:
        """The default policy with these overrides applied."""
        overrides: dict[str, object] = {}
        if self.on_site_threshold is not None:
            overrides["on_site_threshold"] = self.on_site_threshold
        if self.max_failed_attempts is not None:
            overrides["max_failed_attempts"] = self.max_failed_attempts
        if self.on_site_followup_days is not None:
            overrides["on_site_followup_days"] = self.on_site_followup_days
        changed = replace(DEFAULT_POLICY, **overrides)  # type: ignore[arg-type]
        if self.policy_version is not None:
            return replace(changed, version=self.policy_version)
        if changed != DEFAULT_POLICY:
            # A plan made under other numbers must not claim the default's
            # version: readers of `policy_version` compare plans by it.
            suffix = ",".join(f"{k}={v}" for k, v in sorted(overrides.items()))
            return replace(changed, version=f"{DEFAULT_POLICY.version}+{suffix}")
        return changed


@cache
def _from_environment() -> SchedulerSettings:
    return SchedulerSettings()


def scheduler_settings(settings: Settings) -> SchedulerSettings:
    """These settings if they are the scheduler's, else the environment's."""
    if isinstance(settings, SchedulerSettings):
        return settings
    return _from_environment()
