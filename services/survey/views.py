"""The survey's read model, every table's SQL in one place: the visits it may
record (schedule topic) and its own records, attempts and complaints (survey
topic). Async writes for the projection, sync reads for the API.

A visit's schedule and survey events travel on two topics, with no order
between them (a rebuild may read a record before its plan), so every write
upserts, and a visit's status follows the domain's `evolve` whatever the
order: a done visit stays done whatever the schedule says after.
"""

from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from schemas.schedule import (
    VisitCancelled,
    VisitEscalated,
    VisitPlanned,
    VisitRescheduled,
)
from schemas.survey import ComplaintRaised, VisitAttemptFailed, VisitCompleted
from schemas.types import Channel, VisitKind
from services.kit.projection import Cursor
from services.survey.domain.numbering import month_of
from services.survey.domain.visits import Fact, Unit, Visit, VisitStatus, evolve
from services.survey.models import AttemptRead, VisitRead, VisitRecordRead

Conn = psycopg.Connection[Any]

# ---------------------------------------------------------------- writes ----

PLANNED = """
INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date, channel,
    unit_id, order_id, store_id, ticket_id, region, product_model, status)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET kind = EXCLUDED.kind,
    due_date = EXCLUDED.due_date, latest_date = EXCLUDED.latest_date,
    channel = EXCLUDED.channel, unit_id = EXCLUDED.unit_id,
    order_id = EXCLUDED.order_id, store_id = EXCLUDED.store_id,
    ticket_id = EXCLUDED.ticket_id, region = EXCLUDED.region,
    product_model = COALESCE(EXCLUDED.product_model, visits.product_model),
    status = EXCLUDED.status
"""
# A move may carry details learnt late (region, product model); a null in it
# means "not known", so what the visit had stays.
RESCHEDULED = """
INSERT INTO visits (visit_id, customer_id, due_date, latest_date, channel, region,
    product_model, status)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET due_date = EXCLUDED.due_date,
    latest_date = EXCLUDED.latest_date, channel = EXCLUDED.channel,
    region = COALESCE(EXCLUDED.region, visits.region),
    product_model = COALESCE(EXCLUDED.product_model, visits.product_model),
    status = EXCLUDED.status
"""
CANCELLED = """
INSERT INTO visits (visit_id, customer_id, status) VALUES (%s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET status = EXCLUDED.status
"""
ESCALATED = """
INSERT INTO visits (visit_id, customer_id, status, escalated_to)
VALUES (%s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET escalated_to = EXCLUDED.escalated_to,
    status = EXCLUDED.status
"""
DONE = """
INSERT INTO visits (visit_id, customer_id, kind, status, record_no)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET status = EXCLUDED.status,
    kind = COALESCE(visits.kind, EXCLUDED.kind),
    record_no = COALESCE(visits.record_no, EXCLUDED.record_no)
"""
RECORD = """
INSERT INTO visit_records (record_no, month, customer_id, visit_id, kind,
    visited_on, visitor, channel, answers, product_quality, service_quality,
    suggestions, needs, post_warranty_service, unresolved_by_phone, score,
    unit_id, order_id, store_id, ticket_id, product_model, region,
    overall_product_quality, overall_service_quality, opportunities)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
    %s, %s, %s, %s, %s, %s)
ON CONFLICT (record_no) DO NOTHING
"""
ATTEMPT = """
INSERT INTO attempts (visit_id, attempt_no, customer_id, attempted_on, visitor,
    reason, note, month)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id, attempt_no) DO NOTHING
"""
COMPLAINT = """
INSERT INTO complaints (complaint_id, record_no, customer_id, visit_id, subject,
    description, customer_suggestion, raised_on, form, items)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (complaint_id) DO NOTHING
"""


async def _evolved(cur: Cursor, visit_id: str, fact: Fact) -> str:
    """The visit's status after `fact`, from the status stored now."""
    await cur.execute(
        "SELECT status FROM visits WHERE visit_id = %s FOR UPDATE", (visit_id,)
    )
    row = await cur.fetchone()
    return evolve(VisitStatus(row[0]) if row else None, fact).value


