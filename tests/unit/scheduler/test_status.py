import pytest

from schemas.types import EscalationTarget, VisitKind, VisitStatus
from services.scheduler.domain.status import (
    announcements,
    escalation_target,
    visit_status,
)

from .builders import D, visit

DUE, OVERDUE = VisitStatus.DUE, VisitStatus.OVERDUE


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2026-05-31", VisitStatus.PLANNED),
        ("2026-06-01", VisitStatus.DUE),  # from the due date
        ("2026-07-01", VisitStatus.DUE),  # through the latest date
        ("2026-07-02", VisitStatus.OVERDUE),  # after due + 1 month
    ],
)
def test_status_follows_the_dates(as_of: str, expected: VisitStatus) -> None:
    assert (
        visit_status(visit(due="2026-06-01", latest="2026-07-01"), D(as_of)) is expected
    )


@pytest.mark.parametrize("stored", [VisitStatus.DONE, VisitStatus.CANCELLED])
def test_done_and_cancelled_are_final(stored: VisitStatus) -> None:
    closed = visit(status=stored, failed_attempts=3)
    assert visit_status(closed, D("2027-01-01")) is stored


def test_escalated_after_three_failed_attempts() -> None:
    assert visit_status(visit(failed_attempts=2), D("2026-06-05")) is DUE
    assert visit_status(visit(failed_attempts=3), D("2026-06-05")) is (
        VisitStatus.ESCALATED
    )
    stored_escalated = visit(status=VisitStatus.ESCALATED)
    assert visit_status(stored_escalated, D("2026-06-05")) is VisitStatus.ESCALATED


@pytest.mark.parametrize(
    "kind",
    [
        VisitKind.PRE_POWER_ON,
        VisitKind.TRIAL_RUN,
        VisitKind.WARRANTY_6M,
        VisitKind.WARRANTY_12M,
        VisitKind.POST_WARRANTY_1,
        VisitKind.POST_WARRANTY_2,
        VisitKind.REVISIT,
    ],
)
def test_industrial_visits_escalate_on_site(kind: VisitKind) -> None:
    assert escalation_target(kind) is EscalationTarget.ON_SITE


def test_retail_followups_escalate_to_the_store_manager() -> None:
    assert escalation_target(VisitKind.RETAIL_FOLLOWUP) is (
        EscalationTarget.STORE_MANAGER
    )


def test_a_visit_is_announced_due_once() -> None:
    v = visit(due="2026-06-01", latest="2026-07-01")
    assert announcements([v], D("2026-05-31"), set()) == []
    assert announcements([v], D("2026-06-01"), set()) == [(v.visit_id, DUE)]
    assert announcements([v], D("2026-06-02"), {(v.visit_id, DUE)}) == []


def test_a_visit_is_announced_overdue_once() -> None:
    v = visit(due="2026-06-01", latest="2026-07-01")
    seen = {(v.visit_id, DUE)}
    assert announcements([v], D("2026-07-01"), seen) == []
    assert announcements([v], D("2026-07-02"), seen) == [(v.visit_id, OVERDUE)]
    assert announcements([v], D("2026-07-03"), seen | {(v.visit_id, OVERDUE)}) == []


def test_a_tick_that_missed_days_announces_due_then_overdue() -> None:
    v = visit(due="2026-06-01", latest="2026-07-01")
    assert announcements([v], D("2026-08-15"), set()) == [
        (v.visit_id, DUE),
        (v.visit_id, OVERDUE),
    ]


def test_closed_visits_are_not_announced_but_escalated_ones_are() -> None:
    visits = [
        visit("done", status=VisitStatus.DONE),
        visit("cancelled", status=VisitStatus.CANCELLED),
        visit("escalated", status=VisitStatus.ESCALATED),
    ]
    assert announcements(visits, D("2026-06-01"), set()) == [("escalated", DUE)]


def test_announcements_are_ordered_by_due_date_then_visit_id() -> None:
    visits = [
        visit("b", "2026-06-02", "2026-06-09"),
        visit("c", "2026-06-01", "2026-06-08"),
        visit("a", "2026-06-02", "2026-06-09"),
    ]
    assert announcements(visits, D("2026-06-05"), set()) == [
        ("c", DUE),
        ("a", DUE),
        ("b", DUE),
    ]
