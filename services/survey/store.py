"""What the API reads and reserves in the survey's schema before it appends.

Replicas share the schema, so the reservations here are what keeps two of
them from recording one visit twice or handing out one number twice: a claim
row per visit (the first insert wins) and a counter row per month or visit,
advanced by one atomic upsert. A number taken for a record that then fails
to append is not given back: the broker may have written the record and lost
only its acknowledgement, and a gap in the sequence is harmless where a
duplicate is not.
"""

from datetime import date
from typing import Any

import psycopg

from schemas.types import Channel, VisitKind
from services.survey.domain.numbering import format_record_no, period_of
from services.survey.recording import Visit

Conn = psycopg.Connection[Any]

NEXT = """
INSERT INTO counters (key, last) VALUES (%s, 1)
ON CONFLICT (key) DO UPDATE SET last = counters.last + 1
RETURNING last
"""


def record_counter(period: str) -> str:
    """The counter of a month's record numbers."""
    return f"HF-{period}"


def attempt_counter(visit_id: str) -> str:
    """The counter of a visit's failed attempts."""
    return f"attempt:{visit_id}"


def load_visit(conn: Conn, visit_id: str) -> Visit | None:
    """The visit as the schedule topic described it, or None if unknown."""
    row = conn.execute(
        "SELECT v.visit_id, v.customer_id, v.kind, v.status, v.channel, v.unit_id,"
        " v.order_id, v.store_id, v.ticket_id, v.region, v.product_model,"
        " c.visit_id IS NOT NULL"
        " FROM visits v LEFT JOIN visit_claims c USING (visit_id)"
        " WHERE v.visit_id = %s",
        (visit_id,),
    ).fetchone()
    if row is None:
        return None
    status = "claimed" if row[11] and row[3] != "done" else row[3]
    return Visit(
        visit_id=row[0],
        customer_id=row[1],
        kind=VisitKind(row[2]) if row[2] else None,
        status=status,
        channel=Channel(row[4]) if row[4] else None,
        unit_id=row[5],
        order_id=row[6],
        store_id=row[7],
        ticket_id=row[8],
        region=row[9],
        product_model=row[10],
    )


def next_number(conn: Conn, key: str) -> int:
    """Take the next number of a counter (1, 2, …), atomically across replicas."""
    row = conn.execute(NEXT, (key,)).fetchone()
    assert row is not None  # RETURNING always yields the row
    return int(row[0])


def claim_visit(conn: Conn, visit_id: str, visited_on: date) -> str | None:
    """Claim the visit for one record and take its month's next record number.

    One transaction: when another record claimed the visit first, the claim
    and the number are both rolled back and None is returned.
    """
    record_no = None
    with conn.transaction():
        seq = next_number(conn, record_counter(period_of(visited_on)))
        record_no = format_record_no(visited_on, seq)
        claimed = conn.execute(
            "INSERT INTO visit_claims (visit_id, record_no) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING RETURNING visit_id",
            (visit_id, record_no),
        ).fetchone()
        if claimed is None:
            raise psycopg.Rollback
    return record_no if claimed else None


def release_visit(conn: Conn, visit_id: str, record_no: str) -> None:
    """Drop a claim whose record never reached the log, so it can be retried."""
    conn.execute(
        "DELETE FROM visit_claims WHERE visit_id = %s AND record_no = %s",
        (visit_id, record_no),
    )
