"""Reading the reporting tables into the domain's rows.

The SQL only selects by date so that a report reads no more than it needs;
what counts as planned, done, late, open... is decided in `domain/`.
"""

from datetime import date
from typing import Any

import psycopg

from schemas.types import AttemptFailure, PostWarrantyService, Rating, VisitKind
from services.reporting.domain.complaints import Capa, Step, Ticket, TicketStep
from services.reporting.domain.records import UNKNOWN, Bounds, VisitRecord
from services.reporting.domain.satisfaction import DayScores
from services.reporting.domain.visits import PlannedVisit

Connection = psycopg.Connection[Any]

# The record's own product model and region first; else what the schedule
# planned the visit with; else what the ledger knows of the unit and customer.
RECORDS = """
SELECT r.record_no, r.customer_id, r.visit_id, r.kind, r.visited_on, r.score,
       r.product_quality, r.service_quality,
       COALESCE(r.product_model, v.product_model, u.product_model),
       COALESCE(r.region, v.region, c.region),
       r.suggestions, r.needs, r.post_warranty_service, v.latest_date
FROM visit_records r
LEFT JOIN visits v ON v.visit_id = r.visit_id
LEFT JOIN units u ON u.unit_id = COALESCE(r.unit_id, v.unit_id)
LEFT JOIN customers c ON c.customer_id = r.customer_id
WHERE r.visited_on BETWEEN %s AND %s
ORDER BY r.visited_on, r.record_no
"""
VISITS = """
SELECT visit_id, due_date, overdue_on, cancelled FROM visits
WHERE due_date BETWEEN %(start)s AND %(end)s
   OR overdue_on BETWEEN %(start)s AND %(end)s
"""
ATTEMPTS = """
SELECT attempted_on, reason FROM failed_attempts
WHERE attempted_on BETWEEN %s AND %s
"""
# A ticket whose last step is a verification dated before the period adds
# nothing to it (neither activity nor an open ticket at its end): skipped.
TICKETS = """
SELECT t.ticket_id, t.department, t.opened_on,
       COALESCE(array_agg(s.step ORDER BY s.seq) FILTER (WHERE s.seq IS NOT NULL),
                '{}'),
       COALESCE(array_agg(s.on_date ORDER BY s.seq) FILTER (WHERE s.seq IS NOT NULL),
                '{}')
FROM tickets t LEFT JOIN ticket_steps s ON s.ticket_id = t.ticket_id
WHERE t.opened_on <= %(end)s
GROUP BY t.ticket_id
HAVING t.opened_on >= %(start)s
    OR COALESCE(max(s.on_date) >= %(start)s, true)
    OR (array_agg(s.step ORDER BY s.on_date DESC, s.seq DESC))[1] <> 'verified'
"""
CAPAS = """
SELECT capa_id, owner, opened_on, verified_on FROM capas
WHERE (opened_on IS NULL OR opened_on <= %(end)s)
  AND (verified_on IS NULL OR verified_on >= %(start)s)
"""
SCORES = """
SELECT visited_on, kind, sum(score), count(*) FROM visit_records
WHERE visited_on BETWEEN %s AND %s GROUP BY visited_on, kind
"""
CUSTOMER_NAMES = """
SELECT customer_id, customer_name FROM customers
WHERE customer_id = ANY(%s) AND customer_name IS NOT NULL
"""
ACTIVE_DAYS = """
SELECT visited_on FROM visit_records
UNION SELECT attempted_on FROM failed_attempts
UNION SELECT overdue_on FROM visits WHERE overdue_on IS NOT NULL
UNION SELECT opened_on FROM tickets WHERE opened_on IS NOT NULL
UNION SELECT on_date FROM ticket_steps
UNION SELECT opened_on FROM capas WHERE opened_on IS NOT NULL
UNION SELECT verified_on FROM capas WHERE verified_on IS NOT NULL
"""


def records(conn: Connection, bounds: Bounds) -> list[VisitRecord]:
    """The visit records dated in the period."""
    return [
        VisitRecord(
            record_no=r[0],
            customer_id=r[1],
            visit_id=r[2],
            kind=VisitKind(r[3]),
            visited_on=r[4],
            score=r[5],
            product_quality=Rating(r[6]) if r[6] else None,
            service_quality=Rating(r[7]) if r[7] else None,
            product_model=r[8],
            region=r[9],
            suggestions=r[10],
            needs=r[11],
            post_warranty_service=tuple(PostWarrantyService(s) for s in r[12]),
            latest_date=r[13],
        )
        for r in conn.execute(RECORDS, bounds).fetchall()
    ]


def visits(conn: Connection, bounds: Bounds) -> list[PlannedVisit]:
    """Visits due, or announced overdue, in the period."""
    rows = conn.execute(VISITS, {"start": bounds[0], "end": bounds[1]}).fetchall()
    return [PlannedVisit(*row) for row in rows]


def failures(conn: Connection, bounds: Bounds) -> list[tuple[date, AttemptFailure]]:
    """Failed attempts dated in the period, with their reasons."""
    rows = conn.execute(ATTEMPTS, bounds).fetchall()
    return [(on, AttemptFailure(reason)) for on, reason in rows]


def tickets(conn: Connection, bounds: Bounds) -> list[Ticket]:
    """Tickets that may count in the period, each with its steps in order."""
    rows = conn.execute(TICKETS, {"start": bounds[0], "end": bounds[1]}).fetchall()
    return [
        Ticket(
            ticket_id=ticket_id,
            department=department or UNKNOWN,
            opened_on=opened_on,
            steps=tuple(
                TicketStep(Step(s), on) for s, on in zip(steps, days, strict=True)
            ),
        )
        for ticket_id, department, opened_on, steps, days in rows
    ]


def capas(conn: Connection, bounds: Bounds) -> list[Capa]:
    """CAPAs opened by the period's end and not verified before it began."""
    rows = conn.execute(CAPAS, {"start": bounds[0], "end": bounds[1]}).fetchall()
    return [Capa(*row) for row in rows]


def day_scores(conn: Connection, first: date, last: date) -> list[DayScores]:
    """Scores summed per day and kind from `first` to `last`."""
    rows = conn.execute(SCORES, (first, last)).fetchall()
    return [
        DayScores(day, VisitKind(kind), int(total), n) for day, kind, total, n in rows
    ]


def customer_names(conn: Connection, customer_ids: list[str]) -> dict[str, str]:
    """Names the ledger knows for these customers."""
    return dict(conn.execute(CUSTOMER_NAMES, (customer_ids,)).fetchall())


def active_days(conn: Connection) -> list[date]:
    """Every day on which something the report counts happened."""
    return [row[0] for row in conn.execute(ACTIVE_DAYS).fetchall()]