async def plan_visit(cur: Cursor, event: VisitPlanned) -> None:
    """A visit the survey may record, with its subject."""
    p = event.payload
    status = await _evolved(cur, p.visit_id, Fact.PLANNED)
    await cur.execute(
        PLANNED,
        (
            p.visit_id,
            p.customer_id,
            p.kind,
            p.due_date,
            p.latest_date,
            p.channel,
            p.unit_id,
            p.order_id,
            p.store_id,
            p.ticket_id,
            p.region,
            p.product_model,
            status,
        ),
    )


async def reschedule_visit(cur: Cursor, event: VisitRescheduled) -> None:
    """The visit moved; details learnt late are kept."""
    p = event.payload
    status = await _evolved(cur, p.visit_id, Fact.RESCHEDULED)
    await cur.execute(
        RESCHEDULED,
        (
            p.visit_id,
            p.customer_id,
            p.due_date,
            p.latest_date,
            p.channel,
            p.region,
            p.product_model,
            status,
        ),
    )


async def cancel_visit(cur: Cursor, event: VisitCancelled) -> None:
    p = event.payload
    status = await _evolved(cur, p.visit_id, Fact.CANCELLED)
    await cur.execute(CANCELLED, (p.visit_id, p.customer_id, status))


async def escalate_visit(cur: Cursor, event: VisitEscalated) -> None:
    p = event.payload
    status = await _evolved(cur, p.visit_id, Fact.ESCALATED)
    await cur.execute(ESCALATED, (p.visit_id, p.customer_id, status, p.escalated_to))


async def add_record(cur: Cursor, event: VisitCompleted) -> None:
    """Store the record and close its visit."""
    p = event.payload
    await cur.execute(
        RECORD,
        (
            p.record_no,
            month_of(p.visited_on),
            p.customer_id,
            p.visit_id,
            p.kind,
            p.visited_on,
            p.visitor,
            p.channel,
            Jsonb(p.answers),
            p.product_quality,
            p.service_quality,
            p.suggestions,
            p.needs,
            [s.value for s in p.post_warranty_service],
            p.unresolved_by_phone,
            p.score,
            p.unit_id,
            p.order_id,
            p.store_id,
            p.ticket_id,
            p.product_model,
            p.region,
            p.overall_product_quality,
            p.overall_service_quality,
            p.opportunities,
        ),
    )
    status = await _evolved(cur, p.visit_id, Fact.COMPLETED)
    await cur.execute(DONE, (p.visit_id, p.customer_id, p.kind, status, p.record_no))


async def add_attempt(cur: Cursor, event: VisitAttemptFailed) -> None:
    p = event.payload
    await cur.execute(
        ATTEMPT,
        (
            p.visit_id,
            p.attempt_no,
            p.customer_id,
            p.attempted_on,
            p.visitor,
            p.reason,
            p.note,
            month_of(p.attempted_on),
        ),
    )


async def add_complaint(cur: Cursor, event: ComplaintRaised) -> None:
    p = event.payload
    await cur.execute(
        COMPLAINT,
        (
            p.complaint_id,
            p.record_no,
            p.customer_id,
            p.visit_id,
            p.subject,
            p.description,
            p.customer_suggestion,
            p.raised_on,
            p.form,
            list(p.items),
        ),
    )


# ----------------------------------------------------------------- reads ----

RECORDS = """
SELECT r.record_no, r.customer_id, r.visit_id, r.kind, r.visited_on, r.visitor,
       r.channel, r.answers, r.product_quality, r.service_quality, r.suggestions,
       r.needs, r.post_warranty_service, r.unresolved_by_phone, r.score,
       r.unit_id, r.order_id, r.store_id, r.ticket_id, r.product_model, r.region,
       r.overall_product_quality, r.overall_service_quality, r.opportunities,
       COALESCE((SELECT json_agg(json_build_object(
                    'complaint_id', c.complaint_id, 'form', c.form,
                    'subject', c.subject, 'description', c.description,
                    'customer_suggestion', c.customer_suggestion,
                    'items', c.items)
                 ORDER BY c.complaint_id)
                 FROM complaints c WHERE c.record_no = r.record_no), '[]')
         AS complaints
FROM visit_records r
WHERE (%(record_no)s::text IS NULL OR r.record_no = %(record_no)s)
  AND (%(customer_id)s::text IS NULL OR r.customer_id = %(customer_id)s)
  AND (%(month)s::text IS NULL OR r.month = %(month)s)
  AND (%(kind)s::text IS NULL OR r.kind = %(kind)s)
  AND (%(visit_id)s::text IS NULL OR r.visit_id = %(visit_id)s)
  AND (%(after)s::text IS NULL OR r.record_no > %(after)s)
ORDER BY r.record_no
LIMIT %(limit)s
"""

