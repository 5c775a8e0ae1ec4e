"""Report periods: the 26th of one month to the 25th of the next, by default."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.domain.periods import (
    PeriodError,
    last_periods,
    parse_period,
    period_bounds,
    period_of,
    periods_of,
    shift_period,
)


def test_a_period_runs_from_the_26th_to_the_25th() -> None:
    assert period_bounds("2026-11") == (date(2026, 10, 26), date(2026, 11, 25))


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 10, 25), "2026-10"),
        (date(2026, 10, 26), "2026-11"),
        (date(2026, 11, 25), "2026-11"),
        (date(2026, 11, 26), "2026-12"),
        (date(2026, 12, 25), "2026-12"),
        (date(2026, 12, 26), "2027-01"),
        (date(2027, 1, 1), "2027-01"),
    ],
)
def test_a_record_belongs_to_the_period_of_the_next_cutoff(
    day: date, period: str
) -> None:
    assert period_of(day) == period


def test_the_january_period_starts_in_the_previous_year() -> None:
    assert period_bounds("2027-01") == (date(2026, 12, 26), date(2027, 1, 25))


def test_the_cutoff_day_can_be_changed() -> None:
    assert period_bounds("2026-11", 20) == (date(2026, 10, 21), date(2026, 11, 20))
    assert period_of(date(2026, 11, 21), 20) == "2026-12"
    assert period_of(date(2026, 11, 21)) == "2026-11"


def test_a_cutoff_a_month_lacks_is_clamped_to_its_last_day() -> None:
    assert period_bounds("2026-02", 30) == (date(2026, 1, 31), date(2026, 2, 28))
    assert period_bounds("2026-03", 30) == (date(2026, 3, 1), date(2026, 3, 30))
    assert period_bounds("2028-03", 30) == (date(2028, 3, 1), date(2028, 3, 30))
    assert period_bounds("2028-02", 30) == (date(2028, 1, 31), date(2028, 2, 29))
    assert period_of(date(2026, 2, 28), 30) == "2026-02"
    assert period_of(date(2026, 3, 1), 30) == "2026-03"


def test_a_cutoff_of_31_makes_calendar_months() -> None:
    assert period_bounds("2026-04", 31) == (date(2026, 4, 1), date(2026, 4, 30))
    assert period_bounds("2026-01", 31) == (date(2026, 1, 1), date(2026, 1, 31))


@pytest.mark.parametrize("cutoff", [0, 32])
def test_a_cutoff_outside_1_to_31_is_refused(cutoff: int) -> None:
    with pytest.raises(ValueError, match="cutoff day"):
        period_of(date(2026, 1, 1), cutoff)


@given(
    day=st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 1)),
    cutoff=st.integers(min_value=1, max_value=31),
)
def test_every_day_lies_in_the_bounds_of_its_period(day: date, cutoff: int) -> None:
    start, end = period_bounds(period_of(day, cutoff), cutoff)
    assert start <= day <= end


@given(
    period=st.builds(
        lambda y, m: f"{y:04d}-{m:02d}",
        st.integers(min_value=1901, max_value=9998),
        st.integers(min_value=1, max_value=12),
    ),
    cutoff=st.integers(min_value=1, max_value=31),
)
def test_periods_are_contiguous(period: str, cutoff: int) -> None:
    start, end = period_bounds(period, cutoff)
    next_start, _ = period_bounds(shift_period(period, 1), cutoff)
    assert start <= end
    assert next_start == end + timedelta(days=1)


@pytest.mark.parametrize(
    ("period", "rule"),
    [
        ("2026-13", "month must be 01..12"),
        ("2026-00", "month must be 01..12"),
        ("2026-1", "must be YYYY-MM"),
        ("202611", "must be YYYY-MM"),
        ("november", "must be YYYY-MM"),
        ("0999-01", "year must be 1900..9999"),
    ],
)
def test_a_malformed_period_states_the_rule(period: str, rule: str) -> None:
    with pytest.raises(PeriodError, match=rule):
        parse_period(period)


def test_the_last_twelve_periods_cross_the_year() -> None:
    assert last_periods("2026-03", 12) == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip


def test_periods_of_days_are_distinct_and_ordered() -> None:
    days = [date(2026, 12, 26), date(2026, 11, 26), date(2026, 10, 26)]
    assert periods_of(days) == ["2026-11", "2026-12", "2027-01"]
