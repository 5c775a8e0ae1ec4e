"""The survey's read model, every table's SQL in one place: the visits it may
record (schedule topic) and its own records, attempts and complaints (survey
topic). Async writes for the projection, sync reads for the API.

A visit's schedule and survey events travel on two topics, with no order
between them (a rebuild may read a record before its plan), so every write
upserts, and a visit's status follows the domain's `evolve` whatever the
order: a done visit stays done whatever the schedule says after.
"""

import json
from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from schemas.envelope import Event
from schemas.schedule import (
    VisitCancelled,
    VisitEscalated,
    VisitPlanned,
    VisitRescheduled,
)
from schemas.survey import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    VisitAttemptFailed,
    VisitAttemptFailedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import Channel, VisitKind
from services.kit.projection import Cursor
from services.survey.domain.numbering import month_of
from services.survey.domain.visits import Fact, Unit, Visit, VisitStatus, evolve
from services.survey.models import AttemptRead, VisitRead, VisitRecordRead

Conn = psycopg.Connection[Any]

# ---------------------------------------------------------------- writes ----

# How each fact about a visit writes its columns, beside the status (the
# domain's `evolve`) and the customer (set when the row is created): SET takes
# the event's value; LATE keeps the row's when the event's is null (a detail
# learnt late: null means "not known"); FIRST keeps the row's when it has one.
# The per-event statements and the set-based batch are both made from it.
SET, LATE, FIRST = "set", "late", "first"
VISIT_WRITES: dict[Fact, dict[str, str]] = {
    Fact.PLANNED: {
        "kind": SET,
        "due_date": SET,
        "latest_date": SET,
        "channel": SET,
        "unit_id": SET,
        "order_id": SET,
        "store_id": SET,
        "ticket_id": SET,
        "region": SET,
        "product_model": LATE,
    },
    Fact.RESCHEDULED: {
        "due_date": SET,
        "latest_date": SET,
        "channel": SET,
        "region": LATE,
        "product_model": LATE,
    },
    Fact.CANCELLED: {},
    Fact.ESCALATED: {"escalated_to": SET},
    Fact.COMPLETED: {"kind": FIRST, "record_no": FIRST},
}
VISIT_COLUMNS = (
    "visit_id",
    "customer_id",
    "kind",
    "due_date",
    "latest_date",
    "channel",
    "unit_id",
    "order_id",
    "store_id",
    "ticket_id",
    "region",
    "product_model",
    "status",
    "escalated_to",
    "record_no",
)
_SQL_TYPES = {"due_date": "date", "latest_date": "date"}
_MERGE_SQL = {
    SET: "EXCLUDED.{c}",
    LATE: "COALESCE(EXCLUDED.{c}, visits.{c})",
    FIRST: "COALESCE(visits.{c}, EXCLUDED.{c})",
}


def _visit_upsert(writes: dict[str, str]) -> str:
    """One fact's statement: insert the visit if new, else merge its columns."""
    cols = ["visit_id", "customer_id", *writes, "status"]
    sets = [f"{c} = {_MERGE_SQL[m].format(c=c)}" for c, m in writes.items()]
    return (
        f"INSERT INTO visits ({', '.join(cols)})"
        f" VALUES ({', '.join(['%s'] * len(cols))})"
        " ON CONFLICT (visit_id) DO UPDATE SET "
        + ", ".join([*sets, "status = EXCLUDED.status"])
    )


VISIT_UPSERT = {fact: _visit_upsert(writes) for fact, writes in VISIT_WRITES.items()}
# The batch's visits as they end, whole rows (each visit once).
VISITS_UPSERT = (
    f"INSERT INTO visits ({', '.join(VISIT_COLUMNS)})"
    f" SELECT {', '.join(VISIT_COLUMNS)} FROM jsonb_to_recordset(%s) AS r("
    + ", ".join(f"{c} {_SQL_TYPES.get(c, 'text')}" for c in VISIT_COLUMNS)
    + ") ON CONFLICT (visit_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in VISIT_COLUMNS[2:])
)
SELECT_VISITS = (
    f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits WHERE visit_id = ANY(%s)"
    " ORDER BY visit_id FOR UPDATE"
)
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


VisitFact = VisitPlanned | VisitRescheduled | VisitCancelled | VisitEscalated
FACTS: dict[type[Event], Fact] = {
    VisitPlanned: Fact.PLANNED,
    VisitRescheduled: Fact.RESCHEDULED,
    VisitCancelled: Fact.CANCELLED,
    VisitEscalated: Fact.ESCALATED,
    VisitCompleted: Fact.COMPLETED,
}


