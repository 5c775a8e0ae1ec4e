"""The read model: every table of the views schema and its SQL, in one place.

Writes (async, the projection's cursor) evolve tickets and CAPAs from the
feedback topic's events through the pure domain, so an event the lifecycle
does not allow raises (and is dead-lettered) instead of bending the view.
They decide nothing: the command side (store.py) already did.
Reads (sync, the API's connection) flag SLA breaches and past-due CAPAs with
the domain's rules, not in SQL, so a filter on them is applied to rows as
they are read, a chunk at a time, until the page is full.
"""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from schemas.envelope import Event
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
from services.feedback import store
from services.feedback.domain import capa, tickets
from services.feedback.domain.capa import is_past_due
from services.feedback.domain.sla import (
    Sla,
    assignment_deadline,
    is_overdue,
    resolution_deadline,
)
from services.feedback.domain.tickets import Ticket
from services.feedback.models import CapaRead, HistoryEntry, TicketRead

Conn = psycopg.Connection[Any]
Cursor = psycopg.AsyncCursor[Any]
T = TypeVar("T")
CHUNK = 500

OPENED = """
INSERT INTO tickets (ticket_id, customer_id, complaint_id, visit_id, record_no,
    subject, description, customer_suggestion, informed, department, state,
    opened_on, form, items, resolutions, revisits, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, %s, 0, '{}', 1)
ON CONFLICT (ticket_id) DO NOTHING
"""
SELECT_TICKET = f"SELECT {store.TICKET_COLUMNS} FROM tickets WHERE ticket_id = %s"
UPDATE_TICKET = store.UPDATE_TICKET.replace("ticket_states", "tickets")
HISTORY = """
INSERT INTO ticket_history (event_id, ticket_id, type, actor, on_date, detail)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING
"""
ANNOUNCED = """
UPDATE tickets SET overdue_announced = array_append(overdue_announced, %s)
WHERE ticket_id = %s AND NOT (%s = ANY(overdue_announced))
"""
CAPA_OPENED = """
INSERT INTO capas (capa_id, subject, owner, action, opened_on, due_date,
    source_period, ticket_ids, review_id, state, opened_by, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, 1)
ON CONFLICT (capa_id) DO NOTHING
"""
SELECT_CAPA = f"SELECT {store.CAPA_COLUMNS} FROM capas WHERE capa_id = %s"
CAPA_VERIFIED = """
UPDATE capas SET state = %s, verified_on = %s, evidence = %s, verified_by = %s,
    version = version + 1 WHERE capa_id = %s
"""

TICKET_FILTERS = (
    "ticket_id",
    "customer_id",
    "department",
    "subject",
    "form",
    "status",
    "month",
)
TICKETS = f"""
SELECT {store.TICKET_COLUMNS},
       complaint_id, visit_id, record_no, description, customer_suggestion
FROM tickets
WHERE (%(ticket_id)s::text IS NULL OR ticket_id = %(ticket_id)s)
  AND (%(customer_id)s::text IS NULL OR customer_id = %(customer_id)s)
  AND (%(department)s::text IS NULL OR department = %(department)s)
  AND (%(subject)s::text IS NULL OR subject = %(subject)s)
  AND (%(form)s::text IS NULL OR form = %(form)s)
  AND (%(status)s::text IS NULL OR state = %(status)s)
  AND (%(month)s::text IS NULL OR to_char(opened_on, 'YYYY-MM') = %(month)s)
  AND (%(after)s::text IS NULL OR ticket_id > %(after)s)
ORDER BY ticket_id
LIMIT %(limit)s
"""
CAPA_FILTERS = (
    "capa_id",
    "customer_id",
    "department",
    "subject",
    "status",
    "ticket_id",
    "period",
    "review_id",
    "month",
)
CAPAS = f"""
SELECT {store.CAPA_COLUMNS}, source_period, ticket_ids, review_id
FROM capas c
WHERE (%(capa_id)s::text IS NULL OR capa_id = %(capa_id)s)
  AND (%(department)s::text IS NULL OR owner = %(department)s)
  AND (%(subject)s::text IS NULL OR subject = %(subject)s)
  AND (%(status)s::text IS NULL OR state = %(status)s)
  AND (%(ticket_id)s::text IS NULL OR %(ticket_id)s = ANY(ticket_ids))
  AND (%(period)s::text IS NULL OR source_period = %(period)s)
  AND (%(review_id)s::text IS NULL OR review_id = %(review_id)s)
  AND (%(month)s::text IS NULL OR to_char(opened_on, 'YYYY-MM') = %(month)s)
  AND (%(customer_id)s::text IS NULL OR EXISTS (
       SELECT 1 FROM tickets t
       WHERE t.ticket_id = ANY(c.ticket_ids) AND t.customer_id = %(customer_id)s))
  AND (%(after)s::text IS NULL OR capa_id > %(after)s)
ORDER BY capa_id
LIMIT %(limit)s
"""


