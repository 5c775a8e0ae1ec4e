"""The command side: tickets, CAPAs, pending re-visits and SLA announcements
as the feedback service decided them. Authoritative and never rebuilt.

Commands (sync connection, in `run_command`'s transaction) and event
reactions (async cursor, in the consumer's batch transaction) lock a row
`FOR UPDATE` before deciding on it, so two deciders never act on one state.
The row mapping is shared with the read model (views.py), whose tables begin
with the same columns.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from schemas.types import (
    ComplaintSubject,
    Department,
    FeedbackForm,
    Rating,
    SlaBreach,
)
from services.feedback.domain.capa import Capa, CapaState
from services.feedback.domain.revisit import Revisit
from services.feedback.domain.tickets import Ticket, TicketState

Conn = psycopg.Connection[Any]
Cursor = psycopg.AsyncCursor[Any]


@dataclass(frozen=True)
class TicketRow:
    """A ticket with what the domain does not hold: its customer and version."""

    ticket: Ticket
    customer_id: str
    version: int


@dataclass(frozen=True)
class CapaRow:
    capa: Capa
    version: int


TICKET_COLUMNS = (
    "ticket_id, subject, opened_on, informed, department, state, assignee,"
    " first_assigned_on, assigned_on, resolution, resolved_on, resolutions,"
    " verified_on, reopened_on, revisits, customer_id, version, form, items"
)
CAPA_COLUMNS = (
    "capa_id, subject, owner, action, opened_on, due_date, state, verified_on,"
    " evidence, version"
)
REVISIT_COLUMNS = (
    "record_no, ticket_id, customer_id, visited_on, product_quality,"
    " service_quality, cause_event_id, correlation_id"
)

LOCK_TICKET = (
    f"SELECT {TICKET_COLUMNS} FROM ticket_states WHERE ticket_id = %s FOR UPDATE"
)
INSERT_TICKET = """
INSERT INTO ticket_states (ticket_id, customer_id, subject, department, informed,
    opened_on, state, form, items, resolutions, revisits, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, '{}', 1)
ON CONFLICT (ticket_id) DO NOTHING
"""
UPDATE_TICKET = """
UPDATE ticket_states SET department = %s, state = %s, assignee = %s,
    first_assigned_on = %s, assigned_on = %s, resolution = %s, resolved_on = %s,
    resolutions = %s, verified_on = %s, reopened_on = %s, revisits = %s,
    version = version + 1
WHERE ticket_id = %s RETURNING version
"""
KNOWN_TICKETS = "SELECT ticket_id FROM ticket_states WHERE ticket_id = ANY(%s)"
LOCK_CAPA = f"SELECT {CAPA_COLUMNS} FROM capa_states WHERE capa_id = %s FOR UPDATE"
INSERT_CAPA = """
INSERT INTO capa_states (capa_id, subject, owner, action, opened_on, due_date,
    state, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, 1)
"""
UPDATE_CAPA = """
UPDATE capa_states SET state = %s, verified_on = %s, evidence = %s,
    version = version + 1
WHERE capa_id = %s RETURNING version
"""
INSERT_REVISIT = f"""
INSERT INTO pending_revisits ({REVISIT_COLUMNS})
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (record_no) DO NOTHING
"""
PENDING = f"""
SELECT {REVISIT_COLUMNS} FROM pending_revisits
WHERE ticket_id = %s AND NOT settled
"""
SETTLED = "UPDATE pending_revisits SET settled = true WHERE record_no = %s"
# Tickets with a breach maybe not announced yet (there are two kinds).
UNANNOUNCED = f"""
SELECT {TICKET_COLUMNS},
    ARRAY(SELECT breach FROM sla_announcements a WHERE a.ticket_id = t.ticket_id)
FROM ticket_states t
WHERE (SELECT count(*) FROM sla_announcements a WHERE a.ticket_id = t.ticket_id) < 2
ORDER BY ticket_id
FOR UPDATE OF t
"""
ANNOUNCED = """
INSERT INTO sla_announcements (ticket_id, breach, announced_on) VALUES (%s, %s, %s)
ON CONFLICT DO NOTHING RETURNING breach
"""


def ticket_from(row: Sequence[Any]) -> TicketRow:
    """A row starting with `TICKET_COLUMNS` as the domain's ticket."""
    ticket = Ticket(
        ticket_id=row[0],
        subject=ComplaintSubject(row[1]),
        opened_on=row[2],
        informed=tuple(Department(d) for d in row[3]),
        department=Department(row[4]),
        state=TicketState(row[5]),
        assignee=row[6],
        first_assigned_on=row[7],
        assigned_on=row[8],
        resolution=row[9],
        resolved_on=row[10],
        resolutions=row[11],
        verified_on=row[12],
        reopened_on=row[13],
        revisits=tuple(row[14]),
        form=FeedbackForm(row[17]),
        items=tuple(row[18]),
    )
    return TicketRow(ticket, row[15], row[16])


def ticket_params(ticket: Ticket) -> tuple[Any, ...]:
    """The parameters of `UPDATE_TICKET` for a ticket after a transition."""
    return (
        ticket.department,
        ticket.state,
        ticket.assignee,
        ticket.first_assigned_on,
        ticket.assigned_on,
        ticket.resolution,
        ticket.resolved_on,
        ticket.resolutions,
        ticket.verified_on,
        ticket.reopened_on,
        list(ticket.revisits),
        ticket.ticket_id,
    )


