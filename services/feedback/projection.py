"""The feedback service's read model, and what it derives from the survey.

From the survey topic: a complaint becomes a `ticket_opened`; a re-visit
record becomes the ticket's verdict (`ticket_verified` or `ticket_reopened`)
once the ticket is resolved. From the feedback topic: every event changes its
ticket or CAPA through the pure domain, so an event the lifecycle does not
allow raises and goes to the dead-letter topic instead of bending the state.
Only feedback events change tickets and CAPAs; the survey's only derive them.
"""

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

from psycopg.types.json import Jsonb

from schemas.catalogue import FEEDBACK, SURVEY, AnyEvent
from schemas.envelope import Event, caused_by
from schemas.feedback import (
    CapaOpened,
    CapaVerified,
    TicketAssigned,
    TicketOpened,
    TicketOverdue,
    TicketReopened,
    TicketResolved,
    TicketVerified,
)
from schemas.survey import ComplaintRaised, VisitCompleted
from schemas.types import Rating, VisitKind
from services.feedback import store
from services.feedback.derived import Revisit, revisit_verdict, ticket_opened
from services.feedback.domain import capa, tickets
from services.feedback.domain.tickets import Ticket, TicketState
from services.kit.projection import Cursor, Projection

OPENED = """
INSERT INTO tickets (ticket_id, customer_id, complaint_id, visit_id, record_no,
    subject, description, customer_suggestion, informed, department, state,
    opened_on, resolutions, revisits, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, 0, '{}', 1)
ON CONFLICT (ticket_id) DO NOTHING
"""
HISTORY = """
INSERT INTO ticket_history (event_id, ticket_id, type, actor, on_date, detail)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING
"""
CLAIMED = """
INSERT INTO claims (entity_id, version) VALUES (%s, %s) ON CONFLICT DO NOTHING
"""
ANNOUNCED = """
UPDATE tickets SET overdue_announced = array_append(overdue_announced, %s)
WHERE ticket_id = %s AND NOT (%s = ANY(overdue_announced))
"""
OVERDUE_CLAIMED = """
INSERT INTO overdue_claims (ticket_id, breach) VALUES (%s, %s) ON CONFLICT DO NOTHING
"""
REVISIT = """
INSERT INTO revisits (record_no, ticket_id, customer_id, visited_on,
    product_quality, service_quality, cause_event_id, correlation_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (record_no) DO NOTHING
"""
PENDING = """
SELECT record_no, ticket_id, customer_id, visited_on, product_quality,
    service_quality, cause_event_id, correlation_id
FROM revisits WHERE ticket_id = %s AND NOT settled AND visited_on >= %s
ORDER BY visited_on, record_no LIMIT 1
"""
CAPA_OPENED = """
INSERT INTO capas (capa_id, subject, owner, action, opened_on, due_date,
    source_period, ticket_ids, state, opened_by, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, 1)
ON CONFLICT (capa_id) DO NOTHING
"""
CAPA_VERIFIED = """
UPDATE capas SET state = %s, verified_on = %s, evidence = %s, verified_by = %s,
    version = version + 1 WHERE capa_id = %s RETURNING version
"""


def _detail(event: Event, *omit: str) -> Jsonb:
    """The payload as the history shows it, without the ids it is filed under."""
    data: dict[str, Any] = event.payload.model_dump(mode="json")
    for key in ("customer_id", "ticket_id", *omit):
        data.pop(key, None)
    return Jsonb(data)


async def _history(cur: Cursor, event: Event, ticket_id: str, on: date) -> None:
    await cur.execute(
        HISTORY,
        (event.event_id, ticket_id, event.type, event.actor, on, _detail(event)),
    )


async def _load_ticket(cur: Cursor, ticket_id: str) -> store.TicketRow | None:
    await cur.execute(store.SELECT_TICKET + " WHERE ticket_id = %s", (ticket_id,))
    row = await cur.fetchone()
    return store.ticket_from(row) if row else None


async def _change(
    cur: Cursor,
    event: Event,
    ticket_id: str,
    on: date,
    step: Callable[[Ticket], Ticket],
) -> Ticket:
    """Apply one lifecycle step to a ticket; raise if the lifecycle refuses it."""
    row = await _load_ticket(cur, ticket_id)
    if row is None:
        raise LookupError(f"{event.type} for unknown ticket {ticket_id!r}")
    ticket = step(row.ticket)
    await cur.execute(store.UPDATE_TICKET, store.ticket_state(ticket))
    updated = await cur.fetchone()
    assert updated is not None
    await cur.execute(CLAIMED, (ticket_id, updated[0]))
    await _history(cur, event, ticket_id, on)
    return ticket