# Writes: the projection's handlers, one per event type.


def _detail(event: Event) -> Jsonb:
    """The payload as the history shows it, without the ids it is filed under."""
    data: dict[str, Any] = event.payload.model_dump(mode="json")
    for key in ("customer_id", "ticket_id"):
        data.pop(key, None)
    return Jsonb(data)


async def _history(cur: Cursor, event: Event, ticket_id: str, on: date) -> None:
    await cur.execute(
        HISTORY,
        (event.event_id, ticket_id, event.type, event.actor, on, _detail(event)),
    )


async def _evolve(
    cur: Cursor,
    event: Event,
    ticket_id: str,
    on: date,
    step: Callable[[Ticket], Ticket],
) -> None:
    """Apply one lifecycle step to a ticket; raise if the lifecycle refuses it."""
    await cur.execute(SELECT_TICKET, (ticket_id,))
    row = await cur.fetchone()
    if row is None:
        raise LookupError(f"{event.type} for unknown ticket {ticket_id!r}")
    await cur.execute(
        UPDATE_TICKET, store.ticket_params(step(store.ticket_from(row).ticket))
    )
    await _history(cur, event, ticket_id, on)


async def ticket_opened(cur: Cursor, event: TicketOpened) -> None:
    p = event.payload
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
            p.form,
            list(p.items),
        ),
    )
    await _history(cur, event, p.ticket_id, p.opened_on)


async def ticket_assigned(cur: Cursor, event: TicketAssigned) -> None:
    p = event.payload
    await _evolve(
        cur,
        event,
        p.ticket_id,
        p.assigned_on,
        lambda t: tickets.assign(t, p.department, p.assignee, p.assigned_on),
    )


async def ticket_resolved(cur: Cursor, event: TicketResolved) -> None:
    p = event.payload
    await _evolve(
        cur,
        event,
        p.ticket_id,
        p.resolved_on,
        lambda t: tickets.resolve(t, p.resolution, p.resolved_on),
    )


async def ticket_verified(cur: Cursor, event: TicketVerified) -> None:
    p = event.payload
    await _evolve(
        cur,
        event,
        p.ticket_id,
        p.verified_on,
        lambda t: tickets.verify(t, p.record_no, p.verified_on),
    )


async def ticket_reopened(cur: Cursor, event: TicketReopened) -> None:
    p = event.payload
    await _evolve(
        cur,
        event,
        p.ticket_id,
        p.reopened_on,
        lambda t: tickets.reopen(t, p.record_no, p.reopened_on),
    )


async def ticket_overdue(cur: Cursor, event: TicketOverdue) -> None:
    p = event.payload
    await cur.execute(ANNOUNCED, (p.breach, p.ticket_id, p.breach))
    await _history(cur, event, p.ticket_id, p.announced_on)


async def capa_opened(cur: Cursor, event: CapaOpened) -> None:
    p = event.payload
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
            p.review_id,
            event.actor,
        ),
    )


async def capa_verified(cur: Cursor, event: CapaVerified) -> None:
    """Verify a CAPA (the domain refuses a second verification)."""
    p = event.payload
    await cur.execute(SELECT_CAPA, (p.capa_id,))
    row = await cur.fetchone()
    if row is None:
        raise LookupError(f"capa_verified for unknown CAPA {p.capa_id!r}")
    verified = capa.verify(store.capa_from(row).capa, p.evidence, p.verified_on)
    await cur.execute(
        CAPA_VERIFIED,
        (verified.state, p.verified_on, p.evidence, event.actor, p.capa_id),
    )


# Reads: the API's pages.


def page(
    chunks: Callable[[str | None], list[T]],
    keep: Callable[[T], bool],
    key: Callable[[T], str],
    limit: int,
) -> tuple[list[T], str | None]:
    """Up to `limit` items that `keep` accepts, and the cursor of the next page."""
    items: list[T] = []
    for item in _all(chunks, key):
        if not keep(item):
            continue
        if len(items) == limit:
            return items, key(items[-1])
        items.append(item)
    return items, None


