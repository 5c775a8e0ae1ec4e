"""HTTP: information feedback forms (信息反馈单) and their lifecycle.

open → assigned → resolved → verified, or reopened by a dissatisfied
re-visit. Assign and resolve are commands; verify and reopen follow from
the re-visit's record.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from schemas.feedback import (
    TicketAssigned,
    TicketAssignedPayload,
    TicketResolved,
    TicketResolvedPayload,
)
from schemas.types import ComplaintSubject, Department
from services.feedback import queries, store
from services.feedback.api.common import (
    ActorHeader,
    actor_of,
    append,
    not_found,
    refused,
)
from services.feedback.derived import SOURCE
from services.feedback.domain import tickets
from services.feedback.domain.errors import TransitionNotAllowed
from services.feedback.domain.tickets import TicketState
from services.feedback.models import (
    Appended,
    TicketAssign,
    TicketPage,
    TicketRead,
    TicketResolve,
)
from services.feedback.settings import feedback_settings
from services.kit.params import PERIOD_PATTERN, Cursor, Limit
from services.kit.service import RuntimeDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

Wait = Annotated[bool, Query(description="wait until the feedback applied it")]
AsOf = Annotated[date | None, Query(description="flag SLA breaches as of; today")]


def _load(runtime: RuntimeDep, ticket_id: str) -> store.TicketRow:
    with runtime.pool.connection() as conn:
        found = store.load_ticket(conn, ticket_id)
    if found is None:
        raise not_found("ticket", ticket_id)
    return found


@router.get("", response_model=TicketPage)
def list_tickets(
    runtime: RuntimeDep,
    *,
    customer_id: str | None = None,
    department: Department | None = None,
    subject: ComplaintSubject | None = None,
    status: TicketState | None = None,
    overdue: Annotated[
        bool | None, Query(description="only tickets with (true) or without SLA breach")
    ] = None,
    period: Annotated[
        str | None, Query(pattern=PERIOD_PATTERN, description="YYYY-MM of the opening")
    ] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> TicketPage:
    """Tickets by id, filtered, each flagged with the SLAs it breached."""
    with runtime.pool.connection() as conn:
        items, next_cursor = queries.tickets(
            conn,
            as_of=as_of or runtime.settings.today(),
            sla=feedback_settings(runtime.settings).feedback_sla.sla(),
            overdue=overdue,
            after=cursor,
            limit=limit,
            customer_id=customer_id,
            department=department,
            subject=subject,
            status=status,
            period=period,
        )
    return TicketPage(items=items, next=next_cursor)


@router.get("/{ticket_id}", response_model=TicketRead)
def get_ticket(runtime: RuntimeDep, ticket_id: str, as_of: AsOf = None) -> TicketRead:
    """One ticket, its SLA flags and its history: every event with its actor."""
    with runtime.pool.connection() as conn:
        items, _ = queries.tickets(
            conn,
            as_of=as_of or runtime.settings.today(),
            sla=feedback_settings(runtime.settings).feedback_sla.sla(),
            limit=1,
            ticket_id=ticket_id,
        )
        if not items:
            raise not_found("ticket", ticket_id)
        return items[0].model_copy(update={"history": queries.history(conn, ticket_id)})


@router.post("/{ticket_id}/assign", response_model=Appended)
def assign_ticket(
    runtime: RuntimeDep,
    ticket_id: str,
    body: TicketAssign,
    x_actor: ActorHeader = None,
    wait: Wait = False,
) -> Appended:
    """Give the ticket to someone of a department (again, to reassign it)."""
    actor = actor_of(body, x_actor)
    found = _load(runtime, ticket_id)
    on = body.assigned_on or runtime.settings.today()
    department = body.department or found.ticket.department
    try:
        tickets.assign(found.ticket, department, body.assignee, on)
    except (TransitionNotAllowed, ValueError) as exc:
        raise refused(exc, "assigned_on") from None
    event = TicketAssigned(
        source=SOURCE,
        actor=actor,
        payload=TicketAssignedPayload(
            customer_id=found.customer_id,
            ticket_id=ticket_id,
            department=department,
            assignee=body.assignee,
            assigned_on=on,
        ),
    )
    return append(runtime, ticket_id, found.version + 1, event, wait=wait)


@router.post("/{ticket_id}/resolve", response_model=Appended)
def resolve_ticket(
    runtime: RuntimeDep,
    ticket_id: str,
    body: TicketResolve,
    x_actor: ActorHeader = None,
    wait: Wait = False,
) -> Appended:
    """Record the department's result; the customer is re-visited next."""
    actor = actor_of(body, x_actor)
    found = _load(runtime, ticket_id)
    on = body.resolved_on or runtime.settings.today()
    try:
        tickets.resolve(found.ticket, body.resolution, on)
    except (TransitionNotAllowed, ValueError) as exc:
        raise refused(exc, "resolved_on") from None
    event = TicketResolved(
        source=SOURCE,
        actor=actor,
        payload=TicketResolvedPayload(
            customer_id=found.customer_id,
            ticket_id=ticket_id,
            department=found.ticket.department,
            resolution=body.resolution,
            resolved_on=on,
        ),
    )
    return append(runtime, ticket_id, found.version + 1, event, wait=wait)
