"""The scheduler's command side and its SQL: each customer's facts, the plan
as last published per visit, and what the daily tick announced.

Authoritative (the store schema, never dropped by a rebuild): the event
reactions decide against it, the tick announces from it. The read model the
API answers from is in views.py, built from the events alone.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.reconcile import Cancelled
from services.scheduler.domain.step import Outcome
from services.scheduler.domain.visit import Visit
from services.scheduler.snapshot import dump_facts, load_facts

Conn = psycopg.Connection[Any]
DbCursor = psycopg.AsyncCursor[Any]

# The domain's `Visit`, the same columns in visit_plans (here) and visits
# (views.py), read by `visit_from`.
VISIT_FIELDS = (
    "customer_id, visit_id, kind, due_date, latest_date, channel, status, region,"
    " failed_attempts, product_model"
)
# What a published plan says besides the `Visit`.
PLAN_FIELDS = "unit_id, order_id, store_id, ticket_id, policy_version"

LOAD_FACTS = "SELECT facts FROM customer_facts WHERE customer_id = %s FOR UPDATE"
SAVE_FACTS = """
INSERT INTO customer_facts (customer_id, customer_name, facts) VALUES (%s, %s, %s)
ON CONFLICT (customer_id) DO UPDATE SET facts = EXCLUDED.facts,
    customer_name = COALESCE(EXCLUDED.customer_name, customer_facts.customer_name),
    updated_at = now()
"""
LOAD_PLANS = (
    f"SELECT {VISIT_FIELDS}, {PLAN_FIELDS} FROM visit_plans WHERE customer_id = %s"
)
SAVE_PLAN = f"""
INSERT INTO visit_plans ({VISIT_FIELDS}, {PLAN_FIELDS})
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET due_date = EXCLUDED.due_date,
    latest_date = EXCLUDED.latest_date, channel = EXCLUDED.channel,
    status = EXCLUDED.status, region = EXCLUDED.region,
    failed_attempts = EXCLUDED.failed_attempts,
    product_model = EXCLUDED.product_model, unit_id = EXCLUDED.unit_id,
    order_id = EXCLUDED.order_id, store_id = EXCLUDED.store_id,
    ticket_id = EXCLUDED.ticket_id, policy_version = EXCLUDED.policy_version,
    updated_at = now()
"""

# Ticks exclude each other (the job on the leader and `POST /v1/tick`): a
# lock mode that conflicts with itself, held until the tick's commit.
LOCK_TICK = "LOCK TABLE announcements IN SHARE ROW EXCLUSIVE MODE"
# Open visits that may still have a notice to give on `as_of`.
PENDING = f"""
SELECT {VISIT_FIELDS} FROM visit_plans v
WHERE v.status IN ('planned', 'escalated') AND v.due_date <= %(as_of)s
  AND (SELECT count(*) FROM announcements a WHERE a.visit_id = v.visit_id) < 2
"""
ANNOUNCED = "SELECT visit_id, kind FROM announcements WHERE visit_id = ANY(%s)"
ANNOUNCE = """
INSERT INTO announcements (visit_id, kind, announced_on, event_id)
VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING
"""

FACTS = """
SELECT facts FROM customer_facts
WHERE %(customer_id)s::text IS NULL OR customer_id = %(customer_id)s
"""
DONE = "SELECT visit_id FROM visit_plans WHERE status = 'done'"
SAVE_CONTACT = """
INSERT INTO contacts (customer_id, source_id, role, name, phone)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (customer_id, source_id, role) DO UPDATE SET name = EXCLUDED.name,
    phone = EXCLUDED.phone, updated_at = now()
"""
CONTACTS = """
SELECT customer_id, source_id, role, name, phone FROM contacts
WHERE customer_id = ANY(%s) ORDER BY customer_id, source_id, role
"""
NAMES = (
    "SELECT customer_id, customer_name FROM customer_facts WHERE customer_id = ANY(%s)"
)


def visit_from(row: Sequence[Any]) -> Visit:
    """A visit from a row of `VISIT_FIELDS`."""
    return Visit(
        customer_id=row[0],
        visit_id=row[1],
        kind=VisitKind(row[2]),
        due_date=row[3],
        latest_date=row[4],
        channel=Channel(row[5]),
        status=VisitStatus(row[6]),
        region=row[7],
        failed_attempts=row[8],
        product_model=row[9],
    )


# Where a row of `VISIT_FIELDS, PLAN_FIELDS` (and of the views' READ_FIELDS,
# which begins the same) holds the store id.
STORE_ID_AT = 12


def visit_with_store(row: Sequence[Any]) -> Visit:
    """A visit, with its store, from a row that begins `VISIT_FIELDS,
    PLAN_FIELDS`."""
    return replace(visit_from(row), store_id=row[STORE_ID_AT])


PlanDetails = tuple[Any, ...]  # the values of `PLAN_FIELDS`


@dataclass(frozen=True)
class Customer:
    """What a reaction loads of one customer."""

    facts: CustomerFacts
    visits: dict[str, Visit]
    details: dict[str, PlanDetails]  # visit id -> as last published


async def load_customer(cur: DbCursor, customer_id: str) -> Customer:
    """A customer's facts (locked until commit) and published plans."""
    await cur.execute(LOAD_FACTS, (customer_id,))
    row = await cur.fetchone()
    facts = load_facts(row[0]) if row else CustomerFacts(customer_id)
    await cur.execute(LOAD_PLANS, (customer_id,))
    rows = await cur.fetchall()
    return Customer(
        facts=facts,
        visits={r[1]: visit_with_store(r) for r in rows},
        details={r[1]: tuple(r[10:]) for r in rows},
    )


