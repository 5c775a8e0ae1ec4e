"""Reading tickets and CAPAs, with the SLA and due-date flags as of a date.

The flags come from the pure domain (`sla.is_overdue`, `capa.is_past_due`),
not from SQL, so a filter on them is applied to rows as they are read, a
chunk at a time, until the page is full.
"""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from services.feedback import store
from services.feedback.domain.capa import is_past_due
from services.feedback.domain.sla import (
    Sla,
    assignment_deadline,
    is_overdue,
    resolution_deadline,
)
from services.feedback.models import CapaRead, HistoryEntry, TicketRead

Conn = psycopg.Connection[Any]
T = TypeVar("T")
CHUNK = 500
TICKET_FILTERS = (
    "ticket_id",
    "customer_id",
    "department",
    "subject",
    "status",
    "period",
)
CAPA_FILTERS = (
    "capa_id",
    "customer_id",
    "department",
    "subject",
    "status",
    "ticket_id",
    "period",
)

TICKETS = f"""
SELECT {store.TICKET_COLUMNS},
       complaint_id, visit_id, record_no, description, customer_suggestion
FROM tickets
WHERE (%(ticket_id)s::text IS NULL OR ticket_id = %(ticket_id)s)
  AND (%(customer_id)s::text IS NULL OR customer_id = %(customer_id)s)
  AND (%(department)s::text IS NULL OR department = %(department)s)
  AND (%(subject)s::text IS NULL OR subject = %(subject)s)
  AND (%(status)s::text IS NULL OR state = %(status)s)
  AND (%(period)s::text IS NULL OR to_char(opened_on, 'YYYY-MM') = %(period)s)
  AND (%(after)s::text IS NULL OR ticket_id > %(after)s)
ORDER BY ticket_id
LIMIT %(limit)s
"""

CAPAS = f"""
SELECT {store.CAPA_COLUMNS}
FROM capas c
WHERE (%(capa_id)s::text IS NULL OR capa_id = %(capa_id)s)
  AND (%(department)s::text IS NULL OR owner = %(department)s)
  AND (%(subject)s::text IS NULL OR subject = %(subject)s)
  AND (%(status)s::text IS NULL OR state = %(status)s)
  AND (%(ticket_id)s::text IS NULL OR %(ticket_id)s = ANY(ticket_ids))
  AND (%(period)s::text IS NULL OR source_period = %(period)s
       OR to_char(opened_on, 'YYYY-MM') = %(period)s)
  AND (%(customer_id)s::text IS NULL OR EXISTS (
       SELECT 1 FROM tickets t
       WHERE t.ticket_id = ANY(c.ticket_ids) AND t.customer_id = %(customer_id)s))
  AND (%(after)s::text IS NULL OR capa_id > %(after)s)
ORDER BY capa_id
LIMIT %(limit)s
"""


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
    return TicketRead(
        ticket_id=t.ticket_id,
        customer_id=found.customer_id,
        complaint_id=row[18],
        visit_id=row[19],
        record_no=row[20],
        subject=t.subject,
        description=row[21],
        customer_suggestion=row[22],
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
    )


def tickets(
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
        source_period=found.source_period,
        ticket_ids=list(found.ticket_ids),
        status=c.state,
        verified_on=c.verified_on,
        evidence=c.evidence,
        past_due=is_past_due(c, as_of),
    )


def capas(
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
