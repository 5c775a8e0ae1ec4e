from calendar import monthrange
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scheduler.domain.calendar import (
    add_months,
    monday_after_week_of,
    sunday_of_week,
)

from .builders import D


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),  # domain.md's own example
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2028-02-29", 12, "2029-02-28"),  # leap day, then a common year
        ("2027-02-28", 12, "2028-02-28"),  # not moved to the 29th
        ("2026-08-31", 18, "2028-02-29"),  # ship + 18 months into a leap Feb
        ("2026-05-31", 1, "2026-06-30"),
        ("2026-12-15", 1, "2027-01-15"),  # year rollover
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-01-15", 0, "2026-01-15"),
        ("2026-03-05", 24, "2028-03-05"),
    ],
)
def test_add_months_clamps_to_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


@given(st.dates(), st.integers(min_value=-120, max_value=120))
def test_add_months_lands_in_the_right_month_on_the_clamped_day(
    d: date, n: int
) -> None:
    expected_index = d.year * 12 + d.month - 1 + n
    if not 1 <= expected_index // 12 <= 9999:
        return
    result = add_months(d, n)
    assert result.year * 12 + result.month - 1 == expected_index
    assert result.day == min(d.day, monthrange(result.year, result.month)[1])


@pytest.mark.parametrize(
    "delivered",
    ["2026-11-23", "2026-11-25", "2026-11-28", "2026-11-29"],  # Mon, Wed, Sat, Sun
)
def test_monday_after_week_of_is_the_next_weeks_monday(delivered: str) -> None:
    assert monday_after_week_of(D(delivered)) == D("2026-11-30")


def test_monday_after_week_of_crosses_the_year() -> None:
    assert monday_after_week_of(D("2026-12-31")) == D("2027-01-04")


@pytest.mark.parametrize("day", ["2026-11-30", "2026-12-03", "2026-12-06"])
def test_sunday_of_week_closes_the_monday_to_sunday_week(day: str) -> None:
    assert sunday_of_week(D(day)) == D("2026-12-06")


@given(st.dates(max_value=date(9999, 12, 1)))
def test_week_helpers_agree_on_monday_to_sunday_weeks(d: date) -> None:
    monday = monday_after_week_of(d)
    assert monday.weekday() == 0
    assert 1 <= (monday - d).days <= 7
    assert sunday_of_week(d) == monday - timedelta(days=1)
