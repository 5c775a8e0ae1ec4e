"""The scheduler's read model and all its SQL: the visits and their history.

Built by the projection (projection.py) from the events alone: the schedule
topic (what the scheduler decided) and the survey's records and attempts (who
visited, the record, the failed attempts). A rebuild replays them and answers
the same. Async writes, one per event type, for the projection; sync reads
for the API.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from schemas.envelope import Event
from schemas.schedule import (
    VisitCancelled,
    VisitDue,
    VisitEscalated,
    VisitOverdue,
    VisitPlanned,
    VisitRescheduled,
    VisitSuperseded,
)
from schemas.survey import VisitAttemptFailed, VisitCompleted
from schemas.types import VisitStatus
from services.scheduler.domain.policy import UNPLANNED_KINDS, Policy
from services.scheduler.domain.status import visit_status
from services.scheduler.domain.visit import Visit
from services.scheduler.domain.worklist import BatchKey
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


# --- the projection's set-based path -------------------------------------------
#
# `apply_batch` gives exactly the rows the writers above give applied one by
# one in log order: it reads the batch's visits (and the history a backfill or
# a resent record needs) once, evolves them in Python as the statements above
# would, in the same order, and writes the history rows and the changed visits
# with one statement each (tests/integration/test_scheduler_batch.py).

VISIT_COLUMNS = (
    "visit_id",
    "customer_id",
    "kind",
    "due_date",
    "latest_date",
    "channel",
    "status",
    "failed_attempts",
    "region",
    "unit_id",
    "order_id",
    "store_id",
    "ticket_id",
    "product_model",
    "policy_version",
    "visitor",
    "record_no",
    "done_on",
)
_DATE_AT = tuple(VISIT_COLUMNS.index(c) for c in ("due_date", "latest_date", "done_on"))
_TYPES = {
    "due_date": "date",
    "latest_date": "date",
    "done_on": "date",
    "failed_attempts": "integer",
}
_FROM_ARRAY = [
    f"(r->>{i})::{_TYPES[c]}" if c in _TYPES else f"r->>{i}"
    for i, c in enumerate(VISIT_COLUMNS)
]
BATCH_VISITS = f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits WHERE visit_id = ANY(%s)"
# What a backfill (visitor, record, attempts) and a resent record or attempt
# (HISTORY_ONCE) look at, oldest first.
BATCH_HISTORY = """
SELECT visit_id, type, detail ? 'visitor', detail->>'visitor',
       detail->>'record_no', detail->>'visited_on', detail->>'attempt_no'
FROM visit_history
WHERE visit_id = ANY(%s)
  AND (type IN ('visit_completed', 'visit_attempt_failed') OR detail ? 'visitor')
ORDER BY visit_id, seq
"""
BATCH_HISTORY_INSERT = """
INSERT INTO visit_history (visit_id, event_id, type, caused_by, occurred_at, detail)
SELECT r.visit_id, r.event_id, r.type, r.caused_by, r.occurred_at, r.detail
FROM jsonb_to_recordset(%s::jsonb) AS r(n integer, visit_id text, event_id uuid,
    type text, caused_by text, occurred_at timestamptz, detail jsonb)
ORDER BY r.n
ON CONFLICT (event_id, visit_id) DO NOTHING
"""
# The rows as JSON arrays in the order of VISIT_COLUMNS (no keys to encode).
BATCH_VISITS_UPSERT = f"""
INSERT INTO visits ({", ".join(VISIT_COLUMNS)})
SELECT {", ".join(_FROM_ARRAY)}
FROM jsonb_array_elements(%s::jsonb) AS r
ON CONFLICT (visit_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in VISIT_COLUMNS[1:])},
    updated_at = now()
