"""Complaints (tickets) and CAPAs in a period."""

from datetime import date

from services.reporting.domain.complaints import (
    Capa,
    CapaCounts,
    ComplaintCounts,
    Step,
    Ticket,
    TicketStep,
    count_capas,
    count_complaints,
)

NOVEMBER = (date(2026, 10, 26), date(2026, 11, 25))
RESOLVED, VERIFIED, REOPENED = Step.RESOLVED, Step.VERIFIED, Step.REOPENED


def ticket(
    ticket_id: str, opened_on: date, *steps: tuple[Step, date], dept: str = "quality"
) -> Ticket:
    return Ticket(ticket_id, dept, opened_on, tuple(TicketStep(s, d) for s, d in steps))


def test_a_ticket_opened_resolved_and_verified_in_the_period() -> None:
    t = ticket(
        "T1",
        date(2026, 11, 1),
        (RESOLVED, date(2026, 11, 5)),
        (VERIFIED, date(2026, 11, 6)),
    )
    total, _ = count_complaints([t], NOVEMBER)
    assert total == ComplaintCounts(opened=1, resolved=1, revisited=1, still_open=0)


def test_a_reopened_ticket_is_still_open_and_revisited_counts_each_revisit() -> None:
    t = ticket(
        "T1",
        date(2026, 11, 1),
        (RESOLVED, date(2026, 11, 5)),
        (REOPENED, date(2026, 11, 6)),
        (RESOLVED, date(2026, 11, 8)),
        (VERIFIED, date(2026, 11, 9)),
        (REOPENED, date(2026, 11, 9)),  # same day, recorded after: reopened
    )
    total, _ = count_complaints([t], NOVEMBER)
    assert total == ComplaintCounts(opened=1, resolved=1, revisited=3, still_open=1)


def test_still_open_is_the_state_at_the_end_of_the_period() -> None:
    tickets = [
        ticket("T1", date(2026, 9, 1)),  # never resolved
        ticket("T2", date(2026, 9, 1), (VERIFIED, date(2026, 11, 26))),  # later
        ticket("T3", date(2026, 9, 1), (VERIFIED, date(2026, 10, 1))),  # before
        ticket("T4", date(2026, 11, 26)),  # opened after the period
    ]
    total, _ = count_complaints(tickets, NOVEMBER)
    assert total == ComplaintCounts(opened=0, resolved=0, revisited=0, still_open=2)


def test_counts_are_broken_down_by_department() -> None:
    tickets = [
        ticket("T1", date(2026, 11, 1), dept="production"),
        ticket("T2", date(2026, 11, 2), dept="after_sales"),
        ticket("T3", date(2026, 11, 3), (VERIFIED, date(2026, 11, 4)), dept="quality"),
        ticket("T4", date(2026, 1, 3), (VERIFIED, date(2026, 1, 4)), dept="technical"),
    ]
    total, by_department = count_complaints(tickets, NOVEMBER)
    assert total.opened == 3
    assert list(by_department) == ["after_sales", "production", "quality"]
    assert by_department["quality"] == ComplaintCounts(1, 0, 1, 0)
    assert by_department["production"] == ComplaintCounts(1, 0, 0, 1)


def test_capas_opened_verified_and_still_open() -> None:
    capas = [
        Capa("A1", "quality", date(2026, 11, 1), date(2026, 11, 20)),
        Capa("A2", "quality", date(2026, 10, 1), date(2026, 11, 2)),
        Capa("A3", "producing_company", date(2026, 11, 3), None),
        Capa("A4", "quality", date(2026, 11, 4), date(2026, 12, 1)),
        Capa("A5", "quality", date(2026, 11, 26), None),  # December's
        Capa("A6", "quality", None, date(2026, 11, 5)),  # opening not seen
    ]
    assert count_capas(capas, NOVEMBER) == CapaCounts(
        opened=3, verified=3, still_open=2
    )
