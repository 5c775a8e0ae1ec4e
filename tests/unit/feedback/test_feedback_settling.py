"""Which re-visit settles a resolved ticket, what it does to it, and the
optimistic-concurrency check of commands: pure domain, no I/O."""

from datetime import date
from uuid import uuid4

import pytest

from schemas.types import ComplaintSubject, Rating
from services.feedback.domain import tickets
from services.feedback.domain.errors import StaleVersion, check_version
from services.feedback.domain.revisit import Revisit, settle, settling
from services.feedback.domain.tickets import Ticket, TicketState

S, D = Rating.SATISFIED, Rating.DISSATISFIED


def revisit(record_no: str, on: date, product: Rating = S) -> Revisit:
    return Revisit(
        record_no=record_no,
        ticket_id="FB-1",
        customer_id="C1",
        visited_on=on,
        product_quality=product,
        service_quality=S,
        cause_event_id=uuid4(),
        correlation_id=uuid4(),
    )


def resolved(on: date) -> Ticket:
    ticket = tickets.open_ticket(
        "FB-1", ComplaintSubject.PRODUCT_QUALITY, date(2026, 11, 2)
    )
    ticket = tickets.assign(ticket, ticket.department, "张工", date(2026, 11, 3))
    return tickets.resolve(ticket, "换了断路器", on)


def test_the_earliest_revisit_on_or_after_the_resolution_settles_it() -> None:
    pending = [
        revisit("HF-3", date(2026, 11, 12)),
        revisit("HF-1", date(2026, 11, 8)),  # before the resolution: not this one
        revisit("HF-2", date(2026, 11, 10)),  # the day of the resolution
    ]
    assert settling(resolved(date(2026, 11, 10)), pending) == pending[2]
    assert settling(resolved(date(2026, 11, 13)), pending) is None


def test_a_ticket_not_resolved_is_settled_by_no_revisit() -> None:
    ticket = tickets.reopen(resolved(date(2026, 11, 10)), "HF-1", date(2026, 11, 11))
    assert settling(ticket, [revisit("HF-2", date(2026, 11, 12))]) is None


def test_a_satisfied_revisit_verifies_a_dissatisfied_one_reopens() -> None:
    ticket = resolved(date(2026, 11, 10))
    verified = settle(ticket, revisit("HF-2", date(2026, 11, 12)))
    reopened = settle(ticket, revisit("HF-2", date(2026, 11, 12), product=D))
    assert (verified.state, verified.verified_on) == (
        TicketState.VERIFIED,
        date(2026, 11, 12),
    )
    assert (reopened.state, reopened.revisits) == (TicketState.REOPENED, ("HF-2",))


def test_a_command_read_at_another_version_is_stale() -> None:
    check_version("FB-1", 3, None)
    check_version("FB-1", 3, 3)
    with pytest.raises(StaleVersion, match="stale version"):
        check_version("FB-1", 3, 2)
