"""Service-level agreements on tickets: assigned in time, resolved in time.

Defaults: assigned within 2 working days of opening, resolved within 15
calendar days of opening. Working days are Monday to Friday; there is no
holiday calendar, so a public holiday counts as a working day. Both clocks run
from the opening date and a reopen does not restart them: the customer's
problem has been open since the ticket was. Policies can differ per department
and subject (`Sla.overrides`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from schemas.types import ComplaintSubject, Department, SlaBreach
from services.feedback.domain.tickets import Ticket, TicketState

_SATURDAY = 5


@dataclass(frozen=True)
class SlaPolicy:
    assign_within_working_days: int = 2
    resolve_within_days: int = 15

    def __post_init__(self) -> None:
        if min(self.assign_within_working_days, self.resolve_within_days) < 0:
            raise ValueError(f"an SLA cannot be negative: {self}")


@dataclass(frozen=True)
class Sla:
    """A default policy and overrides keyed by (department, subject).

    Either half of a key may be None to match any department or any subject;
    the most specific key wins: (department, subject), then (department, None),
    then (None, subject), then the default.
    """

    default: SlaPolicy = SlaPolicy()
    overrides: Mapping[tuple[Department | None, ComplaintSubject | None], SlaPolicy] = (
        field(default_factory=dict)
    )

    def policy_for(
        self, department: Department, subject: ComplaintSubject
    ) -> SlaPolicy:
        """The policy that applies to a ticket of `subject` held by `department`."""
        for key in ((department, subject), (department, None), (None, subject)):
            if key in self.overrides:
                return self.overrides[key]
        return self.default


DEFAULT_SLA = Sla()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Mon–Fri) after `start`.

    Counting starts the day after `start`, so a ticket opened on a Friday or
    over the weekend has until Tuesday to be assigned in 2 working days.
    """
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < _SATURDAY:
            days -= 1
    return day


def assignment_deadline(ticket: Ticket, sla: Sla = DEFAULT_SLA) -> date:
    """The last day on which the ticket may first be assigned."""
    policy = sla.policy_for(ticket.department, ticket.subject)
    return add_working_days(ticket.opened_on, policy.assign_within_working_days)


def resolution_deadline(ticket: Ticket, sla: Sla = DEFAULT_SLA) -> date:
    """The last day on which the ticket may be resolved."""
    policy = sla.policy_for(ticket.department, ticket.subject)
    return ticket.opened_on + timedelta(days=policy.resolve_within_days)


def _late(done_on: date | None, as_of: date, deadline: date) -> bool:
    # Done late, or not done (as of `as_of`) and the deadline has passed.
    reached = as_of if done_on is None else min(done_on, as_of)
    return reached > deadline


def is_overdue(ticket: Ticket, as_of: date, sla: Sla = DEFAULT_SLA) -> list[SlaBreach]:
    """The SLAs the ticket has breached as of `as_of`, if any.

    A breach stays a breach: a ticket assigned late keeps its ASSIGNMENT breach
    after it is assigned, and one resolved late its RESOLUTION breach after it
    is verified. A reopened ticket is unresolved until it is resolved again.
    The policy is that of the department holding the ticket now.
    """
    resolved_on = (
        ticket.resolved_on
        if ticket.state in (TicketState.RESOLVED, TicketState.VERIFIED)
        else None
    )
    breaches = []
    if _late(ticket.first_assigned_on, as_of, assignment_deadline(ticket, sla)):
        breaches.append(SlaBreach.ASSIGNMENT)
    if _late(resolved_on, as_of, resolution_deadline(ticket, sla)):
        breaches.append(SlaBreach.RESOLUTION)
    return breaches
