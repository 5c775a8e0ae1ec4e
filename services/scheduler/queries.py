"""The API's reads of the read model, and rows turned into responses."""

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg

from services.scheduler import store
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.status import visit_status
from services.scheduler.models import HistoryEntry, VisitQuery, VisitRead
from services.scheduler.snapshot import load_facts

Conn = psycopg.Connection[Any]

READ_FIELDS = (
    f"{store.VISIT_FIELDS}, unit_id, order_id, store_id, ticket_id,"
    " policy_version, visitor, record_no, done_on"
)

# `status` is derived for `as_of` by `domain.status.visit_status`; this is its
# translation into a filter the database can apply before paging. It relies on
# the projection's invariant that an open visit with the policy's number of
# failed attempts is stored `escalated`, every other open one `planned`.
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
  AND (%(status)s::text IS NULL OR CASE %(status)s::text
        WHEN 'planned' THEN v.status = 'planned' AND v.due_date > %(as_of)s::date
        WHEN 'due' THEN v.status = 'planned' AND v.due_date <= %(as_of)s::date
                        AND v.latest_date >= %(as_of)s::date
        WHEN 'overdue' THEN v.status = 'planned' AND v.latest_date < %(as_of)s::date
        ELSE v.status = %(status)s::text END)
  AND (%(after_due)s::date IS NULL
       OR (v.due_date, v.visit_id) > (%(after_due)s::date, %(after_id)s::text))
ORDER BY v.due_date, v.visit_id
LIMIT %(limit)s
"""
ONE = f"SELECT {READ_FIELDS} FROM visits WHERE visit_id = %s"
HISTORY = """
SELECT type, event_id, caused_by, occurred_at, detail FROM visit_history
WHERE visit_id = %s ORDER BY seq
"""
OPEN = f"""
SELECT {READ_FIELDS} FROM visits v
WHERE v.status IN ('planned', 'escalated')
  AND (%(region)s::text IS NULL OR v.region = %(region)s)
  AND (%(visitor)s::text IS NULL OR v.visitor = %(visitor)s)
  AND (%(until)s::date IS NULL OR v.due_date <= %(until)s)
ORDER BY v.due_date, v.visit_id
"""
FACTS = """
SELECT facts FROM customer_facts
WHERE %(customer_id)s::text IS NULL OR customer_id = %(customer_id)s
"""
DONE = "SELECT visit_id FROM visits WHERE status = 'done'"
NAMES = (
    "SELECT customer_id, customer_name FROM customer_facts WHERE customer_id = ANY(%s)"
)


class BadCursorError(ValueError):
    """A `cursor` that no page of this API gave."""


def encode_cursor(visit: VisitRead) -> str:
    """The position after `visit` in the list's order (due date, visit id)."""
    raw = f"{visit.due_date.isoformat()}|{visit.visit_id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[date, str]:
    """The (due date, visit id) a cursor points after."""
    try:
        due, visit_id = base64.urlsafe_b64decode(cursor).decode().split("|", 1)
        return date.fromisoformat(due), visit_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursorError(cursor) from None


def visit_read(row: Sequence[Any], as_of: date, policy: Policy) -> VisitRead:
    """A row of `READ_FIELDS` as the API shows it on `as_of`."""
    visit = store.visit_from(row)
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
    limit: int,
    after: tuple[date, str] | None,
) -> list[Sequence[Any]]:
    """Up to `limit` rows after `after`, by due date then visit id."""
    params = {
        **filters.model_dump(exclude={"as_of", "limit", "cursor"}),
        "as_of": as_of,
        "after_due": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    return list(conn.execute(LIST, params).fetchall())


def one_visit(conn: Conn, visit_id: str) -> Sequence[Any] | None:
    return conn.execute(ONE, (visit_id,)).fetchone()


def history(conn: Conn, visit_id: str) -> list[HistoryEntry]:
    """A visit's history, oldest first."""
    keys = ("type", "event_id", "caused_by", "occurred_at", "detail")
    return [
        HistoryEntry(**dict(zip(keys, r, strict=True)))
        for r in conn.execute(HISTORY, (visit_id,))
    ]


def open_visits(
    conn: Conn,
    *,
    region: str | None = None,
    visitor: str | None = None,
    until: date | None = None,
) -> list[Sequence[Any]]:
    """Rows of the open visits (escalated included), by due date."""
    params = {"region": region, "visitor": visitor, "until": until}
    return list(conn.execute(OPEN, params).fetchall())


def customers_facts(conn: Conn, customer_id: str | None) -> dict[str, CustomerFacts]:
    """Every customer's facts (or one's), for a what-if."""
    facts = [
        load_facts(r[0]) for r in conn.execute(FACTS, {"customer_id": customer_id})
    ]
    return {f.customer_id: f for f in facts}


def done_visit_ids(conn: Conn) -> set[str]:
    return {r[0] for r in conn.execute(DONE)}


def customer_names(conn: Conn, customer_ids: Sequence[str]) -> dict[str, str]:
    return {
        c: n for c, n in conn.execute(NAMES, (list(customer_ids),)) if n is not None
    }