def _written(event: VisitFact | VisitCompleted) -> dict[str, Any]:
    """The visit's columns a fact writes (`VISIT_WRITES`), with its values."""
    p = event.payload
    return {c: getattr(p, c) for c in VISIT_WRITES[FACTS[type(event)]]}


def merge_visit(
    row: dict[str, Any] | None, event: VisitFact | VisitCompleted
) -> dict[str, Any]:
    """The visit's row after one fact (None: not known yet), as `VISIT_UPSERT`
    of the fact writes it."""
    fact = FACTS[type(event)]
    p = event.payload
    merged = dict(row) if row else dict.fromkeys(VISIT_COLUMNS)
    if row is None:
        merged["visit_id"], merged["customer_id"] = p.visit_id, p.customer_id
    for column, value in _written(event).items():
        match VISIT_WRITES[fact][column]:
            case "set":
                merged[column] = value
            case "late":
                merged[column] = merged[column] if value is None else value
            case _:
                merged[column] = value if merged[column] is None else merged[column]
    old = VisitStatus(row["status"]) if row else None
    merged["status"] = evolve(old, fact).value
    return merged


async def apply_visit_fact(cur: Cursor, event: VisitFact | VisitCompleted) -> None:
    """One fact on one visit: its status read, evolved and written back."""
    p = event.payload
    await cur.execute(
        "SELECT status FROM visits WHERE visit_id = %s FOR UPDATE", (p.visit_id,)
    )
    row = await cur.fetchone()
    status = evolve(VisitStatus(row[0]) if row else None, FACTS[type(event)]).value
    await cur.execute(
        VISIT_UPSERT[FACTS[type(event)]],
        (p.visit_id, p.customer_id, *_written(event).values(), status),
    )


def record_row(p: VisitCompletedPayload) -> dict[str, Any]:
    """A record's columns, in `RECORD`'s order."""
    return {
        "record_no": p.record_no,
        "month": month_of(p.visited_on),
        "customer_id": p.customer_id,
        "visit_id": p.visit_id,
        "kind": p.kind,
        "visited_on": p.visited_on,
        "visitor": p.visitor,
        "channel": p.channel,
        "answers": p.answers,
        "product_quality": p.product_quality,
        "service_quality": p.service_quality,
        "suggestions": p.suggestions,
        "needs": p.needs,
        "post_warranty_service": [s.value for s in p.post_warranty_service],
        "unresolved_by_phone": p.unresolved_by_phone,
        "score": p.score,
        "unit_id": p.unit_id,
        "order_id": p.order_id,
        "store_id": p.store_id,
        "ticket_id": p.ticket_id,
        "product_model": p.product_model,
        "region": p.region,
        "overall_product_quality": p.overall_product_quality,
        "overall_service_quality": p.overall_service_quality,
        "opportunities": p.opportunities,
    }


def attempt_row(p: VisitAttemptFailedPayload) -> dict[str, Any]:
    """A failed attempt's columns, in `ATTEMPT`'s order."""
    return {
        "visit_id": p.visit_id,
        "attempt_no": p.attempt_no,
        "customer_id": p.customer_id,
        "attempted_on": p.attempted_on,
        "visitor": p.visitor,
        "reason": p.reason,
        "note": p.note,
        "month": month_of(p.attempted_on),
    }


def complaint_row(p: ComplaintRaisedPayload) -> dict[str, Any]:
    """A complaint's columns, in `COMPLAINT`'s order."""
    return {
        "complaint_id": p.complaint_id,
        "record_no": p.record_no,
        "customer_id": p.customer_id,
        "visit_id": p.visit_id,
        "subject": p.subject,
        "description": p.description,
        "customer_suggestion": p.customer_suggestion,
        "raised_on": p.raised_on,
        "form": p.form,
        "items": list(p.items),
    }


async def plan_visit(cur: Cursor, event: VisitPlanned) -> None:
    """A visit the survey may record, with its subject."""
    await apply_visit_fact(cur, event)


async def reschedule_visit(cur: Cursor, event: VisitRescheduled) -> None:
    """The visit moved; details learnt late are kept."""
    await apply_visit_fact(cur, event)


async def cancel_visit(cur: Cursor, event: VisitCancelled) -> None:
    await apply_visit_fact(cur, event)


async def escalate_visit(cur: Cursor, event: VisitEscalated) -> None:
    await apply_visit_fact(cur, event)


