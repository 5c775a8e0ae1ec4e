"""The events the feedback service derives from the survey's: a ticket per
complaint, and the verdict of a re-visit on its ticket.

Derived events get ids computed from what caused them (`stable_id`), so a
projection re-run after a crash re-emits the very same events.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from schemas.envelope import stable_id
from schemas.feedback import (
    TicketOpened,
    TicketOpenedPayload,
    TicketReopened,
    TicketReopenedPayload,
    TicketVerified,
    TicketVerifiedPayload,
)
from schemas.survey import ComplaintRaised
from schemas.types import Rating
from services.feedback.domain.revisit import RevisitOutcome, revisit_outcome
from services.feedback.domain.tickets import open_ticket

SOURCE = "feedback"


def ticket_id_for(complaint_id: str) -> str:
    """The ticket of a complaint: `HF-2026-11-0042-1` → `FB-2026-11-0042-1`."""
    return "FB-" + complaint_id.removeprefix("HF-")


def ticket_opened(complaint: ComplaintRaised) -> TicketOpened:
    """The information feedback form (信息反馈单) routed by the complaint's subject."""
    p = complaint.payload
    ticket = open_ticket(ticket_id_for(p.complaint_id), p.subject, p.raised_on)
    return TicketOpened(
        event_id=stable_id("ticket_opened", p.complaint_id),
        source=SOURCE,
        actor=SOURCE,
        causation_id=complaint.event_id,
        correlation_id=complaint.correlation_id or complaint.event_id,
        payload=TicketOpenedPayload(
            customer_id=p.customer_id,
            ticket_id=ticket.ticket_id,
            complaint_id=p.complaint_id,
            subject=ticket.subject,
            department=ticket.department,
            informed=list(ticket.informed),
            description=p.description,
            customer_suggestion=p.customer_suggestion,
            opened_on=ticket.opened_on,
            visit_id=p.visit_id,
            record_no=p.record_no,
        ),
    )


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


def revisit_verdict(revisit: Revisit) -> TicketVerified | TicketReopened:
    """A satisfied re-visit verifies the ticket; a dissatisfied one reopens it."""
    links = {
        "source": SOURCE,
        "actor": SOURCE,
        "causation_id": revisit.cause_event_id,
        "correlation_id": revisit.correlation_id,
    }
    outcome = revisit_outcome(revisit.product_quality, revisit.service_quality)
    if outcome is RevisitOutcome.VERIFIED:
        return TicketVerified(
            event_id=stable_id("ticket_verified", revisit.record_no),
            **links,
            payload=TicketVerifiedPayload(
                customer_id=revisit.customer_id,
                ticket_id=revisit.ticket_id,
                verified_on=revisit.visited_on,
                record_no=revisit.record_no,
            ),
        )
    return TicketReopened(
        event_id=stable_id("ticket_reopened", revisit.record_no),
        **links,
        payload=TicketReopenedPayload(
            customer_id=revisit.customer_id,
            ticket_id=revisit.ticket_id,
            reopened_on=revisit.visited_on,
            record_no=revisit.record_no,
        ),
    )