"""


class _Seen:
    """What a visit's history says to a backfill and to HISTORY_ONCE."""

    __slots__ = ("attempts", "has_visitor", "record", "records", "tried", "visitor")

    def __init__(self) -> None:
        self.has_visitor = False
        self.visitor: str | None = None
        self.record: tuple[str | None, str | None] | None = None  # latest
        self.attempts: int | None = None  # the highest attempt number
        self.records: set[str] = set()  # record numbers in the history
        self.tried: set[str] = set()  # attempt numbers in the history

    def add(self, type_: str, detail: dict[str, Any]) -> None:
        """An entry of `type_` whose detail has (at least) these keys."""
        if "visitor" in detail:
            self.has_visitor, self.visitor = True, detail["visitor"]
        if type_ == "visit_completed":
            record_no = detail.get("record_no")
            self.record = (record_no, detail.get("visited_on"))
            if record_no is not None:
                self.records.add(record_no)
        elif type_ == "visit_attempt_failed":
            attempt_no = _text(detail.get("attempt_no"))
            if attempt_no is not None:
                self.tried.add(attempt_no)
                number = int(attempt_no)
                if self.attempts is None or number > self.attempts:
                    self.attempts = number


class _Batch:
    """The visits of one batch as the statements above would leave them."""

    def __init__(
        self, visits: dict[str, dict[str, Any]], seen: dict[str, _Seen]
    ) -> None:
        self.visits = visits
        self.seen = seen
        self.history: list[str] = []  # JSON objects
        self.changed: set[str] = set()

    def _history(self, event: Event, visit_id: str, cause: str | None) -> None:
        # The row as JSON text: the detail serialized once, by pydantic.
        p = event.payload
        detail = p.__pydantic_serializer__.to_json(p, exclude=_NOT_IN_DETAIL).decode()
        self.history.append(
            f'{{"n":{len(self.history)},"visit_id":{_json_str(visit_id)},'
            f'"event_id":"{event.event_id}","type":"{event.type}",'
            f'"caused_by":{_json_str(cause) if cause is not None else "null"},'
            f'"occurred_at":"{event.occurred_at.isoformat()}",'
            f'"detail":{detail}}}'
        )
        seen = self.seen.get(visit_id)
        if seen is not None:
            seen.add(event.type, _seen_detail(p))

    def add_history(self, event: Event, visit_id: str) -> None:
        cause = event.causation_id
        self._history(
            event,
            visit_id,
            str(cause) if cause is not None and cause != event.event_id else None,
        )

    def history_once(self, event: Event, visit_id: str, value: str) -> None:
        seen = self.seen[visit_id]
        known = seen.records if event.type == "visit_completed" else seen.tried
        if value not in known:
            self._history(event, visit_id, None)

    def update(self, visit_id: str) -> dict[str, Any] | None:
        row = self.visits.get(visit_id)
        if row is not None:
            self.changed.add(visit_id)
        return row

    def apply(self, event: Event) -> None:  # noqa: PLR0912 - one case per type
        p: Any = event.payload
        if isinstance(event, VisitCompleted) and p.kind in UNPLANNED_KINDS:
            return
        visit_id: str = p.visit_id
        if isinstance(event, VisitCompleted):
            self.history_once(event, visit_id, p.record_no)
            if row := self.update(visit_id):
                row.update(
                    status="done",
                    visitor=p.visitor,
                    record_no=p.record_no,
                    done_on=p.visited_on,
                )
            return
        if isinstance(event, VisitAttemptFailed):
            self.history_once(event, visit_id, str(p.attempt_no))
            if row := self.update(visit_id):
                row["failed_attempts"] = max(row["failed_attempts"], p.attempt_no)
                if row["record_no"] is None:
                    row["visitor"] = p.visitor
            return
        self.add_history(event, visit_id)
        if isinstance(event, VisitPlanned):
            self.planned(p)
        elif isinstance(event, VisitRescheduled):
            if row := self.update(visit_id):
                row.update(
                    due_date=p.due_date,
                    latest_date=p.latest_date,
                    channel=p.channel,
                    policy_version=p.policy_version,
                )
                if p.region is not None:
                    row["region"] = p.region
                if p.product_model is not None:
                    row["product_model"] = p.product_model
        elif isinstance(event, VisitCancelled):
            row = self.visits.get(visit_id)
            if row is not None and row["status"] != "done":
                self.update(visit_id)
                row["status"] = "cancelled"
        elif isinstance(event, VisitSuperseded):
            row = self.visits.get(visit_id)
            if row is not None and row["status"] in ("planned", "escalated"):
                self.update(visit_id)
                row["status"] = "superseded"
        elif isinstance(event, VisitEscalated) and (row := self.update(visit_id)):
            row["failed_attempts"] = max(row["failed_attempts"], p.attempts)
            if row["status"] == "planned":
                row["status"] = "escalated"

    def planned(self, p: Any) -> None:
        row = self.update(p.visit_id)
        values = p.__dict__  # the payload's fields
        if row is not None:  # PLANNED's ON CONFLICT branch
            for column in _PLANNED_UPDATES:
                row[column] = values[column]
            if row["status"] == "cancelled":
                row["status"] = "planned"
            return
        seen = self.seen[p.visit_id]  # PLANNED's insert, then BACKFILL
        record_no, visited_on = seen.record or (None, None)
        row = {c: values.get(c) for c in VISIT_COLUMNS}
        row.update(
            status="done" if seen.record is not None else "planned",
            failed_attempts=seen.attempts or 0,
            visitor=seen.visitor if seen.has_visitor else None,
            record_no=record_no,
            done_on=date.fromisoformat(visited_on) if visited_on else None,
        )
        self.visits[p.visit_id] = row
        self.changed.add(p.visit_id)


