"""The projection's reads and writes: a customer's facts, visits and history."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from schemas.envelope import Event
from schemas.survey import VisitAttemptFailed, VisitCompleted
from schemas.types import Channel, VisitKind, VisitStatus
from services.kit.projection import Cursor
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.reconcile import Cancelled
from services.scheduler.domain.visit import PlannedVisit, Visit
from services.scheduler.snapshot import dump_facts, load_facts
from services.scheduler.step import Outcome

VISIT_FIELDS = (
    "customer_id, visit_id, kind, due_date, latest_date, channel, status, region,"
    " failed_attempts, product_model"
)

LOAD_FACTS = "SELECT facts FROM customer_facts WHERE customer_id = %s FOR UPDATE"
SAVE_FACTS = """
INSERT INTO customer_facts (customer_id, customer_name, facts) VALUES (%s, %s, %s)
ON CONFLICT (customer_id) DO UPDATE SET facts = EXCLUDED.facts,
    customer_name = COALESCE(EXCLUDED.customer_name, customer_facts.customer_name),
    updated_at = now()
"""
REF_FIELDS = "region, unit_id, order_id, store_id, ticket_id, product_model"
LOAD_VISITS = f"SELECT {VISIT_FIELDS}, {REF_FIELDS} FROM visits WHERE customer_id = %s"
# A plan's details that are not a change to publish (those of a done visit,
# which never changes; an open visit's are published as a move): the read
# model keeps them current all the same, for the filters and the worklist.
SAVE_REFS = """
UPDATE visits SET region = %s, unit_id = %s, order_id = %s, store_id = %s,
    ticket_id = %s, product_model = %s, updated_at = now()