async def add_record(cur: Cursor, event: VisitCompleted) -> None:
    """Store the record and close its visit."""
    row = record_row(event.payload)
    row["answers"] = Jsonb(row["answers"])
    await cur.execute(RECORD, tuple(row.values()))
    await apply_visit_fact(cur, event)


async def add_attempt(cur: Cursor, event: VisitAttemptFailed) -> None:
    await cur.execute(ATTEMPT, tuple(attempt_row(event.payload).values()))


async def add_complaint(cur: Cursor, event: ComplaintRaised) -> None:
    await cur.execute(COMPLAINT, tuple(complaint_row(event.payload).values()))


# The set-based path: a batch's rows of each table in one statement.


def _from_json(table: str, key: str, types: dict[str, str]) -> str:
    """Insert a JSON array of rows in their order; the first of a key wins,
    as one by one (a row there already stays)."""
    cols = list(types)
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)}"
        " FROM ROWS FROM (jsonb_to_recordset(%s) AS ("
        + ", ".join(f"{c} {t}" for c, t in types.items())
        + f")) WITH ORDINALITY ORDER BY ordinality ON CONFLICT ({key}) DO NOTHING"
    )


_T, _D = "text", "date"
RECORDS_INSERT = _from_json(
    "visit_records",
    "record_no",
    {
        "record_no": _T,
        "month": _T,
        "customer_id": _T,
        "visit_id": _T,
        "kind": _T,
        "visited_on": _D,
        "visitor": _T,
        "channel": _T,
        "answers": "jsonb",
        "product_quality": _T,
        "service_quality": _T,
        "suggestions": _T,
        "needs": _T,
        "post_warranty_service": "text[]",
        "unresolved_by_phone": "boolean",
        "score": "integer",
        "unit_id": _T,
        "order_id": _T,
        "store_id": _T,
        "ticket_id": _T,
        "product_model": _T,
        "region": _T,
        "overall_product_quality": _T,
        "overall_service_quality": _T,
        "opportunities": _T,
    },
)
ATTEMPTS_INSERT = _from_json(
    "attempts",
    "visit_id, attempt_no",
    {
        "visit_id": _T,
        "attempt_no": "integer",
        "customer_id": _T,
        "attempted_on": _D,
        "visitor": _T,
        "reason": _T,
        "note": _T,
        "month": _T,
    },
)
COMPLAINTS_INSERT = _from_json(
    "complaints",
    "complaint_id",
    {
        "complaint_id": _T,
        "record_no": _T,
        "customer_id": _T,
        "visit_id": _T,
        "subject": _T,
        "description": _T,
        "customer_suggestion": _T,
        "raised_on": _D,
        "form": _T,
        "items": "text[]",
    },
)


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _rows(rows: list[dict[str, Any]]) -> Jsonb:
    return Jsonb(
        rows, dumps=partial(json.dumps, default=_json_value, ensure_ascii=False)
    )


async def apply_batch(cur: Cursor, events: Sequence[Event]) -> None:
    """A batch's events, in log order, as `apply_visit_fact`, `add_record`,
    `add_attempt` and `add_complaint` one by one would leave the tables: the
    batch's visits read once, merged in Python, written once per table."""
    visit_facts: list[VisitFact | VisitCompleted] = []
    records: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    complaints: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, VisitCompleted):
            records.append(record_row(event.payload))
            visit_facts.append(event)
        elif isinstance(event, VisitAttemptFailed):
            attempts.append(attempt_row(event.payload))
        elif isinstance(event, ComplaintRaised):
            complaints.append(complaint_row(event.payload))
        elif isinstance(event, VisitFact):
            visit_facts.append(event)
    for statement, rows in (
        (RECORDS_INSERT, records),
        (ATTEMPTS_INSERT, attempts),
        (COMPLAINTS_INSERT, complaints),
    ):
        if rows:
            await cur.execute(statement, (_rows(rows),))
    if not visit_facts:
        return
    ids = sorted({e.payload.visit_id for e in visit_facts})
    await cur.execute(SELECT_VISITS, (ids,))
    visits: dict[str, dict[str, Any]] = {
        row[0]: dict(zip(VISIT_COLUMNS, row, strict=True))
        for row in await cur.fetchall()
    }
    for event in visit_facts:
        visit_id = event.payload.visit_id
        visits[visit_id] = merge_visit(visits.get(visit_id), event)
    await cur.execute(VISITS_UPSERT, (_rows(list(visits.values())),))


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