_NOT_IN_DETAIL = {"customer_id", "visit_id", "answers"}
_PLANNED_UPDATES = (
    "due_date",
    "latest_date",
    "channel",
    "region",
    "unit_id",
    "order_id",
    "store_id",
    "ticket_id",
    "product_model",
    "policy_version",
)
_BATCH_TYPES = (
    VisitPlanned,
    VisitRescheduled,
    VisitCancelled,
    VisitEscalated,
    VisitSuperseded,
    VisitDue,
    VisitOverdue,
    VisitCompleted,
    VisitAttemptFailed,
)
# The events whose visit needs its history read: a plan may insert the visit
# (and backfill it), a record or an attempt may be resent.
_SEEN_TYPES = (VisitPlanned, VisitCompleted, VisitAttemptFailed)


_json_str = json.encoder.encode_basestring


def _seen_detail(p: Any) -> dict[str, Any]:
    """The keys of an event's `detail` that `_Seen` looks at, as `->>` reads
    them (the detail is the payload but `_NOT_IN_DETAIL`)."""
    keys = _SEEN_KEYS_OF.get(type(p))
    if keys is None:
        keys = _SEEN_KEYS_OF[type(p)] = tuple(
            k for k in _SEEN_KEYS if k in type(p).model_fields
        )
    if not keys:
        return {}
    values = p.__dict__
    out = {k: values[k] for k in keys}
    if "visited_on" in out:
        out["visited_on"] = out["visited_on"].isoformat()
    return out


_SEEN_KEYS = ("visitor", "record_no", "visited_on", "attempt_no")
_SEEN_KEYS_OF: dict[type, tuple[str, ...]] = {}


def _text(value: Any) -> str | None:
    """A JSON value as `detail->>key` gives it (numbers and strings)."""
    return None if value is None else str(value)


async def apply_batch(cur: DbCursor, events: Sequence[Event]) -> Sequence[Event]:
    """The batch's events, set-based (see above)."""
    mine = [e for e in events if isinstance(e, _BATCH_TYPES)]
    if not mine:
        return NOTHING
    ids = list({e.payload.visit_id for e in mine})
    seen_ids = list({e.payload.visit_id for e in mine if isinstance(e, _SEEN_TYPES)})
    seen = {visit_id: _Seen() for visit_id in seen_ids}
    # Both reads sent before either answer is awaited (one round trip in
    # the runner's pipeline mode).
    async with cur.connection.cursor() as history:
        if seen_ids:
            await history.execute(BATCH_HISTORY, (seen_ids,))
        await cur.execute(BATCH_VISITS, (ids,))
        visits = {
            r[0]: dict(zip(VISIT_COLUMNS, r, strict=True)) for r in await cur.fetchall()
        }
        for visit_id, type_, has_visitor, visitor, *rest in (
            await history.fetchall() if seen_ids else ()
        ):
            detail = dict(
                zip(("record_no", "visited_on", "attempt_no"), rest, strict=True)
            )
            if has_visitor:
                detail["visitor"] = visitor
            seen[visit_id].add(type_, detail)
    batch = _Batch(visits, seen)
    for event in mine:
        batch.apply(event)
    if batch.history:
        await cur.execute(BATCH_HISTORY_INSERT, (f"[{','.join(batch.history)}]",))
    if batch.changed:
        rows = [_json_visit(visits[v]) for v in sorted(batch.changed)]
        await cur.execute(BATCH_VISITS_UPSERT, (json.dumps(rows),))
    return NOTHING