ATTEMPTS = """
SELECT visit_id, customer_id, attempt_no, attempted_on, visitor, reason, note
FROM attempts
WHERE (%(visit_id)s::text IS NULL OR visit_id = %(visit_id)s)
  AND (%(customer_id)s::text IS NULL OR customer_id = %(customer_id)s)
  AND (%(month)s::text IS NULL OR month = %(month)s)
  AND (%(reason)s::text IS NULL OR reason = %(reason)s)
ORDER BY attempted_on, visit_id, attempt_no
"""

VISIT = """
SELECT v.visit_id, v.customer_id, v.kind, v.status, v.due_date, v.latest_date,
       v.channel, v.unit_id, v.order_id, v.store_id, v.ticket_id, v.region,
       v.product_model, v.record_no, v.escalated_to,
       (SELECT count(*) FROM attempts a WHERE a.visit_id = v.visit_id) AS attempts
FROM visits v WHERE v.visit_id = %s
"""


def records(
    conn: Conn,
    *,
    record_no: str | None = None,
    customer_id: str | None = None,
    month: str | None = None,
    kind: str | None = None,
    visit_id: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[VisitRecordRead]:
    """Visit records matching the filters, by record number."""
    params = {
        "record_no": record_no,
        "customer_id": customer_id,
        "month": month,
        "kind": kind,
        "visit_id": visit_id,
        "after": after,
        "limit": limit,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(RECORDS, params).fetchall()
    return [VisitRecordRead.model_validate(row) for row in rows]


def attempts(
    conn: Conn,
    *,
    visit_id: str | None = None,
    customer_id: str | None = None,
    month: str | None = None,
    reason: str | None = None,
) -> list[AttemptRead]:
    """Failed attempts matching the filters, oldest first."""
    params = {
        "visit_id": visit_id,
        "customer_id": customer_id,
        "month": month,
        "reason": reason,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(ATTEMPTS, params).fetchall()
    return [AttemptRead.model_validate(row) for row in rows]


def visit(conn: Conn, visit_id: str) -> VisitRead | None:
    """The survey's view of one visit, with its failed attempts counted."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(VISIT, (visit_id,)).fetchone()
    return VisitRead.model_validate(row) if row else None


UNIT = """
SELECT customer_id, product_model, region FROM visits
WHERE unit_id = %s AND kind IS NOT NULL
ORDER BY due_date DESC NULLS LAST, visit_id DESC
LIMIT 1
"""


def unit(conn: Conn, unit_id: str) -> Unit | None:
    """The unit as the visits planned for it describe it (the latest), if any."""
    row = conn.execute(UNIT, (unit_id,)).fetchone()
    if row is None:
        return None
    return Unit(unit_id, customer_id=row[0], product_model=row[1], region=row[2])


def load_visit(conn: Conn, visit_id: str) -> Visit | None:
    """The visit as the schedule topic described it, or None if unknown."""
    row = conn.execute(
        "SELECT visit_id, customer_id, kind, status, channel, unit_id, order_id,"
        " store_id, ticket_id, region, product_model FROM visits"
        " WHERE visit_id = %s",
        (visit_id,),
    ).fetchone()
    if row is None:
        return None
    return Visit(
        visit_id=row[0],
        customer_id=row[1],
        kind=VisitKind(row[2]) if row[2] else None,
        status=VisitStatus(row[3]),
        channel=Channel(row[4]) if row[4] else None,
        unit_id=row[5],
        order_id=row[6],
        store_id=row[7],
        ticket_id=row[8],
        region=row[9],
        product_model=row[10],
    )
