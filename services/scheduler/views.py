"""The scheduler's read model and all its SQL: the visits and their history.

Built by the projection (projection.py) from the events alone: the schedule
topic (what the scheduler decided) and the survey's records and attempts (who
visited, the record, the failed attempts). A rebuild replays them and answers
the same. Async writes, one per event type, for the projection; sync reads
for the API.
"""

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from schemas.envelope import Event
from schemas.schedule import (
    VisitCancelled,
    VisitEscalated,
    VisitPlanned,
    VisitRescheduled,
    VisitSuperseded,
)
from schemas.survey import VisitAttemptFailed, VisitCompleted
from schemas.types import VisitStatus
from services.scheduler.domain.policy import UNPLANNED_KINDS, Policy
from services.scheduler.domain.status import visit_status
from services.scheduler.domain.visit import Visit
from services.scheduler.models import HistoryEntry, VisitQuery, VisitRead
from services.scheduler.store import VISIT_FIELDS, visit_with_store

Conn = psycopg.Connection[Any]
DbCursor = psycopg.AsyncCursor[Any]
NOTHING: Sequence[Event] = ()

# --- the projection's writes ------------------------------------------------

HISTORY = """
INSERT INTO visit_history (visit_id, event_id, type, caused_by, occurred_at, detail)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id, visit_id) DO NOTHING
"""
# A record or attempt resent under a new id tells nothing new: one entry.
HISTORY_ONCE = """
INSERT INTO visit_history (visit_id, event_id, type, caused_by, occurred_at, detail)
SELECT %(visit_id)s, %(event_id)s, %(type)s, NULL, %(occurred_at)s, %(detail)s
WHERE NOT EXISTS (
    SELECT 1 FROM visit_history h
    WHERE h.visit_id = %(visit_id)s AND h.type = %(type)s
      AND h.detail->>%(same)s = %(detail)s::jsonb->>%(same)s)
ON CONFLICT (event_id, visit_id) DO NOTHING
"""
PLANNED = """
INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date, channel,
    status, region, unit_id, order_id, store_id, ticket_id, product_model,
    policy_version)
VALUES (%(visit_id)s, %(customer_id)s, %(kind)s, %(due_date)s, %(latest_date)s,
    %(channel)s, 'planned', %(region)s, %(unit_id)s, %(order_id)s, %(store_id)s,
    %(ticket_id)s, %(product_model)s, %(policy_version)s)
ON CONFLICT (visit_id) DO UPDATE SET due_date = EXCLUDED.due_date,
    latest_date = EXCLUDED.latest_date, channel = EXCLUDED.channel,
    region = EXCLUDED.region, unit_id = EXCLUDED.unit_id,
    order_id = EXCLUDED.order_id, store_id = EXCLUDED.store_id,
    ticket_id = EXCLUDED.ticket_id, product_model = EXCLUDED.product_model,
    policy_version = EXCLUDED.policy_version,
    -- planned again after a cancellation; a record or escalation stands
    status = CASE WHEN visits.status = 'cancelled' THEN 'planned'
                  ELSE visits.status END,
    updated_at = now()
RETURNING (xmax = 0)
"""
# The survey's topic is not ordered with the schedule topic, so a record or
# an attempt can be applied before the visit it names is planned: a newly
# planned visit takes them from its history.
BACKFILL = """
UPDATE visits v SET
    visitor = (SELECT h.detail->>'visitor' FROM visit_history h
               WHERE h.visit_id = v.visit_id AND h.detail ? 'visitor'
               ORDER BY h.seq DESC LIMIT 1),
    (record_no, done_on) = (SELECT h.detail->>'record_no',
                                   (h.detail->>'visited_on')::date
                            FROM visit_history h
                            WHERE h.visit_id = v.visit_id
                              AND h.type = 'visit_completed'
                            ORDER BY h.seq DESC LIMIT 1),
    failed_attempts = COALESCE(
        (SELECT max((h.detail->>'attempt_no')::integer) FROM visit_history h
         WHERE h.visit_id = v.visit_id AND h.type = 'visit_attempt_failed'), 0),
    status = CASE WHEN EXISTS (
        SELECT 1 FROM visit_history h
        WHERE h.visit_id = v.visit_id AND h.type = 'visit_completed')
        THEN 'done' ELSE v.status END
WHERE v.visit_id = %s
"""
# A move that does not know the region or model (null) keeps what is known.
RESCHEDULED = """
UPDATE visits SET due_date = %(due_date)s, latest_date = %(latest_date)s,
    channel = %(channel)s, policy_version = %(policy_version)s,
    region = COALESCE(%(region)s, region),
    product_model = COALESCE(%(product_model)s, product_model), updated_at = now()
WHERE visit_id = %(visit_id)s
"""
CANCELLED = """
UPDATE visits SET status = 'cancelled', updated_at = now()
WHERE visit_id = %s AND status <> 'done'
"""
SUPERSEDED = """
UPDATE visits SET status = 'superseded', updated_at = now()
WHERE visit_id = %s AND status IN ('planned', 'escalated')
"""
ESCALATED = """
UPDATE visits SET failed_attempts = GREATEST(failed_attempts, %s),
    status = CASE WHEN status = 'planned' THEN 'escalated' ELSE status END,
    updated_at = now()
WHERE visit_id = %s
"""
RECORDED = """
UPDATE visits SET status = 'done', visitor = %s, record_no = %s, done_on = %s,
    updated_at = now()
WHERE visit_id = %s
"""
ATTEMPTED = """
UPDATE visits SET failed_attempts = GREATEST(failed_attempts, %s),
    visitor = CASE WHEN record_no IS NULL THEN %s ELSE visitor END,
    updated_at = now()
WHERE visit_id = %s
"""


