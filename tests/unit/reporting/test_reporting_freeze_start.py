"""Where the report freeze job of a new deployment starts: the latest day on
or before today that freezes a period (`freezing.last_freeze_date`)."""

from datetime import date

import pytest

from services.reporting.domain.freezing import last_freeze_date, period_closed_by


@pytest.mark.parametrize(
    ("today", "cutoff", "first", "period"),
    [
        (date(2026, 12, 3), 25, date(2026, 11, 26), "2026-11"),
        (date(2026, 11, 26), 25, date(2026, 11, 26), "2026-11"),  # the day itself
        (date(2026, 11, 25), 25, date(2026, 10, 26), "2026-10"),  # cutoff day
        (date(2027, 1, 2), 25, date(2026, 12, 26), "2026-12"),  # across the year
        (date(2026, 3, 2), 30, date(2026, 3, 1), "2026-02"),  # clamped cutoff
        (date(2026, 12, 1), 31, date(2026, 12, 1), "2026-11"),  # calendar months
    ],
)
def test_the_first_run_covers_the_latest_closed_period(
    today: date, cutoff: int, first: date, period: str
) -> None:
    found = last_freeze_date(today, cutoff)
    assert found == first
    assert found <= today
    assert period_closed_by(found, cutoff) == period
