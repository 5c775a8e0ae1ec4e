"""HTTP: information feedback forms (信息反馈单) and their lifecycle.

open → assigned → resolved → verified, or reopened by a dissatisfied
re-visit. Assign and resolve are commands; verify and reopen follow from
the re-visit's record.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from schemas.types import ComplaintSubject, Department, FeedbackForm
from services.feedback import handlers, views
from services.feedback.api.common import (
    IfMatch,
    acting_for,
    decided,
    expected_version,
    transition_request,
)
from services.feedback.domain.tickets import TicketState
from services.feedback.models import (
    Appended,
    TicketAssign,
    TicketPage,
    TicketRead,
    TicketResolve,
)
from services.feedback.settings import feedback_settings
from services.kit.http import (
    COMMAND_RESPONSES,
    READ_RESPONSES,
    AsOf,
    IdempotencyKey,
    Limit,
    Month,
    PageCursor,
    Wait,
    not_found,
)
from services.kit.keys import HANDLE_TICKETS, READ, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=READ_RESPONSES)

Reader = Annotated[Principal, Depends(require(READ))]
Handler = Annotated[Principal, Depends(require(HANDLE_TICKETS))]

# FastAPI answers 400 for a body it cannot read as text (not UTF-8).


@router.get("", response_model=TicketPage)
def list_tickets(
    runtime: RuntimeDep,
    _: Reader,
    *,
    customer_id: str | None = None,
    department: Department | None = None,
    subject: ComplaintSubject | None = None,
    form: FeedbackForm | None = None,
    status: TicketState | None = None,
    overdue: Annotated[
        bool | None, Query(description="only tickets with (true) or without SLA breach")
    ] = None,
    month: Month = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    cursor: PageCursor = None,
) -> Response:
    """Tickets by id, filtered (`month`: of the opening), each flagged with
    the SLAs it breached."""
    with runtime.pool.connection() as conn:
        items, next_cursor = views.tickets_page(
            conn,
            as_of=as_of or runtime.settings.today(),
            sla=feedback_settings(runtime.settings).feedback_sla.sla(),
            overdue=overdue,
            after=cursor,
            limit=limit,
            customer_id=customer_id,
            department=department,
            subject=subject,
            form=form,
            status=status,
            month=month,
        )
    # Serialized once by the model (FastAPI would dump, validate and dump it
    # again: a third of a page's time); `response_model` still documents it.
    body = TicketPage(items=items, next=next_cursor).model_dump_json()
    return Response(content=body, media_type="application/json")


@router.get(
    "/{ticket_id}",
    response_model=TicketRead,
    responses={404: COMMAND_RESPONSES[404]},
)
def get_ticket(
    runtime: RuntimeDep, _reader: Reader, ticket_id: str, as_of: AsOf = None
) -> TicketRead:
    """One ticket, its SLA flags and its history: every event with its actor."""
    with runtime.pool.connection() as conn:
        items, _ = views.tickets_page(
            conn,
            as_of=as_of or runtime.settings.today(),
            sla=feedback_settings(runtime.settings).feedback_sla.sla(),
            limit=1,
            ticket_id=ticket_id,
        )
        if not items:
            raise not_found("ticket", ticket_id)
        return items[0].model_copy(update={"history": views.history(conn, ticket_id)})


@router.post(
    "/{ticket_id}/assign",
    response_model=Appended,
    responses=COMMAND_RESPONSES,
)
def assign_ticket(
    runtime: RuntimeDep,
    principal: Handler,
    *,
    ticket_id: str,
    body: TicketAssign,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> Appended:
    """Give the ticket to someone of a department (again, to reassign it).

    A handler's key acts only on tickets its department holds (403)."""
    command = handlers.AssignTicket(
        ticket_id=ticket_id,
        assignee=body.assignee,
        department=body.department,
        on=body.assigned_on or runtime.settings.today(),
        actor=principal.actor,
        expected_version=expected_version(body.version, if_match),
        acting_for=acting_for(principal),
    )
    return decided(
        runtime,
        principal=principal,
        scope="feedback.assign_ticket",
        request=transition_request(
            "ticket_id", ticket_id, body, command.actor, command.expected_version
        ),
        key=key,
        handle=lambda conn: handlers.assign_ticket(conn, command),
        wait=wait,
    )


@router.post(
    "/{ticket_id}/resolve",
    response_model=Appended,
    responses=COMMAND_RESPONSES,
)
def resolve_ticket(
    runtime: RuntimeDep,
    principal: Handler,
    *,
    ticket_id: str,
    body: TicketResolve,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> Appended:
    """Record the department's result; the customer is re-visited next.

    A handler's key resolves only tickets its department holds (403)."""
    command = handlers.ResolveTicket(
        ticket_id=ticket_id,
        resolution=body.resolution,
        on=body.resolved_on or runtime.settings.today(),
        actor=principal.actor,
        expected_version=expected_version(body.version, if_match),
        acting_for=acting_for(principal),
    )
    return decided(
        runtime,
        principal=principal,
        scope="feedback.resolve_ticket",
        request=transition_request(
            "ticket_id", ticket_id, body, command.actor, command.expected_version
        ),
        key=key,
        handle=lambda conn: handlers.resolve_ticket(conn, command),
        wait=wait,
    )