def capa_from(row: Sequence[Any]) -> CapaRow:
    """A row starting with `CAPA_COLUMNS` as the domain's CAPA."""
    capa = Capa(
        capa_id=row[0],
        subject=ComplaintSubject(row[1]),
        owner=Department(row[2]),
        action=row[3],
        opened_on=row[4],
        due_date=row[5],
        state=CapaState(row[6]),
        verified_on=row[7],
        evidence=row[8],
    )
    return CapaRow(capa, row[9])


def revisit_from(row: Sequence[Any]) -> Revisit:
    return Revisit(
        record_no=row[0],
        ticket_id=row[1],
        customer_id=row[2],
        visited_on=row[3],
        product_quality=Rating(row[4]) if row[4] else None,
        service_quality=Rating(row[5]) if row[5] else None,
        cause_event_id=row[6],
        correlation_id=row[7],
    )


def _new_ticket(ticket: Ticket, customer_id: str) -> tuple[Any, ...]:
    return (
        ticket.ticket_id,
        customer_id,
        ticket.subject,
        ticket.department,
        list(ticket.informed),
        ticket.opened_on,
        ticket.state,
        ticket.form,
        list(ticket.items),
    )


def _revisit_params(r: Revisit) -> tuple[Any, ...]:
    return (
        r.record_no,
        r.ticket_id,
        r.customer_id,
        r.visited_on,
        r.product_quality,
        r.service_quality,
        r.cause_event_id,
        r.correlation_id,
    )


# Commands and the SLA sweep: a sync connection inside the caller's transaction.


def lock_ticket(conn: Conn, ticket_id: str) -> TicketRow | None:
    """The ticket, locked until the transaction ends; None if unknown."""
    row = conn.execute(LOCK_TICKET, (ticket_id,)).fetchone()
    return ticket_from(row) if row else None


def save_ticket(conn: Conn, ticket: Ticket) -> int:
    """Store a ticket after a transition; its new version."""
    row = conn.execute(UPDATE_TICKET, ticket_params(ticket)).fetchone()
    assert row is not None
    return int(row[0])


def known_tickets(conn: Conn, ticket_ids: list[str]) -> set[str]:
    """Which of these ticket ids exist."""
    return {r[0] for r in conn.execute(KNOWN_TICKETS, (ticket_ids,)).fetchall()}


def lock_capa(conn: Conn, capa_id: str) -> CapaRow | None:
    row = conn.execute(LOCK_CAPA, (capa_id,)).fetchone()
    return capa_from(row) if row else None


def insert_capa(conn: Conn, capa: Capa) -> None:
    conn.execute(
        INSERT_CAPA,
        (
            capa.capa_id,
            capa.subject,
            capa.owner,
            capa.action,
            capa.opened_on,
            capa.due_date,
            capa.state,
        ),
    )


def save_capa(conn: Conn, capa: Capa) -> int:
    row = conn.execute(
        UPDATE_CAPA, (capa.state, capa.verified_on, capa.evidence, capa.capa_id)
    ).fetchone()
    assert row is not None
    return int(row[0])


def pending_revisits(conn: Conn, ticket_id: str) -> list[Revisit]:
    """The ticket's re-visits not settled yet."""
    return [revisit_from(r) for r in conn.execute(PENDING, (ticket_id,)).fetchall()]


def mark_settled(conn: Conn, record_no: str) -> None:
    conn.execute(SETTLED, (record_no,))


def lock_unannounced(conn: Conn) -> list[tuple[TicketRow, frozenset[SlaBreach]]]:
    """Every ticket that may have a breach to announce, locked, with the
    breaches announced already."""
    rows = conn.execute(UNANNOUNCED).fetchall()
    return [(ticket_from(r), frozenset(SlaBreach(b) for b in r[-1])) for r in rows]


def announce(conn: Conn, ticket_id: str, breach: SlaBreach, on: date) -> bool:
    """Record the announcement of a breach; False when made already."""
    return conn.execute(ANNOUNCED, (ticket_id, breach, on)).fetchone() is not None


# Event reactions: an async cursor inside the consumer's batch transaction.


async def insert_ticket(cur: Cursor, ticket: Ticket, customer_id: str) -> bool:
    """Store a newly opened ticket unless it exists; whether it was new."""
    await cur.execute(INSERT_TICKET, _new_ticket(ticket, customer_id))
    return cur.rowcount == 1


async def lock_ticket_async(cur: Cursor, ticket_id: str) -> TicketRow | None:
    await cur.execute(LOCK_TICKET, (ticket_id,))
    row = await cur.fetchone()
    return ticket_from(row) if row else None


async def save_ticket_async(cur: Cursor, ticket: Ticket) -> int:
    await cur.execute(UPDATE_TICKET, ticket_params(ticket))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def add_revisit(cur: Cursor, revisit: Revisit) -> None:
    """Keep a re-visit record as pending (once per record number)."""
    await cur.execute(INSERT_REVISIT, _revisit_params(revisit))


async def pending_revisits_async(cur: Cursor, ticket_id: str) -> list[Revisit]:
    await cur.execute(PENDING, (ticket_id,))
    return [revisit_from(r) for r in await cur.fetchall()]


async def mark_settled_async(cur: Cursor, record_no: str) -> None:
    await cur.execute(SETTLED, (record_no,))
