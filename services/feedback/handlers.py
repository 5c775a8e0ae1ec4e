"""The application layer: commands, event reactions and the SLA sweep.

Each takes its I/O as parameters (a connection or cursor inside the caller's
transaction, the date) and reads as the business says it: load the ticket or
CAPA (locked), let the domain decide, save it, return the events. The caller
writes those events to the outbox in the same transaction (kit/command.py
for commands, the kit's consumer for reactions, kit/jobs.py for the sweep).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from schemas.catalogue import AnyEvent
from schemas.envelope import Event, caused_by
from schemas.feedback import TicketOverdue
from schemas.survey import ComplaintRaised, VisitCompleted
from schemas.types import ComplaintSubject, Department, SlaBreach, VisitKind
from services.feedback import events, store
from services.feedback.domain import capa, tickets
from services.feedback.domain.errors import check_version
from services.feedback.domain.revisit import Revisit, settle, settling
from services.feedback.domain.sla import (
    Sla,
    assignment_deadline,
    is_overdue,
    resolution_deadline,
)
from services.feedback.domain.tickets import Ticket
from services.feedback.store import Conn, Cursor


class UnknownEntity(LookupError):  # noqa: N818 - the name callers catch
    """The command names a ticket or CAPA that does not exist (404)."""

    def __init__(self, what: str, entity_id: str) -> None:
        self.what = what
        self.entity_id = entity_id
        super().__init__(f"no {what} {entity_id!r}")


class NotYours(PermissionError):  # noqa: N818 - the name callers catch
    """The ticket is another department's than the one the caller acts for
    (403)."""


class Refused(ValueError):  # noqa: N818 - the name callers catch
    """A command argument the rules refuse (422), naming its field."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(rule)


@dataclass(frozen=True)
class Done:
    """What a command did: the entity, its version now, the events decided."""

    entity_id: str
    version: int
    events: Sequence[Event]


@dataclass(frozen=True)
class AssignTicket:
    ticket_id: str
    assignee: str
    department: Department | None
    on: date
    actor: str
    expected_version: int | None = None
    # the department the actor handles tickets for; None: every department
    acting_for: Department | None = None


@dataclass(frozen=True)
class ResolveTicket:
    ticket_id: str
    resolution: str
    on: date
    actor: str
    expected_version: int | None = None
    acting_for: Department | None = None


@dataclass(frozen=True)
class OpenCapa:
    capa_id: str
    subject: ComplaintSubject
    owner: Department | None
    action: str
    opened_on: date
    due: date
    source_period: str | None
    ticket_ids: list[str]
    actor: str
    review_id: str | None = None


@dataclass(frozen=True)
class VerifyCapa:
    capa_id: str
    evidence: str
    on: date
    actor: str
    expected_version: int | None = None


def _refused(field: str, exc: ValueError) -> Refused:
    return Refused(field, str(exc))


def _ticket(conn: Conn, ticket_id: str, expected: int | None) -> store.TicketRow:
    found = store.lock_ticket(conn, ticket_id)
    if found is None:
        raise UnknownEntity("ticket", ticket_id)
    check_version(ticket_id, found.version, expected)
    return found


def _check_handler(ticket: Ticket, acting_for: Department | None) -> None:
    if not tickets.may_handle(acting_for, ticket):
        msg = (
            f"handle ticket {ticket.ticket_id}: the {ticket.department} "
            f"department holds it, this key acts for {acting_for}"
        )
        raise NotYours(msg)


def assign_ticket(conn: Conn, command: AssignTicket) -> Done:
    """Give the ticket to someone of a department (again, to reassign it)."""
    found = _ticket(conn, command.ticket_id, command.expected_version)
    department = command.department or found.ticket.department
    _check_handler(found.ticket, command.acting_for)
    try:
        assigned = tickets.assign(
            found.ticket, department, command.assignee, command.on
        )
    except ValueError as exc:
        raise _refused("assigned_on", exc) from None
    version = store.save_ticket(conn, assigned)
    event = events.ticket_assigned(assigned, found.customer_id, command.actor)
    return Done(command.ticket_id, version, [event])


def resolve_ticket(conn: Conn, command: ResolveTicket) -> Done:
    """Record the department's result; a re-visit already made on or after
    the resolution date settles it at once (verified or reopened)."""
    found = _ticket(conn, command.ticket_id, command.expected_version)
    _check_handler(found.ticket, command.acting_for)
    try:
        resolved = tickets.resolve(found.ticket, command.resolution, command.on)
    except ValueError as exc:
        raise _refused("resolved_on", exc) from None
    version = store.save_ticket(conn, resolved)
    decided: list[Event] = [
        events.ticket_resolved(resolved, found.customer_id, command.actor)
    ]
    revisit = settling(resolved, store.pending_revisits(conn, command.ticket_id))
    if revisit is not None:
        version = store.save_ticket(conn, settle(resolved, revisit))
        store.mark_settled(conn, revisit.record_no)
        decided.append(events.revisit_verdict(revisit))
    return Done(command.ticket_id, version, decided)


