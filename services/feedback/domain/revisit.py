"""What a re-visit does to its ticket (domain.md, closed loop, 3).

The service centre re-visits the customer once the department resolved the
ticket: a satisfied re-visit closes the form, a dissatisfied one reopens it.
A re-visit record may be read before the resolution it follows (two topics,
no order between them); it waits until a resolution dated on or before it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from schemas.types import Rating
from services.feedback.domain import tickets
from services.feedback.domain.tickets import Ticket, TicketState


class RevisitOutcome(StrEnum):
    """What a re-visit does to its ticket."""

    VERIFIED = "verified"
    REOPENED = "reopened"


@dataclass(frozen=True)
class Revisit:
    """A re-visit record of a ticket, and the event that brought it."""

    record_no: str
    ticket_id: str
    customer_id: str
    visited_on: date
    product_quality: Rating | None
    service_quality: Rating | None
    cause_event_id: UUID
    correlation_id: UUID

    @property
    def outcome(self) -> "RevisitOutcome":
        return revisit_outcome(self.product_quality, self.service_quality)


def is_satisfied_enough(rating: Rating | None) -> bool:
    """Whether a re-visit rating lets the ticket close.

    Neutral (一般) verifies: domain.md reopens only on dissatisfaction, and a
    neutral answer raises no complaint anywhere else either. An unanswered
    rating is not a dissatisfaction, as in the score.
    """
    return rating != Rating.DISSATISFIED


def revisit_outcome(
    product_quality: Rating | None, service_quality: Rating | None
) -> RevisitOutcome:
    """Verified if neither rating is dissatisfied, reopened otherwise."""
    if is_satisfied_enough(product_quality) and is_satisfied_enough(service_quality):
        return RevisitOutcome.VERIFIED
    return RevisitOutcome.REOPENED


def settling(ticket: Ticket, pending: Iterable[Revisit]) -> Revisit | None:
    """The re-visit that settles a resolved ticket: the earliest one made on
    or after its latest resolution; None while the ticket is not resolved."""
    if ticket.state is not TicketState.RESOLVED or ticket.resolved_on is None:
        return None
    resolved_on = ticket.resolved_on
    after = [r for r in pending if r.visited_on >= resolved_on]
    return min(after, key=lambda r: (r.visited_on, r.record_no), default=None)


def settle(ticket: Ticket, revisit: Revisit) -> Ticket:
    """The ticket after its re-visit: verified, or reopened."""
    if revisit.outcome is RevisitOutcome.VERIFIED:
        return tickets.verify(ticket, revisit.record_no, revisit.visited_on)
    return tickets.reopen(ticket, revisit.record_no, revisit.visited_on)
