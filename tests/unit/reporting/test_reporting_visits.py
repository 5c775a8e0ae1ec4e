"""The visit section: planned, done, done late, overdue, failed attempts."""

from datetime import date, timedelta
from typing import Any

from schemas.types import AttemptFailure
from services.reporting.domain.records import within
from services.reporting.domain.visit_copies import VisitCopy
from services.reporting.domain.visits import count_visits, overdue_day, overdue_window
from tests.unit.reporting.builders import record

NOVEMBER = (date(2026, 10, 26), date(2026, 11, 25))


def D(month: int, day: int) -> date:  # noqa: N802 - a date of 2026, briefly
    return date(2026, month, day)


def visit(visit_id: str, due: date | None, **fields: Any) -> VisitCopy:
    return VisitCopy(visit_id=visit_id, customer_id="C1", due_date=due, **fields)


def test_planned_counts_visits_due_in_the_period_that_still_apply() -> None:
    visits = [
        visit("V1", date(2026, 10, 26)),
        visit("V2", date(2026, 11, 25)),
        visit("V3", date(2026, 11, 26)),  # December's
        visit("V4", date(2026, 10, 25)),  # October's
        visit("V5", date(2026, 11, 1), cancelled=True),
    ]
    counts = count_visits(bounds=NOVEMBER, visits=visits, records=[], failures=[])
    assert counts.planned == 2


def test_done_counts_visits_closed_in_the_period_and_late_ones() -> None:
    records = [
        record(1, visit_id="V1", on=date(2026, 11, 1), latest_date=date(2026, 11, 1)),
        record(2, visit_id="V2", on=date(2026, 11, 2), latest_date=date(2026, 11, 1)),
        record(3, visit_id="V2", on=date(2026, 11, 3), latest_date=date(2026, 11, 1)),
        record(4, visit_id="V3", on=date(2026, 11, 4), latest_date=None),
        record(5, visit_id="V4", on=date(2026, 11, 26), latest_date=date(2026, 1, 1)),
    ]
    counts = count_visits(bounds=NOVEMBER, visits=[], records=records, failures=[])
    assert (counts.done, counts.done_late) == (3, 1)


def test_overdue_counts_visits_whose_latest_date_passed_in_the_period() -> None:
    """Issue 16, bug 3: by the period in which the latest date passed (the
    first overdue day, the day after it, is in the period), whenever the
    tick announced it; never by the announcement's day."""
    visits = [
        # passed 11-11, announced in December: November's
        visit("V1", D(9, 1), latest_date=D(11, 10), overdue_on=date(2026, 12, 2)),
        # latest 10-25: overdue from 10-26, November's first day
        visit("V2", D(9, 1), latest_date=D(10, 25), overdue_on=D(10, 26)),
        # latest 10-24: overdue from 10-25, October's, announced in November
        visit("V3", D(9, 1), latest_date=D(10, 24), overdue_on=D(11, 2)),
        # latest 11-25 (the cutoff): overdue from 11-26, December's
        visit("V4", D(9, 1), latest_date=D(11, 25), overdue_on=D(11, 26)),
        # latest 11-24: overdue from 11-25, announced the day after the period
        visit("V5", D(9, 1), latest_date=D(11, 24), overdue_on=D(11, 26)),
        # never announced overdue (done in time)
        visit("V6", D(9, 1), latest_date=D(11, 5), overdue_on=None),
        # cancelled
        visit("V7", None, latest_date=D(11, 5), overdue_on=D(11, 6), cancelled=True),
    ]
    counts = count_visits(bounds=NOVEMBER, visits=visits, records=[], failures=[])
    # V1, V2 and V5; the old rule (announced in the period) counted V2 and V3
    assert (counts.overdue, counts.planned) == (3, 0)


def test_missed_counts_visits_superseded_in_the_period() -> None:
    visits = [
        visit("V1", D(6, 1), latest_date=D(6, 30), superseded_on=D(11, 3)),
        visit("V2", D(6, 1), latest_date=D(6, 30), superseded_on=D(10, 25)),
        visit("V3", D(6, 1), latest_date=D(6, 30), superseded_on=D(11, 25)),
        visit("V4", D(6, 1), superseded_on=D(11, 4), cancelled=True),
        visit("V5", D(6, 1), latest_date=D(6, 30)),
    ]
    counts = count_visits(bounds=NOVEMBER, visits=visits, records=[], failures=[])
    assert counts.missed == 2


def test_the_sql_window_of_overdue_visits_is_the_domain_rule() -> None:
    """views.VISITS selects announced visits by latest date in
    `overdue_window`: exactly those whose overdue day is in the period."""
    start, end = overdue_window(NOVEMBER)
    assert (start, end) == (D(10, 25), D(11, 24))
    day = D(10, 1)
    while day <= date(2026, 12, 31):
        copy = visit("V", None, latest_date=day, overdue_on=date(2027, 1, 1))
        assert (start <= day <= end) == within(overdue_day(copy), NOVEMBER)
        day += timedelta(days=1)


def test_failed_attempts_are_counted_by_reason_with_every_reason_listed() -> None:
    failures = [
        (date(2026, 11, 1), AttemptFailure.NO_ANSWER),
        (date(2026, 11, 2), AttemptFailure.NO_ANSWER),
        (date(2026, 11, 3), AttemptFailure.REFUSED),
        (date(2026, 11, 30), AttemptFailure.WRONG_NUMBER),  # December's
    ]
    counts = count_visits(bounds=NOVEMBER, visits=[], records=[], failures=failures)
    assert counts.failed_attempts_by_reason == {
        "no_answer": 2,
        "wrong_number": 0,
        "refused": 1,
        "contact_left": 0,
        "other": 0,
    }