def open_capa(conn: Conn, command: OpenCapa) -> Done:
    """Open a CAPA owned by the department its subject calls for."""
    owner = capa.owner_for(command.subject)
    if command.owner is not None and command.owner is not owner:
        raise Refused(
            "owner",
            f"a {command.subject} CAPA is owned by {owner}, not {command.owner}",
        )
    if command.ticket_ids:
        known = store.known_tickets(conn, command.ticket_ids)
        unknown = [t for t in command.ticket_ids if t not in known]
        if unknown:
            raise Refused("source.ticket_ids", f"unknown tickets: {unknown}")
    try:
        opened = capa.open_capa(
            command.capa_id,
            command.subject,
            command.action,
            command.opened_on,
            command.due,
        )
    except ValueError as exc:
        raise _refused("due", exc) from None
    store.insert_capa(conn, opened)
    event = events.capa_opened(
        opened,
        command.source_period,
        command.ticket_ids,
        command.actor,
        review_id=command.review_id,
    )
    return Done(command.capa_id, 1, [event])


def verify_capa(conn: Conn, command: VerifyCapa) -> Done:
    """Record that the CAPA's action was verified, with its evidence."""
    found = store.lock_capa(conn, command.capa_id)
    if found is None:
        raise UnknownEntity("CAPA", command.capa_id)
    check_version(command.capa_id, found.version, command.expected_version)
    try:
        verified = capa.verify(found.capa, command.evidence, command.on)
    except ValueError as exc:
        raise _refused("verified_on", exc) from None
    version = store.save_capa(conn, verified)
    return Done(
        command.capa_id, version, [events.capa_verified(verified, command.actor)]
    )


def announce_breaches(conn: Conn, as_of: date, sla: Sla) -> list[TicketOverdue]:
    """Every SLA breach as of `as_of` not announced yet, each announced once."""
    announced: list[TicketOverdue] = []
    for found, already in store.lock_unannounced(conn):
        ticket = found.ticket
        deadlines = {
            SlaBreach.ASSIGNMENT: assignment_deadline(ticket, sla),
            SlaBreach.RESOLUTION: resolution_deadline(ticket, sla),
        }
        for breach in is_overdue(ticket, as_of, sla):
            if breach in already or not store.announce(
                conn, ticket.ticket_id, breach, as_of
            ):
                continue
            announced.append(
                events.ticket_overdue(
                    ticket, found.customer_id, breach, deadlines[breach], as_of
                )
            )
    return announced


# Event reactions: decisions on the survey's events, into the store.


async def react(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """A complaint (or a service request, problem report or suggestion form)
    opens a ticket routed by its form; a re-visit record settles its ticket once
    the ticket is resolved on or before the re-visit."""
    match event:
        case ComplaintRaised():
            ticket = events.opened_ticket(event)
            await store.insert_ticket(cur, ticket, event.payload.customer_id)
            # Stable id: decided again (a redelivery), it is the same event,
            # which the outbox keeps once.
            return [events.ticket_opened(event)]
        case VisitCompleted(payload=p) if p.kind is VisitKind.REVISIT and p.ticket_id:
            links = caused_by(event)
            await store.add_revisit(
                cur,
                Revisit(
                    record_no=p.record_no,
                    ticket_id=p.ticket_id,
                    customer_id=p.customer_id,
                    visited_on=p.visited_on,
                    product_quality=p.product_quality,
                    service_quality=p.service_quality,
                    cause_event_id=links["causation_id"],
                    correlation_id=links["correlation_id"],
                ),
            )
            return await _settle(cur, p.ticket_id)
        case _:
            return ()


async def _settle(cur: Cursor, ticket_id: str) -> Sequence[Event]:
    found = await store.lock_ticket_async(cur, ticket_id)
    if found is None:
        return ()
    ticket: Ticket = found.ticket
    revisit = settling(ticket, await store.pending_revisits_async(cur, ticket_id))
    if revisit is None:
        return ()
    await store.save_ticket_async(cur, settle(ticket, revisit))
    await store.mark_settled_async(cur, revisit.record_no)
    return [events.revisit_verdict(revisit)]
