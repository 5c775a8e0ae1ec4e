"""The information feedback form (信息反馈单) as a pure state machine.

    open → assigned → resolved → verified
                        resolved → reopened → assigned | resolved …

A ticket may be (re)assigned, to another person or another department, while
open, assigned or reopened. A reopened ticket may be resolved again by its
assignee without a new assignment. Verified is final. Every function returns a
new Ticket; a refused action raises `TransitionNotAllowed`, a bad argument
`ValueError`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from schemas.types import ComplaintSubject, Department, FeedbackForm
from services.feedback.domain.errors import TransitionNotAllowed
from services.feedback.domain.routing import route


class TicketState(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    REOPENED = "reopened"


class TicketAction(StrEnum):
    ASSIGN = "assign"
    RESOLVE = "resolve"
    VERIFY = "verify"
    REOPEN = "reopen"


_S = TicketState
ALLOWED_FROM: Mapping[TicketAction, frozenset[TicketState]] = MappingProxyType(
    {
        TicketAction.ASSIGN: frozenset({_S.OPEN, _S.ASSIGNED, _S.REOPENED}),
        TicketAction.RESOLVE: frozenset({_S.ASSIGNED, _S.REOPENED}),
        TicketAction.VERIFY: frozenset({_S.RESOLVED}),
        TicketAction.REOPEN: frozenset({_S.RESOLVED}),
    }
)


@dataclass(frozen=True)
class Ticket:
    """A ticket's state and the dates the SLAs are measured by.

    `resolution` and `resolved_on` are those of the latest resolution and are
    kept after a reopen; `state` says whether it still stands. `revisits` are
    the record numbers of the re-visits that verified or reopened the ticket.
    Every `form` (complaint, service request, problem report, suggestion) has
    the same lifecycle; `items` are what a service request asks for.
    """

    ticket_id: str
    subject: ComplaintSubject
    department: Department
    opened_on: date
    informed: tuple[Department, ...] = ()
    state: TicketState = TicketState.OPEN
    assignee: str | None = None
    first_assigned_on: date | None = None
    assigned_on: date | None = None
    resolution: str | None = None
    resolved_on: date | None = None
    resolutions: int = 0
    verified_on: date | None = None
    reopened_on: date | None = None
    revisits: tuple[str, ...] = ()
    form: FeedbackForm = FeedbackForm.COMPLAINT
    items: tuple[str, ...] = ()


def open_ticket(
    ticket_id: str,
    subject: ComplaintSubject,
    on: date,
    form: FeedbackForm = FeedbackForm.COMPLAINT,
    items: tuple[str, ...] = (),
) -> Ticket:
    """Open a ticket for a form: a complaint routed to its subject's
    department, any other form to the department of its kind."""
    to = route(subject, form)
    return Ticket(
        ticket_id,
        subject,
        to.department,
        on,
        informed=to.informed,
        form=form,
        items=items,
    )


def _check(ticket: Ticket, action: TicketAction, on: date, **texts: str) -> None:
    if ticket.state not in ALLOWED_FROM[action]:
        raise TransitionNotAllowed(ticket.state, action)
    if on < ticket.opened_on:
        raise ValueError(
            f"cannot {action} on {on}, before opening on {ticket.opened_on}"
        )
    for name, value in texts.items():
        if not value.strip():
            raise ValueError(f"cannot {action} without a {name}")


def may_handle(acting_for: Department | None, ticket: Ticket) -> bool:
    """Whether one acting for a department (None: for every department, as the
    service centre's admins do) may assign (or hand on) or resolve the
    ticket: only one its own department holds."""
    return acting_for is None or ticket.department is acting_for


def assign(ticket: Ticket, department: Department, assignee: str, on: date) -> Ticket:
    """Give the ticket to `assignee` of `department`; a reassignment too."""
    _check(ticket, TicketAction.ASSIGN, on, assignee=assignee)
    return replace(
        ticket,
        state=TicketState.ASSIGNED,
        department=department,
        assignee=assignee,
        assigned_on=on,
        first_assigned_on=ticket.first_assigned_on or on,
    )


def resolve(ticket: Ticket, resolution: str, on: date) -> Ticket:
    """Record the department's result; the service centre re-visits next."""
    _check(ticket, TicketAction.RESOLVE, on, resolution=resolution)
    return replace(
        ticket,
        state=TicketState.RESOLVED,
        resolution=resolution,
        resolved_on=on,
        resolutions=ticket.resolutions + 1,
    )


def verify(ticket: Ticket, record_no: str, on: date) -> Ticket:
    """Close the ticket after a satisfied re-visit (record `record_no`)."""
    _check(ticket, TicketAction.VERIFY, on, record_no=record_no)
    return replace(
        ticket,
        state=TicketState.VERIFIED,
        verified_on=on,
        revisits=(*ticket.revisits, record_no),
    )


def reopen(ticket: Ticket, record_no: str, on: date) -> Ticket:
    """Reopen the ticket after a dissatisfied re-visit (record `record_no`)."""
    _check(ticket, TicketAction.REOPEN, on, record_no=record_no)
    return replace(
        ticket,
        state=TicketState.REOPENED,
        reopened_on=on,
        revisits=(*ticket.revisits, record_no),
    )