def _json_visit(row: dict[str, Any]) -> list[Any]:
    out = list(row.values())  # in the order of VISIT_COLUMNS
    for i in _DATE_AT:
        if out[i] is not None:
            out[i] = out[i].isoformat()
    return out


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


# The worklist when nothing beyond `as_of` is gathered: every visit wanted is
# due or overdue, so each group of `gather_batches` (region, channel, one
# visit if not batchable, store if retail) is one batch, whose place
# (`batch_key`) is found here; a page reads the visits of its batches only.
# COLLATE "C": text in Python's order.
WANTED_NOW = """
v.status = 'planned' AND v.failed_attempts < %(max_failed)s
  AND v.due_date <= %(as_of)s
  AND (%(region)s::text IS NULL OR v.region = %(region)s)
  AND (%(visitor)s::text IS NULL OR v.visitor = %(visitor)s)
"""
GROUP_OF = """
coalesce(v.region, '') AS g_region, v.channel AS g_channel,
CASE WHEN v.kind = ANY(%(batchable)s) THEN '' ELSE v.visit_id END AS g_alone,
CASE WHEN v.kind = ANY(%(retail)s) THEN coalesce(v.store_id, '') END AS g_store
"""
KEY = 'overdue_last, first_due, g_region COLLATE "C", g_channel COLLATE "C", first_id'
AFTER = f"""(%(after_id)s::text IS NULL OR ({KEY})
    > (%(after_overdue_last)s, %(after_due)s, %(after_region)s,
       %(after_channel)s, %(after_id)s))"""


def _alone(overdue: str, due_from: str) -> str:
    # The visits made one by one: each its own batch, found in due-date
    # order (the partial indexes), so that only a page of them is read.
    return f"""(SELECT * FROM (
    SELECT {GROUP_OF}, v.latest_date >= %(as_of)s AS overdue_last,
        v.due_date AS first_due, v.visit_id COLLATE "C" AS first_id
    FROM visits v
    WHERE {WANTED_NOW} AND NOT v.kind = ANY(%(batchable)s) AND {overdue}
      AND {due_from}
) o WHERE {AFTER}
-- overdue_last is the same throughout: by due date first, as indexed
ORDER BY first_due, g_region COLLATE "C", g_channel COLLATE "C", first_id
LIMIT %(limit)s)"""