async def save_customer(
    cur: DbCursor, outcome: Outcome, before: Customer, *, customer_name: str | None
) -> None:
    """Write a fact's outcome: the facts, and every visit it changed."""
    await cur.execute(
        SAVE_FACTS,
        (outcome.facts.customer_id, customer_name, Jsonb(dump_facts(outcome.facts))),
    )
    published = {
        c.visit.visit_id: (
            c.visit.unit_id,
            c.visit.order_id,
            c.visit.store_id,
            c.visit.ticket_id,
            c.visit.policy_version,
        )
        for c in outcome.changes
        if not isinstance(c, Cancelled)
    }
    rows = [
        (
            v.customer_id,
            v.visit_id,
            v.kind,
            v.due_date,
            v.latest_date,
            v.channel,
            v.status,
            v.region,
            v.failed_attempts,
            v.product_model,
            *published.get(visit_id, before.details.get(visit_id, ())),
        )
        for visit_id, v in outcome.visits.items()
        if before.visits.get(visit_id) != v or visit_id in published
    ]
    if rows:
        await cur.executemany(SAVE_PLAN, rows)


def lock_tick(conn: Conn) -> None:
    """Wait for any other tick to commit; hold the lock until this one does."""
    conn.execute(LOCK_TICK)


def pending_visits(conn: Conn, as_of: date) -> list[Visit]:
    """Open visits due by `as_of` that were not announced both due and overdue."""
    return [visit_from(r) for r in conn.execute(PENDING, {"as_of": as_of})]


def announced(conn: Conn, visit_ids: Sequence[str]) -> set[tuple[str, VisitStatus]]:
    """The (visit id, DUE or OVERDUE) already announced of these visits."""
    return {
        (visit_id, VisitStatus(kind))
        for visit_id, kind in conn.execute(ANNOUNCED, (list(visit_ids),))
    }


def record_announcements(
    conn: Conn, rows: Iterable[tuple[str, VisitStatus, date, Any]]
) -> None:
    """(visit id, notice, announced on, event id) of what a tick announced."""
    with conn.cursor() as cur:
        cur.executemany(ANNOUNCE, [(v, n.value, d, e) for v, n, d, e in rows])


def customers_facts(conn: Conn, customer_id: str | None) -> dict[str, CustomerFacts]:
    """Every customer's facts (or one's), for a what-if."""
    facts = [
        load_facts(r[0]) for r in conn.execute(FACTS, {"customer_id": customer_id})
    ]
    return {f.customer_id: f for f in facts}


def done_visit_ids(conn: Conn) -> set[str]:
    return {r[0] for r in conn.execute(DONE)}


def customer_names(conn: Conn, customer_ids: Sequence[str]) -> dict[str, str]:
    """The customers' names, as their contracts and orders gave them."""
    return {
        c: n for c, n in conn.execute(NAMES, (list(customer_ids),)) if n is not None
    }


async def save_contacts(
    cur: DbCursor, rows: Sequence[tuple[str, str, str, str | None, str]]
) -> None:
    """(customer id, contract or order id, role, name, phone): the latest wins."""
    if rows:
        await cur.executemany(SAVE_CONTACT, rows)


@dataclass(frozen=True)
class Contact:
    """Someone to call about a customer's visits."""

    source_id: str  # the contract or retail order that named them
    role: str  # power, substation or retail
    name: str | None
    phone: str


def customer_contacts(
    conn: Conn, customer_ids: Sequence[str]
) -> dict[str, list[Contact]]:
    """Each customer's contacts, by contract or order, then role."""
    out: dict[str, list[Contact]] = {}
    for customer_id, source_id, role, name, phone in conn.execute(
        CONTACTS, (list(customer_ids),)
    ):
        out.setdefault(customer_id, []).append(Contact(source_id, role, name, phone))
    return out