async def _settle(cur: Cursor, ticket: Ticket) -> list[Event]:
    """The verdict of a re-visit made after the ticket's latest resolution."""
    if ticket.state is not TicketState.RESOLVED or ticket.resolved_on is None:
        return []
    await cur.execute(PENDING, (ticket.ticket_id, ticket.resolved_on))
    row = await cur.fetchone()
    if row is None:
        return []
    revisit = Revisit(
        record_no=row[0],
        ticket_id=row[1],
        customer_id=row[2],
        visited_on=row[3],
        product_quality=Rating(row[4]) if row[4] else None,
        service_quality=Rating(row[5]) if row[5] else None,
        cause_event_id=row[6],
        correlation_id=row[7],
    )
    # Settled now: the verdict changes the ticket only when it comes back from
    # the log, and until then another event must not derive a second one.
    await cur.execute(
        "UPDATE revisits SET settled = true WHERE record_no = %s", (revisit.record_no,)
    )
    return [revisit_verdict(revisit)]


async def apply_survey(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Derive a ticket from a complaint, a verdict from a re-visit record."""
    match event:
        case ComplaintRaised():
            return [ticket_opened(event)]
        case VisitCompleted(payload=p) if p.kind is VisitKind.REVISIT and p.ticket_id:
            links = caused_by(event)
            await cur.execute(
                REVISIT,
                (
                    p.record_no,
                    p.ticket_id,
                    p.customer_id,
                    p.visited_on,
                    p.product_quality,
                    p.service_quality,
                    links["causation_id"],
                    links["correlation_id"],
                ),
            )
            row = await _load_ticket(cur, p.ticket_id)
            return await _settle(cur, row.ticket) if row else []
        case _:
            return ()


async def apply_ticket(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Apply a ticket event through the domain's lifecycle."""
    match event:
        case TicketOpened(payload=p):
            await cur.execute(
                OPENED,
                (
                    p.ticket_id,
                    p.customer_id,
                    p.complaint_id,
                    p.visit_id,
                    p.record_no,
                    p.subject,
                    p.description,
                    p.customer_suggestion,
                    list(p.informed),
                    p.department,
                    p.opened_on,
                ),
            )
            await cur.execute(CLAIMED, (p.ticket_id, 1))
            await _history(cur, event, p.ticket_id, p.opened_on)
        case TicketAssigned(payload=p):
            await _change(
                cur,
                event,
                p.ticket_id,
                p.assigned_on,
                partial(
                    tickets.assign,
                    department=p.department,
                    assignee=p.assignee,
                    on=p.assigned_on,
                ),
            )
        case TicketResolved(payload=p):
            resolved = await _change(
                cur,
                event,
                p.ticket_id,
                p.resolved_on,
                partial(tickets.resolve, resolution=p.resolution, on=p.resolved_on),
            )
            return await _settle(cur, resolved)
        case TicketVerified(payload=p):
            await _change(
                cur,
                event,
                p.ticket_id,
                p.verified_on,
                partial(tickets.verify, record_no=p.record_no, on=p.verified_on),
            )
        case TicketReopened(payload=p):
            await _change(
                cur,
                event,
                p.ticket_id,
                p.reopened_on,
                partial(tickets.reopen, record_no=p.record_no, on=p.reopened_on),
            )
        case TicketOverdue(payload=p):
            await cur.execute(ANNOUNCED, (p.breach, p.ticket_id, p.breach))
            await cur.execute(OVERDUE_CLAIMED, (p.ticket_id, p.breach))
            await _history(cur, event, p.ticket_id, p.announced_on)
        case _:
            pass
    return ()


async def apply_capa(cur: Cursor, event: AnyEvent) -> None:
    """Open or verify a CAPA (the domain refuses a second verification)."""
    match event:
        case CapaOpened(payload=p):
            await cur.execute(
                CAPA_OPENED,
                (
                    p.capa_id,
                    p.subject,
                    p.owner,
                    p.action,
                    p.opened_on,
                    p.due_date,
                    p.source_period,
                    list(p.ticket_ids),
                    event.actor,
                ),
            )
            await cur.execute(CLAIMED, (p.capa_id, 1))
        case CapaVerified(payload=p):
            await cur.execute(store.SELECT_CAPA + " WHERE capa_id = %s", (p.capa_id,))
            row = await cur.fetchone()
            if row is None:
                raise LookupError(f"capa_verified for unknown CAPA {p.capa_id!r}")
            verified = capa.verify(store.capa_from(row).capa, p.evidence, p.verified_on)
            await cur.execute(
                CAPA_VERIFIED,
                (verified.state, p.verified_on, p.evidence, event.actor, p.capa_id),
            )
            updated = await cur.fetchone()
            assert updated is not None
            await cur.execute(CLAIMED, (p.capa_id, updated[0]))
        case _:
            pass


async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Apply one survey or feedback event; return what it derives."""
    if isinstance(event, CapaOpened | CapaVerified):
        await apply_capa(cur, event)
        return ()
    if isinstance(event, ComplaintRaised | VisitCompleted):
        return await apply_survey(cur, event)
    return await apply_ticket(cur, event)


PROJECTION = Projection(name="feedback", topics=(SURVEY, FEEDBACK), handle=apply)
