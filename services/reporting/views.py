"""The reporting read model's statements, every one of them, in one place.

Writes (async, for the projection) upsert the row of a fact's own identity
and set only the columns that fact knows, so a redelivered fact (even under a
new event id) changes nothing and facts of one visit or ticket may arrive in
any order across topics; a later fact of the same kind for the same row is a
correction and wins. A visit's copy is the exception: its lifecycle is the
domain's (`domain/visit_copies.py`), so it is read, evolved and written whole.

Reads (sync, for the report) only select by date, so that a report reads no
more than it needs; what counts as planned, done, late, open... is decided in
`domain/`.
"""

from dataclasses import astuple, fields
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg import sql

from schemas.catalogue import AnyEvent
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
from schemas.ledger import ContractRegistered, Delivered, Shipped
from schemas.reporting import ReportReviewed
from schemas.survey import VisitAttemptFailed, VisitCompleted
from schemas.types import (
    AttemptFailure,
    ComplaintSubject,
    FeedbackForm,
    PostWarrantyService,
    Rating,
    ReportPart,
    SlaBreach,
    VisitKind,
)
from services.kit.projection import Cursor
from services.reporting.domain.complaints import (
    Capa,
    Step,
    Ticket,
    TicketStep,
    form_of,
)
from services.reporting.domain.records import (
    UNKNOWN,
    Bounds,
    VisitRecord,
    retail_service_quality,
)
from services.reporting.domain.reviews import Review
from services.reporting.domain.satisfaction import TAG_AXES, DayScores
from services.reporting.domain.sla import Breach
from services.reporting.domain.visit_copies import VisitCopy, evolve, visit_id_of
from services.reporting.domain.visits import overdue_window

Connection = psycopg.Connection[Any]

VISIT_COLUMNS = ", ".join(f.name for f in fields(VisitCopy))

# -- writes (the projection) ---------------------------------------------------

VISIT_OF = f"SELECT {VISIT_COLUMNS} FROM visits WHERE visit_id = %s FOR UPDATE"
VISIT_UPSERT = (
    f"INSERT INTO visits ({VISIT_COLUMNS})"
    f" VALUES ({', '.join(['%s'] * len(fields(VisitCopy)))})"
    " ON CONFLICT (visit_id) DO UPDATE SET "
    + ", ".join(f"{f.name} = EXCLUDED.{f.name}" for f in fields(VisitCopy)[1:])
)
RECORD = """
INSERT INTO visit_records (record_no, customer_id, visit_id, kind, visited_on,
    visitor, channel, product_quality, service_quality, score, suggestions, needs,
    post_warranty_service, unit_id, order_id, store_id, ticket_id, product_model,
    region, opportunities)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
    %s)
ON CONFLICT (record_no) DO UPDATE SET customer_id = EXCLUDED.customer_id,
    visit_id = EXCLUDED.visit_id, kind = EXCLUDED.kind,
    visited_on = EXCLUDED.visited_on, visitor = EXCLUDED.visitor,
    channel = EXCLUDED.channel, product_quality = EXCLUDED.product_quality,
    service_quality = EXCLUDED.service_quality, score = EXCLUDED.score,
    suggestions = EXCLUDED.suggestions, needs = EXCLUDED.needs,
    post_warranty_service = EXCLUDED.post_warranty_service,
    unit_id = EXCLUDED.unit_id, order_id = EXCLUDED.order_id,
    store_id = EXCLUDED.store_id, ticket_id = EXCLUDED.ticket_id,
    product_model = EXCLUDED.product_model, region = EXCLUDED.region,
    opportunities = EXCLUDED.opportunities
"""
ATTEMPT = """
INSERT INTO failed_attempts (visit_id, attempt_no, customer_id, attempted_on, reason)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (visit_id, attempt_no) DO UPDATE SET
    attempted_on = EXCLUDED.attempted_on, reason = EXCLUDED.reason
"""
# An assignment applied before the opening (never on one partition, but
# cheap to allow) is the newer routing: the opening does not override it.
TICKET_OPENED = """
INSERT INTO tickets (ticket_id, customer_id, complaint_id, subject, department,
    opened_on, visit_id, record_no, form)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (ticket_id) DO UPDATE SET complaint_id = EXCLUDED.complaint_id,
    form = EXCLUDED.form,
    subject = EXCLUDED.subject, opened_on = EXCLUDED.opened_on,
    visit_id = EXCLUDED.visit_id, record_no = EXCLUDED.record_no,
    department = COALESCE(tickets.department, EXCLUDED.department)
"""
TICKET_ROUTED = """
INSERT INTO tickets (ticket_id, customer_id, department) VALUES (%s, %s, %s)
ON CONFLICT (ticket_id) DO UPDATE SET department = EXCLUDED.department
"""
TICKET_STEP = """
INSERT INTO ticket_steps (ticket_id, step, on_date, record_no) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""
CAPA_OPENED = """
INSERT INTO capas (capa_id, subject, owner, opened_on, due_date, source_period,
    review_id)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (capa_id) DO UPDATE SET subject = EXCLUDED.subject,
    review_id = EXCLUDED.review_id,
    owner = EXCLUDED.owner, opened_on = EXCLUDED.opened_on,
    due_date = EXCLUDED.due_date, source_period = EXCLUDED.source_period
