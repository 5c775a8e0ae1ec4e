"""The visit section: planned, done, done late, overdue, failed attempts."""

from datetime import date

from schemas.types import AttemptFailure
from services.reporting.domain.visits import PlannedVisit, count_visits
from tests.unit.reporting.builders import record

NOVEMBER = (date(2026, 10, 26), date(2026, 11, 25))


def test_planned_counts_visits_due_in_the_period_that_still_apply() -> None:
    visits = [
        PlannedVisit("V1", date(2026, 10, 26)),
        PlannedVisit("V2", date(2026, 11, 25)),
        PlannedVisit("V3", date(2026, 11, 26)),  # December's
        PlannedVisit("V4", date(2026, 10, 25)),  # October's
        PlannedVisit("V5", date(2026, 11, 1), cancelled=True),
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
        PlannedVisit("V1", date(2026, 9, 1), overdue_on=date(2026, 11, 2)),
        PlannedVisit("V2", date(2026, 9, 1), overdue_on=date(2026, 10, 2)),
        PlannedVisit("V3", date(2026, 9, 1), overdue_on=None),
        PlannedVisit("V4", None, overdue_on=date(2026, 11, 3), cancelled=True),
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
