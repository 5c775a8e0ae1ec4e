"""The survey's command side: recorded visits, record-number counters and
failed attempts, in the store schema (authoritative, never rebuilt).

Every function runs inside a command's transaction (kit `run_command`), which
also writes the command's events to the outbox: a number is taken if and
only if its event is committed, and a refused command takes nothing.
"""

from typing import Any
from uuid import UUID

import psycopg

Conn = psycopg.Connection[Any]

# Commands on one visit run one at a time (a record and an attempt, or two
# replicas), until their transaction ends; a crash releases the lock too.
LOCK_VISIT = "SELECT pg_advisory_xact_lock(hashtext('survey.visit'), hashtext(%s))"

NEXT_RECORD_SEQ = """
INSERT INTO record_counters (month, last) VALUES (%s, 1)
ON CONFLICT (month) DO UPDATE SET last = record_counters.last + 1
RETURNING last
"""


def lock_visit(conn: Conn, visit_id: str) -> None:
    """Serialise the commands on a visit until this transaction ends."""
    conn.execute(LOCK_VISIT, (visit_id,))


def record_of(conn: Conn, visit_id: str) -> str | None:
    """The number of the visit's record, if it has one."""
    row = conn.execute(
        "SELECT record_no FROM recorded_visits WHERE visit_id = %s", (visit_id,)
    ).fetchone()
    return str(row[0]) if row else None


def next_record_seq(conn: Conn, month: str) -> int:
    """Take the next record sequence number of a month (1, 2, …)."""
    row = conn.execute(NEXT_RECORD_SEQ, (month,)).fetchone()
    assert row is not None  # RETURNING always yields the row
    return int(row[0])


def add_record(conn: Conn, visit_id: str, record_no: str) -> None:
    """The visit has its record."""
    conn.execute(
        "INSERT INTO recorded_visits (visit_id, record_no) VALUES (%s, %s)",
        (visit_id, record_no),
    )


def attempts_made(conn: Conn, visit_id: str) -> int:
    """How many failed attempts the visit has."""
    row = conn.execute(
        "SELECT count(*) FROM failed_attempts WHERE visit_id = %s", (visit_id,)
    ).fetchone()
    return int(row[0]) if row else 0


def add_attempt(conn: Conn, visit_id: str, attempt_no: int, event_id: UUID) -> None:
    """Count a failed attempt of the visit."""
    conn.execute(
        "INSERT INTO failed_attempts (visit_id, attempt_no, event_id)"
        " VALUES (%s, %s, %s)",
        (visit_id, attempt_no, event_id),
    )
