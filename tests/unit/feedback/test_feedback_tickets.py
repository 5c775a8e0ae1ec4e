from collections.abc import Callable
from dataclasses import replace
from datetime import date
from itertools import product

import pytest

from schemas.types import ComplaintSubject, Department
from services.feedback.domain import tickets
from services.feedback.domain.errors import TransitionNotAllowed
from services.feedback.domain.tickets import Ticket, TicketAction, TicketState

OPENED = date(2026, 11, 2)
DAY = date(2026, 11, 10)
A = TicketAction
St = TicketState

# Written out from the brief, not derived from the module under test.
ALLOWED = {
    (St.OPEN, A.ASSIGN): St.ASSIGNED,
    (St.ASSIGNED, A.ASSIGN): St.ASSIGNED,
    (St.REOPENED, A.ASSIGN): St.ASSIGNED,
    (St.ASSIGNED, A.RESOLVE): St.RESOLVED,
    (St.REOPENED, A.RESOLVE): St.RESOLVED,
    (St.RESOLVED, A.VERIFY): St.VERIFIED,
    (St.RESOLVED, A.REOPEN): St.REOPENED,
}
REFUSED = sorted(set(product(St, A)) - set(ALLOWED))


def new_ticket() -> Ticket:
    return tickets.open_ticket("T-1", ComplaintSubject.SERVICE_QUALITY, OPENED)


def ticket_in(state: TicketState) -> Ticket:
    """A ticket brought to `state` through the public functions."""
    ticket = new_ticket()
    if state is St.OPEN:
        return ticket
    ticket = tickets.assign(ticket, Department.AFTER_SALES, "张工", date(2026, 11, 3))
    if state is St.ASSIGNED:
        return ticket
    ticket = tickets.resolve(ticket, "更换了断路器", date(2026, 11, 6))
    if state is St.RESOLVED:
        return ticket
    if state is St.VERIFIED:
        return tickets.verify(ticket, "HF-2026-11-0007", date(2026, 11, 7))
    return tickets.reopen(ticket, "HF-2026-11-0007", date(2026, 11, 7))


def act(ticket: Ticket, action: TicketAction) -> Ticket:
    if action is A.ASSIGN:
        return tickets.assign(ticket, Department.TECHNICAL, "李工", DAY)
    if action is A.RESOLVE:
        return tickets.resolve(ticket, "调整了联锁", DAY)
    if action is A.VERIFY:
        return tickets.verify(ticket, "HF-2026-11-0042", DAY)
    return tickets.reopen(ticket, "HF-2026-11-0042", DAY)


def test_a_new_ticket_is_open_and_routed_by_subject() -> None:
    ticket = tickets.open_ticket("T-9", ComplaintSubject.PRODUCT_QUALITY, OPENED)

    assert ticket.state is St.OPEN
    assert ticket.department is Department.PRODUCTION
    assert ticket.informed == (Department.TECHNICAL,)
    assert ticket.opened_on == OPENED
    assert ticket.resolutions == 0


@pytest.mark.parametrize(("state", "action"), list(ALLOWED))
def test_allowed_transition(state: TicketState, action: TicketAction) -> None:
    before = ticket_in(state)

    after = act(before, action)

    assert after.state is ALLOWED[(state, action)]
    assert before.state is state  # tickets are values: the old one is unchanged


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_refused_transition(state: TicketState, action: TicketAction) -> None:
    ticket = ticket_in(state)

    with pytest.raises(TransitionNotAllowed) as refused:
        act(ticket, action)

    assert (refused.value.current, refused.value.action) == (state, action)
    assert (
        str(refused.value) == f"cannot {action.value} when the state is {state.value}"
    )


def test_there_are_seven_allowed_and_thirteen_refused_transitions() -> None:
    assert (len(ALLOWED), len(REFUSED)) == (7, 13)


def test_assigning_records_who_and_when() -> None:
    ticket = tickets.assign(new_ticket(), Department.AFTER_SALES, "张工", DAY)

    assert (ticket.department, ticket.assignee) == (Department.AFTER_SALES, "张工")
    assert ticket.assigned_on == ticket.first_assigned_on == DAY


def test_reassigning_keeps_the_first_assignment_date() -> None:
    first = ticket_in(St.ASSIGNED)

    again = tickets.assign(first, Department.TECHNICAL, "李工", DAY)

    assert (again.department, again.assignee) == (Department.TECHNICAL, "李工")
    assert again.assigned_on == DAY
    assert again.first_assigned_on == first.first_assigned_on == date(2026, 11, 3)


def test_a_full_loop_with_a_reopen_counts_two_resolutions() -> None:
    ticket = ticket_in(St.REOPENED)
    ticket = tickets.resolve(ticket, "更换了互感器", date(2026, 11, 12))
    ticket = tickets.verify(ticket, "HF-2026-11-0050", date(2026, 11, 13))

    assert ticket.state is St.VERIFIED
    assert ticket.resolutions == 2
    assert ticket.resolution == "更换了互感器"
    assert ticket.resolved_on == date(2026, 11, 12)
    assert ticket.revisits == ("HF-2026-11-0007", "HF-2026-11-0050")
    assert ticket.reopened_on == date(2026, 11, 7)
    assert ticket.verified_on == date(2026, 11, 13)


@pytest.mark.parametrize(
    ("state", "action"),
    [(St.OPEN, A.ASSIGN), (St.ASSIGNED, A.RESOLVE), (St.RESOLVED, A.VERIFY)],
)
def test_nothing_happens_before_the_ticket_was_opened(
    state: TicketState, action: TicketAction
) -> None:
    ticket = replace(ticket_in(state), opened_on=date(2026, 12, 1))

    with pytest.raises(ValueError, match="before opening"):
        act(ticket, action)


def test_an_assignment_needs_an_assignee() -> None:
    with pytest.raises(ValueError, match="assignee"):
        tickets.assign(new_ticket(), Department.AFTER_SALES, " ", DAY)


def test_a_resolution_must_say_what_was_done() -> None:
    with pytest.raises(ValueError, match="resolution"):
        tickets.resolve(ticket_in(St.ASSIGNED), "", DAY)


@pytest.mark.parametrize("action", [tickets.verify, tickets.reopen])
def test_a_revisit_outcome_names_its_record(
    action: Callable[[Ticket, str, date], Ticket],
) -> None:
    with pytest.raises(ValueError, match="record_no"):
        action(ticket_in(St.RESOLVED), "", DAY)
