"""The visit section: planned, done, done late, overdue, failed attempts."""

from datetime import date
from typing import Any

from schemas.types import AttemptFailure
from services.reporting.domain.visit_copies import VisitCopy
from services.reporting.domain.visits import count_visits
from tests.unit.reporting.builders import record

NOVEMBER = (date(2026, 10, 26), date(2026, 11, 25))


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


def test_overdue_counts_visits_announced_overdue_in_the_period() -> None:
    visits = [
        visit("V1", date(2026, 9, 1), overdue_on=date(2026, 11, 2)),
        visit("V2", date(2026, 9, 1), overdue_on=date(2026, 10, 2)),
        visit("V3", date(2026, 9, 1), overdue_on=None),
        visit("V4", None, overdue_on=date(2026, 11, 3), cancelled=True),
    ]
    counts = count_visits(bounds=NOVEMBER, visits=visits, records=[], failures=[])
    assert (counts.overdue, counts.planned) == (1, 0)


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