WORKLIST_GROUPS = f"""
SELECT g_region, g_channel, g_alone, g_store FROM (
    SELECT * FROM (
        SELECT g_region, g_channel, g_alone, g_store,
            bool_and(NOT overdue) AS overdue_last, min(due_date) AS first_due,
            -- the batch's first visit: overdue first, then by due date and
            -- id (fixed widths: one flag, a date of ten characters, the id)
            substr(min(((NOT overdue)::int::text || due_date::text || visit_id)
                COLLATE "C"), 12) AS first_id
        FROM (
            SELECT {GROUP_OF}, v.latest_date < %(as_of)s AS overdue, v.due_date,
                v.visit_id
            FROM visits v WHERE {WANTED_NOW} AND v.kind = ANY(%(batchable)s)
        ) w
        GROUP BY g_region, g_channel, g_alone, g_store
    ) b WHERE {AFTER}
    UNION ALL
    {
    _alone(
        "v.latest_date < %(as_of)s",
        "(%(after_id)s::text IS NULL OR (NOT %(after_overdue_last)s"
        " AND v.due_date >= %(after_due)s))",
    )
}
    UNION ALL
    {
    _alone(
        "v.latest_date >= %(as_of)s",
        "(%(after_id)s::text IS NULL OR NOT %(after_overdue_last)s"
        " OR v.due_date >= %(after_due)s)",
    )
}
) g
ORDER BY {KEY}
LIMIT %(limit)s
"""
WORKLIST_ALONE = f"SELECT {READ_FIELDS} FROM visits v WHERE v.visit_id = ANY(%s)"
WORKLIST_BATCHED = f"""
SELECT {READ_FIELDS} FROM (
    SELECT v.*, {GROUP_OF} FROM visits v
    WHERE {WANTED_NOW} AND v.kind = ANY(%(batchable)s)
) v
JOIN unnest(%(regions)s::text[], %(channels)s::text[], %(stores)s::text[])
    AS p(p_region, p_channel, p_store)
  ON p_region = v.g_region AND p_channel = v.g_channel
 AND p_store IS NOT DISTINCT FROM v.g_store
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


def encode_batch_cursor(key: BatchKey) -> str:
    """The position after the batch of `key` in the worklist's order."""
    overdue_last, due, region, channel, visit_id = key
    raw = json.dumps([overdue_last, due.isoformat(), region, channel, visit_id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_batch_cursor(page_cursor: str) -> BatchKey:
    """The batch key a worklist cursor points after."""
    try:
        overdue_last, due, region, channel, visit_id = json.loads(
            base64.urlsafe_b64decode(page_cursor)
        )
        well_formed = isinstance(overdue_last, bool) and all(
            isinstance(x, str) for x in (due, region, channel, visit_id)
        )
        key = (overdue_last, date.fromisoformat(due), region, channel, visit_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadPageCursorError(page_cursor) from None
    if not well_formed:
        raise BadPageCursorError(page_cursor)
    return key


def status_params(
    status: VisitStatus | None, as_of: date, policy: Policy
) -> dict[str, Any]:
    """The parameters of `STATUS_FILTER`."""
    return {
        "status": status,
        "as_of": as_of,
        "max_failed": policy.max_failed_attempts,
    }


def visit_read(
    row: Sequence[Any], as_of: date, policy: Policy, visit: Visit | None = None
) -> VisitRead:
    """A row of `READ_FIELDS` as the API shows it on `as_of` (`visit`: the
    row's `Visit`, when the caller has it already)."""
    if visit is None:
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


def worklist_now(
    conn: Conn,
    *,
    as_of: date,
    policy: Policy,
    region: str | None,
    visitor: str | None,
    limit: int,
    after: BatchKey | None,
) -> tuple[list[tuple[Visit, Sequence[Any]]], bool]:
    """The open visits of the first `limit` batches after `after` when
    nothing beyond `as_of` is gathered (see `WORKLIST_GROUPS`), and whether
    more batches follow."""
    params: dict[str, Any] = {
        "as_of": as_of,
        "max_failed": policy.max_failed_attempts,
        "region": region,
        "visitor": visitor,
        "batchable": [str(k) for k in policy.batchable_kinds],
        "retail": [str(k) for k in policy.retail_kinds],
        "after_overdue_last": after[0] if after else None,
        "after_due": after[1] if after else None,
        "after_region": after[2] if after else None,
        "after_channel": after[3] if after else None,
        "after_id": after[4] if after else None,
        "limit": limit + 1,
    }
    groups = conn.execute(WORKLIST_GROUPS, params).fetchall()
    more = len(groups) > limit
    groups = groups[:limit]
    if not groups:
        return [], more
    alone = [g[2] for g in groups if g[2]]
    batched = [g for g in groups if not g[2]]
    rows = list(conn.execute(WORKLIST_ALONE, (alone,))) if alone else []
    if batched:
        page = {
            **params,
            "regions": [g[0] for g in batched],
            "channels": [g[1] for g in batched],
            "stores": [g[3] for g in batched],
        }
        rows.extend(conn.execute(WORKLIST_BATCHED, page))
    return [(visit_with_store(r), r) for r in rows], more
