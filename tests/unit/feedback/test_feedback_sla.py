from datetime import date, timedelta

import pytest

from schemas.types import ComplaintSubject, Department, SlaBreach
from services.feedback.domain import tickets
from services.feedback.domain.sla import (
    Sla,
    SlaPolicy,
    add_working_days,
    assignment_deadline,
    is_overdue,
    resolution_deadline,
)
from services.feedback.domain.tickets import Ticket

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, d) for d in range(2, 9))
NEXT_MON, NEXT_TUE, NEXT_WED = date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 11)
SERVICE = ComplaintSubject.SERVICE_QUALITY


def test_the_calendar_is_what_the_tests_assume() -> None:
    assert [d.strftime("%a") for d in (MON, FRI, SAT, SUN, NEXT_MON)] == [
        "Mon",
        "Fri",
        "Sat",
        "Sun",
        "Mon",
    ]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (MON, 0, MON),
        (MON, 1, TUE),
        (MON, 2, WED),
        (WED, 2, FRI),
        (THU, 2, NEXT_MON),
        (FRI, 1, NEXT_MON),
        (FRI, 2, NEXT_TUE),
        (SAT, 2, NEXT_TUE),
        (SUN, 2, NEXT_TUE),
        (SAT, 0, SAT),
        (MON, 5, NEXT_MON),
        (MON, 10, date(2026, 11, 16)),
    ],
)
def test_working_days_skip_the_weekend(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def opened(on: date, subject: ComplaintSubject = SERVICE) -> Ticket:
    return tickets.open_ticket("T-1", subject, on)


def test_a_ticket_opened_on_friday_must_be_assigned_by_tuesday() -> None:
    assert assignment_deadline(opened(FRI)) == NEXT_TUE


def test_assigned_on_the_last_working_day_is_in_time() -> None:
    ticket = tickets.assign(opened(FRI), Department.AFTER_SALES, "张工", NEXT_TUE)

    assert is_overdue(ticket, NEXT_WED) == []


def test_assigned_a_day_late_across_the_weekend_is_a_breach() -> None:
    ticket = tickets.assign(opened(FRI), Department.AFTER_SALES, "张工", NEXT_WED)

    assert is_overdue(ticket, NEXT_WED) == [SlaBreach.ASSIGNMENT]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (FRI, []),
        (SUN, []),
        (NEXT_TUE, []),
        (NEXT_WED, [SlaBreach.ASSIGNMENT]),
    ],
)
def test_an_unassigned_ticket_is_overdue_after_two_working_days(
    as_of: date, expected: list[SlaBreach]
) -> None:
    assert is_overdue(opened(FRI), as_of) == expected


def test_a_breach_is_judged_as_of_the_date_asked() -> None:
    late = tickets.assign(opened(FRI), Department.AFTER_SALES, "张工", NEXT_WED)

    assert is_overdue(late, NEXT_TUE) == []


def test_reassignment_does_not_move_the_assignment_milestone() -> None:
    ticket = tickets.assign(opened(MON), Department.AFTER_SALES, "张工", TUE)
    ticket = tickets.assign(ticket, Department.TECHNICAL, "李工", NEXT_MON)

    assert is_overdue(ticket, NEXT_MON) == []


def _resolved(on: date, resolved_on: date) -> Ticket:
    ticket = tickets.assign(opened(on), Department.AFTER_SALES, "张工", on)
    return tickets.resolve(ticket, "已处理", resolved_on)


@pytest.mark.parametrize(("days", "expected"), [(15, []), (16, [SlaBreach.RESOLUTION])])
def test_resolution_is_due_within_fifteen_calendar_days(
    days: int, expected: list[SlaBreach]
) -> None:
    ticket = _resolved(MON, MON + timedelta(days=days))

    assert resolution_deadline(ticket) == MON + timedelta(days=15)
    assert is_overdue(ticket, MON + timedelta(days=30)) == expected


def test_an_unresolved_ticket_becomes_overdue_on_the_sixteenth_day() -> None:
    ticket = tickets.assign(opened(MON), Department.AFTER_SALES, "张工", MON)

    assert is_overdue(ticket, MON + timedelta(days=15)) == []
    assert is_overdue(ticket, MON + timedelta(days=16)) == [SlaBreach.RESOLUTION]


def test_a_reopened_ticket_is_unresolved_and_its_clock_still_runs() -> None:
    ticket = tickets.reopen(_resolved(MON, WED), "HF-2026-11-0001", FRI)

    assert is_overdue(ticket, MON + timedelta(days=15)) == []
    assert is_overdue(ticket, MON + timedelta(days=16)) == [SlaBreach.RESOLUTION]


def test_a_late_resolution_stays_a_breach_after_verification() -> None:
    ticket = _resolved(MON, MON + timedelta(days=20))
    ticket = tickets.verify(ticket, "HF-2026-11-0001", MON + timedelta(days=21))

    assert is_overdue(ticket, MON + timedelta(days=60)) == [SlaBreach.RESOLUTION]


def test_both_slas_can_be_breached() -> None:
    assert is_overdue(opened(MON), MON + timedelta(days=16)) == [
        SlaBreach.ASSIGNMENT,
        SlaBreach.RESOLUTION,
    ]


QUICK = SlaPolicy(assign_within_working_days=1, resolve_within_days=5)
SLOW = SlaPolicy(assign_within_working_days=5, resolve_within_days=30)
MIDDLING = SlaPolicy(assign_within_working_days=3, resolve_within_days=20)
LEISURELY = SlaPolicy(assign_within_working_days=4, resolve_within_days=25)
SLA = Sla(
    overrides={
        (Department.PRODUCTION, ComplaintSubject.PRODUCT_QUALITY): QUICK,
        (Department.PRODUCTION, None): SLOW,
        (None, ComplaintSubject.PRODUCT_QUALITY): MIDDLING,
        (None, ComplaintSubject.SUGGESTION): LEISURELY,
    }
)


@pytest.mark.parametrize(
    ("department", "subject", "expected"),
    [
        (Department.PRODUCTION, ComplaintSubject.PRODUCT_QUALITY, QUICK),
        (Department.PRODUCTION, ComplaintSubject.SUGGESTION, SLOW),
        (Department.TECHNICAL, ComplaintSubject.PRODUCT_QUALITY, MIDDLING),
        (Department.QUALITY, ComplaintSubject.SUGGESTION, LEISURELY),
        (Department.QUALITY, ComplaintSubject.SERVICE_QUALITY, SlaPolicy(2, 15)),
    ],
)
def test_the_most_specific_policy_applies(
    department: Department, subject: ComplaintSubject, expected: SlaPolicy
) -> None:
    assert SLA.policy_for(department, subject) == expected


def test_is_overdue_uses_the_configured_policy() -> None:
    ticket = opened(MON, ComplaintSubject.PRODUCT_QUALITY)

    assert is_overdue(ticket, WED) == []
    assert is_overdue(ticket, WED, SLA) == [SlaBreach.ASSIGNMENT]
    assert is_overdue(ticket, MON + timedelta(days=6), SLA) == [
        SlaBreach.ASSIGNMENT,
        SlaBreach.RESOLUTION,
    ]


def test_a_policy_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        SlaPolicy(resolve_within_days=-1)