"""
CAPA_VERIFIED = """
INSERT INTO capas (capa_id, verified_on) VALUES (%s, %s)
ON CONFLICT (capa_id) DO UPDATE SET verified_on = EXCLUDED.verified_on
"""
# A breach is announced once per ticket and kind; a redelivery, or the same
# breach announced again, keeps the first announcement.
SLA_BREACH = """
INSERT INTO sla_breaches (ticket_id, breach, department, subject, deadline,
    announced_on)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (ticket_id, breach) DO NOTHING
"""
UNIT = """
INSERT INTO units (unit_id, customer_id, product_model, contract_id)
VALUES (%s, %s, %s, %s)
ON CONFLICT (unit_id) DO UPDATE SET product_model = EXCLUDED.product_model,
    contract_id = EXCLUDED.contract_id
"""
CUSTOMER = """
INSERT INTO customers (customer_id, customer_name, region) VALUES (%s, %s, %s)
ON CONFLICT (customer_id) DO UPDATE SET
    customer_name = COALESCE(EXCLUDED.customer_name, customers.customer_name),
    region = COALESCE(EXCLUDED.region, customers.region)
"""
# A contract's tags are the customer's as of its latest contract.
CONTRACT = """
INSERT INTO contracts (contract_id, customer_id, company) VALUES (%s, %s, %s)
ON CONFLICT (contract_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,
    company = EXCLUDED.company
"""
CUSTOMER_TAGS = f"""
UPDATE customers SET {", ".join(f"{axis} = %s" for axis in TAG_AXES)}
WHERE customer_id = %s
"""
REVIEW = """
INSERT INTO reviews (review_id, period, part, company, reviewer, reviewed_on,
    capa_needed, reason)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (review_id) DO UPDATE SET period = EXCLUDED.period,
    part = EXCLUDED.part, company = EXCLUDED.company,
    reviewer = EXCLUDED.reviewer, reviewed_on = EXCLUDED.reviewed_on,
    capa_needed = EXCLUDED.capa_needed, reason = EXCLUDED.reason
"""


async def apply_visit_fact(cur: Cursor, event: AnyEvent) -> None:
    """A visit planned, moved, cancelled or gone overdue: the copy evolves by
    `domain/visit_copies.py` and is written whole."""
    visit_id = visit_id_of(event)
    if visit_id is None:
        return
    await cur.execute(VISIT_OF, (visit_id,))
    row = await cur.fetchone()
    copy = VisitCopy(*row) if row else None
    evolved = evolve(copy, event)
    if evolved is not None and evolved != copy:
        await cur.execute(VISIT_UPSERT, astuple(evolved))


async def apply_record(cur: Cursor, event: VisitCompleted) -> None:
    """A visit record, with what the report classifies it by; a retail
    record's service quality by the retail standard (`domain/records.py`)."""
    p = event.payload
    service_quality = (
        retail_service_quality(p.service_quality, p.answers)
        if p.kind is VisitKind.RETAIL_FOLLOWUP
        else p.service_quality
    )
    await cur.execute(
        RECORD,
        (
            p.record_no,
            p.customer_id,
            p.visit_id,
            p.kind,
            p.visited_on,
            p.visitor,
            p.channel,
            p.product_quality,
            service_quality,
            p.score,
            p.suggestions,
            p.needs,
            [s.value for s in p.post_warranty_service],
            p.unit_id,
            p.order_id,
            p.store_id,
            p.ticket_id,
            p.product_model,
            p.region,
            p.opportunities,
        ),
    )


async def apply_attempt(cur: Cursor, event: VisitAttemptFailed) -> None:
    """A failed attempt, with its reason."""
    p = event.payload
    await cur.execute(
        ATTEMPT, (p.visit_id, p.attempt_no, p.customer_id, p.attempted_on, p.reason)
    )


async def apply_ticket_opened(cur: Cursor, event: TicketOpened) -> None:
    """A complaint's ticket opened."""
    p = event.payload
    await cur.execute(
        TICKET_OPENED,
        (
            p.ticket_id,
            p.customer_id,
            p.complaint_id,
            p.subject,
            p.department,
            p.opened_on,
            p.visit_id,
            p.record_no,
            p.form,
        ),
    )


async def apply_ticket_assigned(cur: Cursor, event: TicketAssigned) -> None:
    """A ticket routed to a department."""
    p = event.payload
    await cur.execute(TICKET_ROUTED, (p.ticket_id, p.customer_id, p.department))


async def apply_ticket_resolved(cur: Cursor, event: TicketResolved) -> None:
    """A ticket resolved, by the department that resolved it."""
    p = event.payload
    await cur.execute(TICKET_ROUTED, (p.ticket_id, p.customer_id, p.department))
    await cur.execute(TICKET_STEP, (p.ticket_id, Step.RESOLVED, p.resolved_on, ""))


async def apply_ticket_verified(cur: Cursor, event: TicketVerified) -> None:
    """A re-visit that closed the ticket."""
    p = event.payload
    await cur.execute(
        TICKET_STEP, (p.ticket_id, Step.VERIFIED, p.verified_on, p.record_no)
    )


async def apply_ticket_reopened(cur: Cursor, event: TicketReopened) -> None:
    """A re-visit that reopened the ticket."""
    p = event.payload
    await cur.execute(
        TICKET_STEP, (p.ticket_id, Step.REOPENED, p.reopened_on, p.record_no)
    )


async def apply_capa_opened(cur: Cursor, event: CapaOpened) -> None:
    """A corrective/preventive action opened by a review."""
    p = event.payload
    await cur.execute(
        CAPA_OPENED,
        (
            p.capa_id,
            p.subject,
            p.owner,
            p.opened_on,
            p.due_date,
            p.source_period,
            p.review_id,
        ),
    )


async def apply_capa_verified(cur: Cursor, event: CapaVerified) -> None:
    """A CAPA verified."""
    p = event.payload
    await cur.execute(CAPA_VERIFIED, (p.capa_id, p.verified_on))


async def apply_ticket_overdue(cur: Cursor, event: TicketOverdue) -> None:
    """A ticket missed its assignment or resolution deadline."""
    p = event.payload
    await cur.execute(
        SLA_BREACH,
        (p.ticket_id, p.breach, p.department, p.subject, p.deadline, p.announced_on),
    )


async def apply_unit(cur: Cursor, event: Shipped) -> None:
    """A unit's product model, for records that name none."""
    p = event.payload
    await cur.execute(UNIT, (p.unit_id, p.customer_id, p.product_model, p.contract_id))


async def apply_customer(cur: Cursor, event: ContractRegistered | Delivered) -> None:
    """A customer's name and region, when the fact names them."""
    p = event.payload
    await cur.execute(CUSTOMER, (p.customer_id, p.customer_name, p.region))


async def apply_contract(cur: Cursor, event: ContractRegistered) -> None:
    """A customer's name, region and tags, and the contract's company."""
    p = event.payload
    await apply_customer(cur, event)
    await cur.execute(CONTRACT, (p.contract_id, p.customer_id, p.company))
    tags = p.tags.model_dump(mode="json")
    await cur.execute(
        CUSTOMER_TAGS, (*(tags.get(axis) for axis in TAG_AXES), p.customer_id)
    )


async def apply_review(cur: Cursor, event: ReportReviewed) -> None:
    """A review of a part of a monthly report."""
    p = event.payload
    await cur.execute(
        REVIEW,
        (
            p.review_id,
            p.period,
            p.part,
            p.company,
            p.reviewer,
            p.reviewed_on,
            p.capa_needed,
            p.reason,
        ),
    )


# -- reads (the report) --------------------------------------------------------

# The record's own product model and region first; else what the schedule
# planned the visit with; else what the ledger knows of the unit and customer.
RECORDS = """
SELECT r.record_no, r.customer_id, r.visit_id, r.kind, r.visited_on, r.score,
       r.product_quality, r.service_quality,
       COALESCE(r.product_model, v.product_model, u.product_model),
       COALESCE(r.region, v.region, c.region),
       r.suggestions, r.needs, r.post_warranty_service, v.latest_date,
       COALESCE(k.company, (
           SELECT CASE WHEN count(DISTINCT o.company) = 1 THEN min(o.company) END
           FROM contracts o WHERE o.customer_id = r.customer_id)),
       c.strength, c.decision_maker, c.interest, c.cooperation,
       r.channel, r.opportunities
FROM visit_records r
LEFT JOIN visits v ON v.visit_id = r.visit_id
LEFT JOIN units u ON u.unit_id = COALESCE(r.unit_id, v.unit_id)
LEFT JOIN contracts k ON k.contract_id = u.contract_id
LEFT JOIN customers c ON c.customer_id = r.customer_id
WHERE r.visited_on BETWEEN %s AND %s
ORDER BY r.visited_on, r.record_no
"""
# Overdue: by latest date, `domain/visits.overdue_window` (proven equal).
VISITS = f"""
SELECT {VISIT_COLUMNS} FROM visits
WHERE due_date BETWEEN %(start)s AND %(end)s
   OR (overdue_on IS NOT NULL
       AND latest_date BETWEEN %(late_from)s AND %(late_to)s)
   OR superseded_on BETWEEN %(start)s AND %(end)s
"""
ATTEMPTS = """
SELECT attempted_on, reason FROM failed_attempts
WHERE attempted_on BETWEEN %s AND %s
"""
# A ticket whose last step is a verification dated before the period adds
# nothing to it (neither activity nor an open ticket at its end): skipped.
TICKETS = """
SELECT t.ticket_id, t.department, t.opened_on, t.form, t.subject,
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
SELECT capa_id, owner, opened_on, verified_on, review_id, due_date FROM capas
WHERE (opened_on IS NULL OR opened_on <= %(end)s)
  AND (verified_on IS NULL OR verified_on >= %(start)s)
"""
# Breaches that happened (the day after the deadline) by `end`: those from
# `since` on, and earlier ones of the tickets named (resolved in the window).
BREACHES = """
SELECT b.ticket_id, b.breach, b.deadline, b.department, b.subject, t.form,
       t.subject, t.department
FROM sla_breaches b LEFT JOIN tickets t ON t.ticket_id = b.ticket_id
WHERE b.deadline < %(end)s
  AND (b.deadline >= %(since)s OR b.ticket_id = ANY(%(tickets)s))
ORDER BY b.deadline, b.ticket_id, b.breach
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
UNION SELECT latest_date + 1 FROM visits
    WHERE overdue_on IS NOT NULL AND latest_date IS NOT NULL
UNION SELECT superseded_on FROM visits WHERE superseded_on IS NOT NULL
UNION SELECT opened_on FROM tickets WHERE opened_on IS NOT NULL
UNION SELECT on_date FROM ticket_steps
UNION SELECT opened_on FROM capas WHERE opened_on IS NOT NULL
UNION SELECT verified_on FROM capas WHERE verified_on IS NOT NULL
"""
REVIEWS = """
SELECT review_id, period, part, company, reviewer, reviewed_on, capa_needed, reason
FROM reviews WHERE period = %s ORDER BY reviewed_on, review_id
"""
REVIEWED_CAPAS = """
SELECT capa_id, review_id FROM capas WHERE review_id = ANY(%s)
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
            company=r[14],
            tags=dict(zip(TAG_AXES, r[15:19], strict=True)),
            channel=r[19],
            opportunities=r[20],
        )
        for r in conn.execute(RECORDS, bounds).fetchall()
    ]


def visits(conn: Connection, bounds: Bounds) -> list[VisitCopy]:
    """Visits due, gone overdue or superseded in the period."""
    late_from, late_to = overdue_window(bounds)
    rows = conn.execute(
        VISITS,
        {
            "start": bounds[0],
            "end": bounds[1],
            "late_from": late_from,
            "late_to": late_to,
        },
    ).fetchall()
    return [VisitCopy(*row) for row in rows]


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
            form=form_of(
                FeedbackForm(form), ComplaintSubject(subject) if subject else None
            ),
        )
        for ticket_id, department, opened_on, form, subject, steps, days in rows
    ]


def capas(conn: Connection, bounds: Bounds) -> list[Capa]:
    """CAPAs opened by the period's end and not verified before it began."""
    rows = conn.execute(CAPAS, {"start": bounds[0], "end": bounds[1]}).fetchall()
    return [Capa(*row) for row in rows]


def breaches(conn: Connection, bounds: Bounds, ticket_ids: list[str]) -> list[Breach]:
    """SLA breaches that happened in `bounds`, and those before it of these
    tickets; each with the form and department the ticket counts as."""
    rows = conn.execute(
        BREACHES,
        {
            "end": bounds[1],
            "since": bounds[0] - timedelta(days=1),
            "tickets": ticket_ids,
        },
    ).fetchall()
    return [
        Breach(
            ticket_id=ticket_id,
            kind=SlaBreach(kind),
            deadline=deadline,
            department=department,
            form=form_of(
                FeedbackForm(form or FeedbackForm.COMPLAINT),
                ComplaintSubject(ticket_subject or subject),
            ),
            ticket_department=ticket_department,
        )
        for (
            ticket_id,
            kind,
            deadline,
            department,
            subject,
            form,
            ticket_subject,
            ticket_department,
        ) in rows
    ]


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


def reviews(conn: Connection, period: str) -> list[Review]:
    """The period's reviews, by date."""
    return [
        Review(
            review_id=r[0],
            period=r[1],
            part=ReportPart(r[2]),
            company=r[3],
            reviewer=r[4],
            reviewed_on=r[5],
            capa_needed=r[6],
            reason=r[7],
        )
        for r in conn.execute(REVIEWS, (period,)).fetchall()
    ]


def reviewed_capas(conn: Connection, review_ids: list[str]) -> list[tuple[str, str]]:
    """(CAPA id, review id) of the CAPAs opened from these reviews."""
    rows = conn.execute(REVIEWED_CAPAS, (review_ids,)).fetchall()
    return [(capa_id, review_id) for capa_id, review_id in rows]


RECORD_NUMBERS = """
SELECT record_no FROM visit_records WHERE visited_on BETWEEN %s AND %s
ORDER BY record_no
"""


def record_numbers(conn: Connection, bounds: Bounds) -> list[str]:
    """The numbers of the records dated in the period."""
    return [row[0] for row in conn.execute(RECORD_NUMBERS, bounds).fetchall()]


def positions(conn: Connection, schema: str) -> list[dict[str, Any]]:
    """The read model's consumer positions (topic, partition, next offset),
    in `schema` (the views schema, named: the store has a table of that name)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT topic, partition, next_offset FROM {} ORDER BY topic, partition"
        ).format(sql.Identifier(schema, "consumer_positions"))
    ).fetchall()
    return [{"topic": t, "partition": p, "next_offset": o} for t, p, o in rows]
