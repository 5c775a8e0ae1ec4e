"""Complaints' SLA compliance and breaches (`domain/sla.py`) and CAPAs past
due (`complaints.past_due`), by hand."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.types import FeedbackForm, SlaBreach
from services.reporting.domain.complaints import (
    Capa,
    Step,
    Ticket,
    TicketStep,
    past_due,
)
from services.reporting.domain.sla import Breach, SlaCounts, count_sla, sla_trend

NOV = (date(2026, 10, 26), date(2026, 11, 25))
OCT = (date(2026, 9, 26), date(2026, 10, 25))
DEC = (date(2026, 11, 26), date(2026, 12, 25))


def ticket(
    tid: str,
    dept: str,
    opened: date,
    *resolved: date,
    form: FeedbackForm = FeedbackForm.COMPLAINT,
) -> Ticket:
    steps = tuple(TicketStep(Step.RESOLVED, d) for d in resolved)
    return Ticket(tid, dept, opened, steps, form)


def breach(
    tid: str,
    kind: SlaBreach,
    deadline: date,
    dept: str = "production",
    *,
    known: str | None = None,
    form: FeedbackForm = FeedbackForm.COMPLAINT,
) -> Breach:
    return Breach(tid, kind, deadline, dept, form, known)


def test_compliance_counts_breaches_by_the_periods_end() -> None:
    tickets = [
        ticket("A", "production", date(2026, 10, 1), date(2026, 11, 3)),
        ticket("B", "production", date(2026, 11, 1), date(2026, 11, 5)),
        # Resolved in November, breached only after it (12-01): compliant then.
        ticket("C", "after_sales", date(2026, 11, 2), date(2026, 11, 10)),
        ticket(
            "D",
            "quality",
            date(2026, 11, 1),
            date(2026, 11, 5),
            form=FeedbackForm.SUGGESTION,
        ),
    ]
    breaches = [
        breach("A", SlaBreach.RESOLUTION, date(2026, 10, 16)),
        breach("C", SlaBreach.RESOLUTION, date(2026, 11, 30), "after_sales"),
        breach(
            "D", SlaBreach.ASSIGNMENT, date(2026, 11, 3), form=FeedbackForm.SUGGESTION
        ),
        # Announced for after-sales, the ticket now counts for production.
        breach(
            "B",
            SlaBreach.ASSIGNMENT,
            date(2026, 11, 24),
            "after_sales",
            known="production",
        ),
    ]
    total, by_department = count_sla(tickets, breaches, NOV)
    assert by_department == {
        "after_sales": SlaCounts(1, 1, 0, 0),
        "production": SlaCounts(2, 0, 1, 0),
    }
    assert total == SlaCounts(3, 1, 1, 0)
    assert total.compliance == 0.3333
    assert SlaCounts().compliance is None
    assert sla_trend(tickets, breaches, [("2026-10", OCT), ("2026-11", NOV)]) == [
        ("2026-10", SlaCounts(0, 0, 0, 1)),
        ("2026-11", total),
    ]


def test_a_breach_happens_the_day_after_its_deadline() -> None:
    b = breach("A", SlaBreach.ASSIGNMENT, date(2026, 11, 25))
    assert b.on == date(2026, 11, 26)
    assert count_sla([], [b], NOV)[0] == SlaCounts()


def test_capas_past_due_are_open_after_their_due_date() -> None:
    end = NOV[1]
    capas = [
        Capa("A1", "quality", date(2026, 10, 1), None, due_date=date(2026, 11, 10)),
        Capa(
            "A2",
            "quality",
            date(2026, 10, 1),
            date(2026, 11, 20),
            due_date=date(2026, 11, 10),
        ),
        Capa(
            "A3",
            "quality",
            date(2026, 10, 1),
            date(2026, 11, 30),
            due_date=date(2026, 11, 1),
        ),
        Capa("A4", "quality", date(2026, 10, 1), None, due_date=end),
        Capa("A5", "quality", date(2026, 10, 1), None),  # due date not seen
        Capa("A6", "quality", date(2026, 11, 26), None, due_date=date(2026, 11, 1)),
    ]
    assert [c.capa_id for c in past_due(capas, end)] == ["A3", "A1"]


DAYS = st.dates(date(2026, 8, 1), date(2027, 1, 31))


@st.composite
def sla_cases(
    draw: st.DrawFn,
) -> tuple[list[Ticket], list[Breach], list[tuple[str, tuple[date, date]]]]:
    forms = st.sampled_from(list(FeedbackForm))
    tickets = [
        Ticket(
            f"T{n}",
            draw(st.sampled_from(["production", "quality"])),
            draw(DAYS),
            tuple(
                TicketStep(draw(st.sampled_from(list(Step))), draw(DAYS))
                for _ in range(draw(st.integers(0, 4)))
            ),
            draw(forms),
        )
        for n in range(draw(st.integers(0, 12)))
    ]
    breaches = [
        breach(
            f"T{draw(st.integers(0, 14))}",
            draw(st.sampled_from(list(SlaBreach))),
            draw(DAYS),
            form=draw(forms),
        )
        for _ in range(draw(st.integers(0, 10)))
    ]
    # Consecutive periods (the dashboard's), or any bounds (overlapping too).
    if draw(st.booleans()):
        periods = [("2026-10", OCT), ("2026-11", NOV), ("2026-12", DEC)]
    else:
        periods = []
        for n in range(draw(st.integers(0, 4))):
            start = draw(DAYS)
            periods.append(
                (f"P{n}", (start, start + timedelta(draw(st.integers(0, 40)))))
            )
    return tickets, breaches, draw(st.permutations(periods))


@given(sla_cases())
@settings(max_examples=300, deadline=None)
def test_the_trend_is_each_periods_count(
    case: tuple[list[Ticket], list[Breach], list[tuple[str, tuple[date, date]]]],
) -> None:
    """`sla_trend` counts in one pass what `count_sla` counts period by period."""
    tickets, breaches, periods = case
    assert sla_trend(tickets, breaches, periods) == [
        (name, count_sla(tickets, breaches, bounds)[0]) for name, bounds in periods
    ]
