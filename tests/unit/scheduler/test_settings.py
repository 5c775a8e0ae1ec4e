"""The scheduler's settings: policy overrides and the injectable clock."""

from datetime import date
from decimal import Decimal

from services.scheduler.clock import FixedClock, ZoneClock, clock_for
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.settings import SchedulerSettings


def test_without_overrides_the_policy_is_the_default() -> None:
    assert SchedulerSettings().policy() == DEFAULT_POLICY


def test_an_override_changes_the_rule_and_the_version() -> None:
    policy = SchedulerSettings(on_site_threshold=Decimal(2_500_000)).policy()
    assert policy.on_site_threshold == Decimal(2_500_000)
    assert policy.version == "2026.1+on_site_threshold=2500000"
    named = SchedulerSettings(max_failed_attempts=4, policy_version="2026.2").policy()
    assert (named.max_failed_attempts, named.version) == (4, "2026.2")


def test_the_clock_date_fixes_today() -> None:
    fixed = clock_for(SchedulerSettings(clock_date=date(2026, 11, 27)))
    assert fixed == FixedClock(date(2026, 11, 27))
    assert fixed.today() == date(2026, 11, 27)


def test_by_default_today_is_the_company_time_zone_s() -> None:
    clock = clock_for(SchedulerSettings(timezone="Asia/Shanghai"))
    assert clock == ZoneClock("Asia/Shanghai")
    assert isinstance(clock.today(), date)


def test_the_on_site_followup_delay_is_configurable() -> None:
    policy = SchedulerSettings(on_site_followup_days=10).policy()
    assert policy.on_site_followup_days == 10
    assert policy.version == "2026.1+on_site_followup_days=10"