def _detail(event: Event) -> Jsonb:
    return Jsonb(
        event.payload.model_dump(
            mode="json", exclude={"customer_id", "visit_id", "answers"}
        )
    )


async def add_history(cur: DbCursor, event: Event) -> Sequence[Event]:
    """A history entry of the visit the event names (due, overdue, ...)."""
    cause = event.causation_id
    await cur.execute(
        HISTORY,
        (
            getattr(event.payload, "visit_id"),  # noqa: B009 - every visit event has it
            event.event_id,
            event.type,
            str(cause) if cause is not None and cause != event.event_id else None,
            event.occurred_at,
            _detail(event),
        ),
    )
    return NOTHING


async def visit_planned(cur: DbCursor, event: VisitPlanned) -> Sequence[Event]:
    await add_history(cur, event)
    await cur.execute(PLANNED, event.payload.model_dump())
    inserted = await cur.fetchone()
    if inserted and inserted[0]:
        await cur.execute(BACKFILL, (event.payload.visit_id,))
    return NOTHING


async def visit_rescheduled(cur: DbCursor, event: VisitRescheduled) -> Sequence[Event]:
    await add_history(cur, event)
    await cur.execute(RESCHEDULED, event.payload.model_dump())
    return NOTHING


async def visit_cancelled(cur: DbCursor, event: VisitCancelled) -> Sequence[Event]:
    await add_history(cur, event)
    await cur.execute(CANCELLED, (event.payload.visit_id,))
    return NOTHING


async def visit_superseded(cur: DbCursor, event: VisitSuperseded) -> Sequence[Event]:
    await add_history(cur, event)
    await cur.execute(SUPERSEDED, (event.payload.visit_id,))
    return NOTHING


async def visit_escalated(cur: DbCursor, event: VisitEscalated) -> Sequence[Event]:
    await add_history(cur, event)
    p = event.payload
    await cur.execute(ESCALATED, (p.attempts, p.visit_id))
    return NOTHING


async def _history_once(cur: DbCursor, event: Event, same: str) -> None:
    await cur.execute(
        HISTORY_ONCE,
        {
            "visit_id": getattr(event.payload, "visit_id"),  # noqa: B009
            "event_id": event.event_id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "detail": _detail(event),
            "same": same,
        },
    )


async def visit_completed(cur: DbCursor, event: VisitCompleted) -> Sequence[Event]:
    p = event.payload
    if p.kind in UNPLANNED_KINDS:
        return NOTHING  # an unplanned visit's record: no visit of the plan
    await _history_once(cur, event, "record_no")
    await cur.execute(RECORDED, (p.visitor, p.record_no, p.visited_on, p.visit_id))
    return NOTHING


async def visit_attempt_failed(
    cur: DbCursor, event: VisitAttemptFailed
) -> Sequence[Event]:
    p = event.payload
    await _history_once(cur, event, "attempt_no")
    await cur.execute(ATTEMPTED, (p.attempt_no, p.visitor, p.visit_id))
    return NOTHING


# --- the API's reads ----------------------------------------------------------

READ_FIELDS = (
    f"{VISIT_FIELDS}, unit_id, order_id, store_id, ticket_id,"
    " policy_version, visitor, record_no, done_on"
)