WHERE visit_id = %s
"""
# A visit planned or moved: the whole published plan.
SAVE_PLANNED = """
INSERT INTO visits (customer_id, visit_id, kind, due_date, latest_date, channel,
    status, region, failed_attempts, unit_id, order_id, store_id, ticket_id,
    product_model, policy_version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET due_date = EXCLUDED.due_date,
    latest_date = EXCLUDED.latest_date, channel = EXCLUDED.channel,
    status = EXCLUDED.status, region = EXCLUDED.region,
    failed_attempts = EXCLUDED.failed_attempts, unit_id = EXCLUDED.unit_id,
    order_id = EXCLUDED.order_id, store_id = EXCLUDED.store_id,
    ticket_id = EXCLUDED.ticket_id, product_model = EXCLUDED.product_model,
    policy_version = EXCLUDED.policy_version, updated_at = now()
"""
# A change of lifecycle only (done, escalated, cancelled, attempts counted).
SAVE_LIFECYCLE = """
UPDATE visits SET status = %s, failed_attempts = %s, updated_at = now()
WHERE visit_id = %s
"""
# The survey's facts reach the log on another topic than the ledger's, so a
# record or an attempt can be applied before the visit it names is planned;
# a newly stored visit takes its visitor and record from the history.
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
                            ORDER BY h.seq DESC LIMIT 1)
WHERE v.visit_id = ANY(%s)
"""
RECORDED = """
UPDATE visits SET visitor = %s, record_no = %s, done_on = %s, updated_at = now()
WHERE visit_id = %s
"""
ATTEMPTED = """
UPDATE visits SET visitor = %s, updated_at = now()
WHERE visit_id = %s AND record_no IS NULL
"""
HISTORY = """
INSERT INTO visit_history (visit_id, event_id, type, caused_by, occurred_at, detail)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id, visit_id) DO NOTHING
"""


def visit_from(row: Sequence[Any]) -> Visit:
    """A stored visit from a row of `VISIT_FIELDS`."""
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


Refs = tuple[str | None, ...]


@dataclass(frozen=True)
class Customer:
    """What the projection loads of one customer."""

    facts: CustomerFacts
    visits: dict[str, Visit]
    refs: dict[str, Refs]  # visit id -> the plan's details as stored


def refs_of(plan: PlannedVisit) -> Refs:
    """A plan's details, in the order of `REF_FIELDS`."""
    return (
        plan.region,
        plan.unit_id,
        plan.order_id,
        plan.store_id,
        plan.ticket_id,
        plan.product_model,
    )


async def load_customer(cur: Cursor, customer_id: str) -> Customer:
    """A customer's facts (locked until commit), stored visits and details."""
    await cur.execute(LOAD_FACTS, (customer_id,))
    row = await cur.fetchone()
    facts = load_facts(row[0]) if row else CustomerFacts(customer_id)
    await cur.execute(LOAD_VISITS, (customer_id,))
    rows = await cur.fetchall()
    return Customer(
        facts=facts,
        visits={r[1]: visit_from(r) for r in rows},
        refs={r[1]: tuple(r[10:]) for r in rows},
    )


def _planned_row(visit: Visit, plan: PlannedVisit) -> tuple[Any, ...]:
    return (
        visit.customer_id,
        visit.visit_id,
        visit.kind,
        visit.due_date,
        visit.latest_date,
        visit.channel,
        visit.status,
        plan.region,
        visit.failed_attempts,
        plan.unit_id,
        plan.order_id,
        plan.store_id,
        plan.ticket_id,
        plan.product_model,
        plan.policy_version,
    )


def history_row(event: Event, cause: Event | None = None) -> tuple[Any, ...]:
    """A history entry of the visit an event names; `cause` if it derived."""
    payload = event.payload.model_dump(
        mode="json", exclude={"customer_id", "visit_id", "answers"}
    )
    return (
        getattr(event.payload, "visit_id"),  # noqa: B009 - every visit event has it
        event.event_id,
        event.type,
        cause.type if cause else None,
        event.occurred_at,
        Jsonb(payload),
    )


async def save_customer(
    cur: Cursor,
    outcome: Outcome,
    before: Customer,
    *,
    cause: Event,
    derived: Sequence[Event],
    customer_name: str | None,
) -> None:
    """Write a fact's outcome: facts, changed visits and their history."""
    await cur.execute(
        SAVE_FACTS,
        (outcome.facts.customer_id, customer_name, Jsonb(dump_facts(outcome.facts))),
    )
    history = [history_row(e, cause) for e in derived if hasattr(e.payload, "visit_id")]
    # A record or attempt resent under a new id tells nothing new: one entry.
    if isinstance(cause, VisitCompleted | VisitAttemptFailed) and (
        outcome.facts != before.facts
    ):
        history.append(history_row(cause))
    if history:
        await cur.executemany(HISTORY, history)
    plans = {
        c.visit.visit_id: c.visit
        for c in outcome.changes
        if not isinstance(c, Cancelled)
    }
    changed = [v for k, v in outcome.visits.items() if before.visits.get(k) != v]
    replanned = [
        _planned_row(v, plans[v.visit_id]) for v in changed if v.visit_id in plans
    ]
    if replanned:
        await cur.executemany(SAVE_PLANNED, replanned)
    lifecycle = [
        (v.status, v.failed_attempts, v.visit_id)
        for v in changed
        if v.visit_id not in plans
    ]
    if lifecycle:
        await cur.executemany(SAVE_LIFECYCLE, lifecycle)
    stale = [
        (*refs_of(p), p.visit_id)
        for p in outcome.plan
        if p.visit_id in before.refs
        and p.visit_id not in plans
        and refs_of(p) != before.refs[p.visit_id]
    ]
    if stale:
        await cur.executemany(SAVE_REFS, stale)
    new = [v.visit_id for v in changed if v.visit_id not in before.visits]
    if new:
        await cur.execute(BACKFILL, (new,))
    match cause:
        case VisitCompleted(payload=p):
            await cur.execute(
                RECORDED, (p.visitor, p.record_no, p.visited_on, p.visit_id)
            )
        case VisitAttemptFailed(payload=p):
            await cur.execute(ATTEMPTED, (p.visitor, p.visit_id))
        case _:
            pass
