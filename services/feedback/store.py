"""Tickets and CAPAs between their rows and the pure domain's dataclasses.

The projection (async cursor) and the API (sync connection) both load a
ticket as the domain's `Ticket`; the SQL and the row mapping live here once.
"""

from dataclasses import dataclass
from typing import Any

import psycopg

from schemas.types import ComplaintSubject, Department
from services.feedback.domain.capa import Capa, CapaState
from services.feedback.domain.tickets import Ticket, TicketState

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class TicketRow:
    """A ticket with what the domain does not hold: its customer and version."""

    ticket: Ticket
    customer_id: str
    version: int
    overdue_announced: tuple[str, ...] = ()


@dataclass(frozen=True)
class CapaRow:
    capa: Capa
    source_period: str | None
    ticket_ids: tuple[str, ...]
    version: int


TICKET_COLUMNS = (
    "ticket_id, subject, opened_on, informed, department, state, assignee,"
    " first_assigned_on, assigned_on, resolution, resolved_on, resolutions,"
    " verified_on, reopened_on, revisits, customer_id, version, overdue_announced"
)
SELECT_TICKET = f"SELECT {TICKET_COLUMNS} FROM tickets"
UPDATE_TICKET = (
    "UPDATE tickets SET department = %s, state = %s, assignee = %s,"
    " first_assigned_on = %s, assigned_on = %s, resolution = %s, resolved_on = %s,"
    " resolutions = %s, verified_on = %s, reopened_on = %s, revisits = %s,"
    " version = version + 1 WHERE ticket_id = %s RETURNING version"
)
CAPA_COLUMNS = (
    "capa_id, subject, owner, action, opened_on, due_date, state, verified_on,"
    " evidence, source_period, ticket_ids, version"
)
SELECT_CAPA = f"SELECT {CAPA_COLUMNS} FROM capas"


def ticket_from(row: tuple[Any, ...]) -> TicketRow:
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
    )
    return TicketRow(ticket, row[15], row[16], tuple(row[17]))


def ticket_state(ticket: Ticket) -> tuple[Any, ...]:
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


def capa_from(row: tuple[Any, ...]) -> CapaRow:
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
    return CapaRow(capa, row[9], tuple(row[10]), row[11])


def load_ticket(conn: Conn, ticket_id: str) -> TicketRow | None:
    """The ticket as the read model has it, or None."""
    row = conn.execute(SELECT_TICKET + " WHERE ticket_id = %s", (ticket_id,)).fetchone()
    return ticket_from(row) if row else None


def load_capa(conn: Conn, capa_id: str) -> CapaRow | None:
    """The CAPA as the read model has it, or None."""
    row = conn.execute(SELECT_CAPA + " WHERE capa_id = %s", (capa_id,)).fetchone()
    return capa_from(row) if row else None


def claim(conn: Conn, entity_id: str, version: int) -> bool:
    """Reserve the event that makes `version` of a ticket or CAPA.

    False when another command (or replica) reserved it first: the caller
    validated against a state that is no longer the latest.
    """
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO claims (entity_id, version) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING RETURNING version",
            (entity_id, version),
        ).fetchone()
    return row is not None


def release(conn: Conn, entity_id: str, version: int) -> None:
    """Free a reservation whose event never reached the log."""
    with conn.transaction():
        conn.execute(
            "DELETE FROM claims WHERE entity_id = %s AND version = %s",
            (entity_id, version),
        )


def claim_overdue(conn: Conn, ticket_id: str, breach: str) -> bool:
    """Reserve the announcement of a ticket's breach; False if made already."""
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO overdue_claims (ticket_id, breach) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING RETURNING breach",
            (ticket_id, breach),
        ).fetchone()
    return row is not None


def release_overdue(conn: Conn, ticket_id: str, breach: str) -> None:
    """Free an announcement that never reached the log."""
    with conn.transaction():
        conn.execute(
            "DELETE FROM overdue_claims WHERE ticket_id = %s AND breach = %s",
            (ticket_id, breach),
        )


def known_tickets(conn: Conn, ticket_ids: list[str]) -> set[str]:
    """Which of these ticket ids the read model knows."""
    rows = conn.execute(
        "SELECT ticket_id FROM tickets WHERE ticket_id = ANY(%s)", (ticket_ids,)
    ).fetchall()
    return {r[0] for r in rows}