# `domain.status.visit_status` as a filter the database applies before paging
# (tests/integration/test_scheduler_status_sql.py proves they agree): the
# stored lifecycle, the policy's failed attempts, then the dates of `as_of`.
STATUS_FILTER = """
(CASE %(status)s::text
    WHEN 'cancelled' THEN v.status = 'cancelled'
    WHEN 'done' THEN v.status = 'done'
    WHEN 'superseded' THEN v.status = 'superseded'
    WHEN 'escalated' THEN v.status = 'escalated'
        OR (v.status = 'planned' AND v.failed_attempts >= %(max_failed)s)
    ELSE v.status = 'planned' AND v.failed_attempts < %(max_failed)s
        AND CASE %(status)s::text
            WHEN 'planned' THEN %(as_of)s::date < v.due_date
            WHEN 'due' THEN v.due_date <= %(as_of)s::date
                AND %(as_of)s::date <= v.latest_date
            WHEN 'overdue' THEN v.latest_date < %(as_of)s::date
            ELSE false END
END)
"""
LIST = f"""
SELECT {READ_FIELDS} FROM visits v
WHERE (%(customer_id)s::text IS NULL OR v.customer_id = %(customer_id)s)
  AND (%(unit_id)s::text IS NULL OR v.unit_id = %(unit_id)s)
  AND (%(order_id)s::text IS NULL OR v.order_id = %(order_id)s)
  AND (%(store_id)s::text IS NULL OR v.store_id = %(store_id)s)
  AND (%(region)s::text IS NULL OR v.region = %(region)s)
  AND (%(kind)s::text IS NULL OR v.kind = %(kind)s)
  AND (%(channel)s::text IS NULL OR v.channel = %(channel)s)
  AND (%(visitor)s::text IS NULL OR v.visitor = %(visitor)s)
  AND (%(due_from)s::date IS NULL OR v.due_date >= %(due_from)s)
  AND (%(due_to)s::date IS NULL OR v.due_date <= %(due_to)s)
  AND (%(status)s::text IS NULL OR {STATUS_FILTER})
  AND (%(after_due)s::date IS NULL
       OR (v.due_date, v.visit_id) > (%(after_due)s::date, %(after_id)s::text))
ORDER BY v.due_date, v.visit_id
LIMIT %(limit)s
"""
ONE = f"SELECT {READ_FIELDS} FROM visits v WHERE visit_id = %s"
HISTORY_OF = """
SELECT type, event_id, caused_by, occurred_at, detail FROM visit_history
WHERE visit_id = %s ORDER BY occurred_at, seq
"""
OPEN = f"""
SELECT {READ_FIELDS} FROM visits v
WHERE v.status IN ('planned', 'escalated')
  AND (%(region)s::text IS NULL OR v.region = %(region)s)
  AND (%(visitor)s::text IS NULL OR v.visitor = %(visitor)s)
  AND (%(until)s::date IS NULL OR v.due_date <= %(until)s)
ORDER BY v.due_date, v.visit_id
"""


class BadPageCursorError(ValueError):
    """A page cursor that no page of this API gave."""


def encode_page_cursor(visit: VisitRead) -> str:
    """The position after `visit` in the list's order (due date, visit id)."""
    raw = f"{visit.due_date.isoformat()}|{visit.visit_id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_page_cursor(page_cursor: str) -> tuple[date, str]:
    """The (due date, visit id) a page cursor points after."""
    try:
        due, visit_id = base64.urlsafe_b64decode(page_cursor).decode().split("|", 1)
        return date.fromisoformat(due), visit_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadPageCursorError(page_cursor) from None


def status_params(
    status: VisitStatus | None, as_of: date, policy: Policy
) -> dict[str, Any]:
    """The parameters of `STATUS_FILTER`."""
    return {
        "status": status,
        "as_of": as_of,
        "max_failed": policy.max_failed_attempts,
    }


def visit_read(row: Sequence[Any], as_of: date, policy: Policy) -> VisitRead:
    """A row of `READ_FIELDS` as the API shows it on `as_of`."""
    visit = visit_with_store(row)
    return VisitRead(
        visit_id=visit.visit_id,
        customer_id=visit.customer_id,
        kind=visit.kind,
        unit_id=row[10],
        order_id=row[11],
        store_id=row[12],
        ticket_id=row[13],
        region=visit.region,
        product_model=visit.product_model,
        due_date=visit.due_date,
        latest_date=visit.latest_date,
        channel=visit.channel,
        status=visit_status(visit, as_of, policy),
        attempts=visit.failed_attempts,
        visitor=row[15],
        record_no=row[16],
        done_on=row[17],
        policy_version=row[14],
    )


def list_visits(
    conn: Conn,
    filters: VisitQuery,
    *,
    as_of: date,
    policy: Policy,
    limit: int,
    after: tuple[date, str] | None,
) -> list[VisitRead]:
    """Up to `limit` visits after `after`, by due date then visit id."""
    params = {
        **filters.model_dump(exclude={"as_of", "limit", "cursor"}),
        **status_params(filters.status, as_of, policy),
        "after_due": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    return [visit_read(r, as_of, policy) for r in conn.execute(LIST, params)]


def one_visit(
    conn: Conn, visit_id: str, as_of: date, policy: Policy
) -> VisitRead | None:
    row = conn.execute(ONE, (visit_id,)).fetchone()
    return visit_read(row, as_of, policy) if row else None


def history(conn: Conn, visit_id: str) -> list[HistoryEntry]:
    """A visit's history, oldest first."""
    keys = ("type", "event_id", "caused_by", "occurred_at", "detail")
    return [
        HistoryEntry(**dict(zip(keys, r, strict=True)))
        for r in conn.execute(HISTORY_OF, (visit_id,))
    ]


def open_visits(
    conn: Conn,
    *,
    region: str | None = None,
    visitor: str | None = None,
    until: date | None = None,
) -> list[tuple[Visit, Sequence[Any]]]:
    """The open visits (escalated included), by due date, with their rows."""
    params = {"region": region, "visitor": visitor, "until": until}
    return [(visit_with_store(r), r) for r in conn.execute(OPEN, params)]
