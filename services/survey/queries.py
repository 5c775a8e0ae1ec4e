"""Reading the survey's read model for the HTTP API."""

from collections import Counter
from typing import Any

import psycopg
from psycopg.rows import dict_row

from schemas.types import AttemptFailure
from services.survey.models import (
    AttemptRead,
    AttemptSummary,
    VisitRead,
    VisitRecordRead,
)

Conn = psycopg.Connection[Any]

RECORDS = """
SELECT r.record_no, r.customer_id, r.visit_id, r.kind, r.visited_on, r.visitor,
       r.channel, r.answers, r.product_quality, r.service_quality, r.suggestions,
       r.needs, r.post_warranty_service, r.unresolved_by_phone, r.score,
       r.unit_id, r.order_id, r.store_id, r.ticket_id, r.product_model, r.region,
       COALESCE((SELECT json_agg(json_build_object(
                    'complaint_id', c.complaint_id, 'subject', c.subject,
                    'description', c.description,
                    'customer_suggestion', c.customer_suggestion)
                 ORDER BY c.complaint_id)
                 FROM complaints c WHERE c.record_no = r.record_no), '[]')
         AS complaints
FROM visit_records r
WHERE (%(record_no)s::text IS NULL OR r.record_no = %(record_no)s)
  AND (%(customer_id)s::text IS NULL OR r.customer_id = %(customer_id)s)
  AND (%(period)s::text IS NULL OR r.period = %(period)s)
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
  AND (%(period)s::text IS NULL OR to_char(attempted_on, 'YYYY-MM') = %(period)s)
  AND (%(reason)s::text IS NULL OR reason = %(reason)s)
ORDER BY attempted_on, visit_id, attempt_no
"""


def records(
    conn: Conn,
    *,
    record_no: str | None = None,
    customer_id: str | None = None,
    period: str | None = None,
    kind: str | None = None,
    visit_id: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[VisitRecordRead]:
    """Visit records matching the filters, by record number."""
    params = {
        "record_no": record_no,
        "customer_id": customer_id,
        "period": period,
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
    period: str | None = None,
    reason: str | None = None,
) -> list[AttemptRead]:
    """Failed attempts matching the filters, oldest first."""
    params = {
        "visit_id": visit_id,
        "customer_id": customer_id,
        "period": period,
        "reason": reason,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(ATTEMPTS, params).fetchall()
    return [AttemptRead.model_validate(row) for row in rows]


def summarise(items: list[AttemptRead]) -> AttemptSummary:
    """Count attempts by reason, every reason listed (zero included)."""
    counts = Counter(a.reason for a in items)
    return AttemptSummary(
        count=len(items),
        by_reason={reason: counts[reason] for reason in AttemptFailure},
        items=items,
    )


def visit(conn: Conn, visit_id: str) -> VisitRead | None:
    """The survey's view of one visit, with its failed attempts counted."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "SELECT v.visit_id, v.customer_id, v.kind, v.status, v.due_date,"
            " v.latest_date, v.channel, v.unit_id, v.order_id, v.store_id,"
            " v.ticket_id, v.region, v.product_model, v.record_no, v.escalated_to,"
            " (SELECT count(*) FROM attempts a WHERE a.visit_id = v.visit_id)"
            " AS attempts FROM visits v WHERE v.visit_id = %s",
            (visit_id,),
        ).fetchone()
    return VisitRead.model_validate(row) if row else None
