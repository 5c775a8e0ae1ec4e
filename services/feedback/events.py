"""Every integration event the feedback service derives or decides.

Events caused by another event (a ticket per complaint, a re-visit's
verdict, an SLA breach's announcement) get ids computed from what caused
them (`stable_id`), so a reaction re-run after a crash decides the very same
events. Commands' events get fresh ids; their Idempotency-Key makes a retry
safe.
"""

from datetime import date

from schemas.envelope import stable_id
from schemas.feedback import (
    CapaOpened,
    CapaOpenedPayload,
    CapaVerified,
    CapaVerifiedPayload,
    TicketAssigned,
    TicketAssignedPayload,
    TicketOpened,
    TicketOpenedPayload,
    TicketOverdue,
    TicketOverduePayload,
    TicketReopened,
    TicketReopenedPayload,
    TicketResolved,
    TicketResolvedPayload,
    TicketVerified,
    TicketVerifiedPayload,
)
from schemas.survey import ComplaintRaised
from schemas.types import SlaBreach
from services.feedback.domain.capa import Capa
from services.feedback.domain.revisit import Revisit, RevisitOutcome
from services.feedback.domain.tickets import Ticket, open_ticket

SOURCE = "feedback"


def ticket_id_for(complaint_id: str) -> str:
    """The ticket of a complaint: `HF-2026-11-0042-1` → `FB-2026-11-0042-1`."""
    return "FB-" + complaint_id.removeprefix("HF-")


def opened_ticket(complaint: ComplaintRaised) -> Ticket:
    """The ticket a complaint (or another form) opens, routed by its subject
    or its form."""
    p = complaint.payload
    return open_ticket(
        ticket_id_for(p.complaint_id),
        p.subject,
        p.raised_on,
        form=p.form,
        items=tuple(p.items),
    )


def ticket_opened(complaint: ComplaintRaised) -> TicketOpened:
    """The information feedback form (信息反馈单) routed by the complaint's subject."""
    p = complaint.payload
    ticket = opened_ticket(complaint)
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
            form=ticket.form,
            items=list(ticket.items),
        ),
    )


def revisit_verdict(revisit: Revisit) -> TicketVerified | TicketReopened:
    """A satisfied re-visit verifies the ticket; a dissatisfied one reopens it."""
    links = {
        "source": SOURCE,
        "actor": SOURCE,
        "causation_id": revisit.cause_event_id,
        "correlation_id": revisit.correlation_id,
    }
    if revisit.outcome is RevisitOutcome.VERIFIED:
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


def ticket_assigned(ticket: Ticket, customer_id: str, actor: str) -> TicketAssigned:
    """The ticket after `tickets.assign`, as its event."""
    assert ticket.assignee is not None
    assert ticket.assigned_on is not None
    return TicketAssigned(
        source=SOURCE,
        actor=actor,
        payload=TicketAssignedPayload(
            customer_id=customer_id,
            ticket_id=ticket.ticket_id,
            department=ticket.department,
            assignee=ticket.assignee,
            assigned_on=ticket.assigned_on,
        ),
    )


def ticket_resolved(ticket: Ticket, customer_id: str, actor: str) -> TicketResolved:
    """The ticket after `tickets.resolve`, as its event."""
    assert ticket.resolution is not None
    assert ticket.resolved_on is not None
    return TicketResolved(
        source=SOURCE,
        actor=actor,
        payload=TicketResolvedPayload(
            customer_id=customer_id,
            ticket_id=ticket.ticket_id,
            department=ticket.department,
            resolution=ticket.resolution,
            resolved_on=ticket.resolved_on,
        ),
    )


def ticket_overdue(
    ticket: Ticket,
    customer_id: str,
    breach: SlaBreach,
    deadline: date,
    announced_on: date,
) -> TicketOverdue:
    """The announcement of one SLA breach of a ticket (one per ticket and breach)."""
    return TicketOverdue(
        event_id=stable_id("ticket_overdue", ticket.ticket_id, breach),
        source=SOURCE,
        actor=SOURCE,
        payload=TicketOverduePayload(
            customer_id=customer_id,
            ticket_id=ticket.ticket_id,
            department=ticket.department,
            subject=ticket.subject,
            breach=breach,
            deadline=deadline,
            announced_on=announced_on,
        ),
    )


def capa_opened(
    capa: Capa,
    source_period: str | None,
    ticket_ids: list[str],
    actor: str,
    review_id: str | None = None,
) -> CapaOpened:
    """A CAPA just opened, as its event."""
    return CapaOpened(
        source=SOURCE,
        actor=actor,
        payload=CapaOpenedPayload(
            capa_id=capa.capa_id,
            subject=capa.subject,
            owner=capa.owner,
            action=capa.action,
            due_date=capa.due_date,
            opened_on=capa.opened_on,
            source_period=source_period,
            ticket_ids=ticket_ids,
            review_id=review_id,
        ),
    )


def capa_verified(capa: Capa, actor: str) -> CapaVerified:
    """The CAPA after `capa.verify`, as its event."""
    assert capa.verified_on is not None
    assert capa.evidence is not None
    return CapaVerified(
        source=SOURCE,
        actor=actor,
        payload=CapaVerifiedPayload(
            capa_id=capa.capa_id, verified_on=capa.verified_on, evidence=capa.evidence
        ),
    )