def _all(
    chunks: Callable[[str | None], list[T]], key: Callable[[T], str]
) -> Iterator[T]:
    after: str | None = None
    while True:
        chunk = chunks(after)
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = key(chunk[-1])


def ticket_read(row: tuple[Any, ...], as_of: date, sla: Sla) -> TicketRead:
    """A row of `TICKETS` with its SLA deadlines and breaches as of `as_of`."""
    found = store.ticket_from(row)
    t = found.ticket
    extra = len(store.TICKET_COLUMNS.split(","))
    complaint_id, visit_id, record_no, description, suggestion = row[extra:]
    return TicketRead(
        ticket_id=t.ticket_id,
        customer_id=found.customer_id,
        complaint_id=complaint_id,
        visit_id=visit_id,
        record_no=record_no,
        subject=t.subject,
        form=t.form,
        items=list(t.items),
        description=description,
        customer_suggestion=suggestion,
        department=t.department,
        informed=list(t.informed),
        status=t.state,
        assignee=t.assignee,
        opened_on=t.opened_on,
        first_assigned_on=t.first_assigned_on,
        assigned_on=t.assigned_on,
        resolution=t.resolution,
        resolved_on=t.resolved_on,
        resolutions=t.resolutions,
        verified_on=t.verified_on,
        reopened_on=t.reopened_on,
        revisits=list(t.revisits),
        assign_by=assignment_deadline(t, sla),
        resolve_by=resolution_deadline(t, sla),
        overdue=is_overdue(t, as_of, sla),
        version=found.version,
    )


def tickets_page(
    conn: Conn,
    *,
    as_of: date,
    sla: Sla,
    overdue: bool | None = None,
    after: str | None = None,
    limit: int = 100,
    **filters: str | None,
) -> tuple[list[TicketRead], str | None]:
    """A page of tickets by id; `filters` are the columns of `TICKETS`' WHERE."""
    params: dict[str, Any] = dict.fromkeys(TICKET_FILTERS) | filters

    def chunk(start: str | None) -> list[TicketRead]:
        rows = conn.execute(
            TICKETS, params | {"after": start or after, "limit": CHUNK}
        ).fetchall()
        return [ticket_read(r, as_of, sla) for r in rows]

    return page(
        chunk,
        lambda t: overdue is None or bool(t.overdue) == overdue,
        lambda t: t.ticket_id,
        limit,
    )


def history(conn: Conn, ticket_id: str) -> list[HistoryEntry]:
    """Every event applied to the ticket, in the order applied, with its actor."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT event_id, type, actor, on_date AS on, detail FROM ticket_history"
            " WHERE ticket_id = %s ORDER BY seq",
            (ticket_id,),
        ).fetchall()
    return [HistoryEntry.model_validate(r) for r in rows]


def capa_read(row: tuple[Any, ...], as_of: date) -> CapaRead:
    """A row of `CAPAS`, flagged when still open after its due date."""
    found = store.capa_from(row)
    c = found.capa
    return CapaRead(
        capa_id=c.capa_id,
        subject=c.subject,
        owner=c.owner,
        action=c.action,
        opened_on=c.opened_on,
        due_date=c.due_date,
        source_period=row[-3],
        ticket_ids=list(row[-2]),
        review_id=row[-1],
        status=c.state,
        verified_on=c.verified_on,
        evidence=c.evidence,
        past_due=is_past_due(c, as_of),
        version=found.version,
    )


def capas_page(
    conn: Conn,
    *,
    as_of: date,
    overdue: bool | None = None,
    after: str | None = None,
    limit: int = 100,
    **filters: str | None,
) -> tuple[list[CapaRead], str | None]:
    """A page of CAPAs by id; `filters` are the columns of `CAPAS`' WHERE."""
    params: dict[str, Any] = dict.fromkeys(CAPA_FILTERS) | filters

    def chunk(start: str | None) -> list[CapaRead]:
        rows = conn.execute(
            CAPAS, params | {"after": start or after, "limit": CHUNK}
        ).fetchall()
        return [capa_read(r, as_of) for r in rows]

    return page(
        chunk,
        lambda c: overdue is None or c.past_due == overdue,
        lambda c: c.capa_id,
        limit,
    )
