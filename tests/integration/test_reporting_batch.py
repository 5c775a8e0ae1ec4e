"""The reporting projection's batch path leaves exactly the per-event path's rows.

One realistic sequence (bench/mix.py at a small size, plus hand-written edge
cases: several facts of one row in one batch, facts arriving before the one
that creates their row, corrections, the same fact resent under a new event
id, the visit copy's fold) is applied once through `handle` one event at a
time and then through `handle_batch` in batches of 1, 7 and 500, each on a
fresh schema; every table of the read model must hold the same rows, every
column, `ticket_steps.seq` (the order steps were applied in) included. The
sequence runs twice: in log order, and topic by topic (how a batch of
several partitions reaches the projection: one partition after another).
"""

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bench.mix import event_mix
from schemas.catalogue import TOPIC_OF, AnyEvent
from schemas.envelope import Event
from schemas.feedback import TicketOverdue
from schemas.ledger import Delivered
from schemas.schedule import VisitSuperseded
from services.kit.db import VIEWS, connect_async, migrate
from services.kit.settings import Settings
from services.reporting.projection import BATCH_FOLDS, HANDLERS, PROJECTION
from tests.support.tables import Rows, table_rows

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "reporting" / "migrations"
TABLES = (
    "visits",
    "visit_records",
    "failed_attempts",
    "tickets",
    "ticket_steps",
    "capas",
    "sla_breaches",
    "units",
    "customers",
    "contracts",
    "reviews",
)
BATCH_SIZES = (1, 7, 500)
LOCAL = "local_self_sufficient"


def again(event: AnyEvent, **payload: Any) -> AnyEvent:
    """The same fact under a new event id, with `payload` corrected."""
    wire = event.model_dump(mode="json", exclude={"event_id", "key"})
    wire["payload"] |= payload
    resent: AnyEvent = type(event).model_validate(wire)
    return resent


def first(events: Sequence[AnyEvent], kind: str, nth: int = 0) -> Any:
    """The `nth` event of a kind (any: its payload's fields are the kind's)."""
    return [e for e in events if e.type == kind][nth]


def envelope(source: str) -> dict[str, Any]:
    return {"source": source, "actor": f"{source}-clerk"}


def edge_cases(mix: Sequence[AnyEvent]) -> list[AnyEvent]:
    """Facts the mix never sends, or never in these orders."""
    plan = first(mix, "visit_planned", 3)
    visit = plan.payload.model_dump(mode="json")
    superseded = VisitSuperseded.model_validate(
        {
            **envelope("scheduler"),
            "payload": {
                "customer_id": visit["customer_id"],
                "visit_id": "V-EDGE-1",
                "kind": visit["kind"],
                "due_date": "2021-05-01",
                "latest_date": "2021-05-15",
                "superseded_on": "2021-05-20",
                "by_visit_id": visit["visit_id"],
                "by_record_no": "HF-EDGE-1",
            },
        }
    )
    overdue = first(mix, "visit_overdue")
    opened = first(mix, "ticket_opened", 1)
    ticket = opened.payload.ticket_id
    assigned = again(first(mix, "ticket_assigned"), ticket_id="T-EDGE-1")
    resolved = first(mix, "ticket_resolved")
    verified = again(first(mix, "ticket_verified"), ticket_id="T-EDGE-1")
    breach = TicketOverdue.model_validate(
        {
            **envelope("feedback"),
            "payload": {
                "customer_id": opened.payload.customer_id,
                "ticket_id": ticket,
                "department": "production",
                "subject": "product_quality",
                "breach": "assignment",
                "deadline": "2021-05-01",
                "announced_on": "2021-05-02",
            },
        }
    )
    capa_verified = first(mix, "capa_verified")
    contract = first(mix, "contract_registered", 2)
    customer = contract.payload.customer_id
    delivered = Delivered.model_validate(
        {
            **envelope("retail"),
            "payload": {
                "customer_id": customer,
                "store_id": "S1",
                "order_id": "O-EDGE-1",
                "delivered_date": "2021-06-01",
                "mode": "delivery",
                "customer_name": None,
                "region": "north",
            },
        }
    )
    new_customer = again(delivered, customer_id="R-EDGE-1", customer_name=None)
    record = first(mix, "visit_completed", 5)
    attempt = first(mix, "visit_attempt_failed", 2)
    shipped = first(mix, "shipped", 4)
    review = first(mix, "report_reviewed", 1)
    return [
        # A visit copy: superseded before its plan; overdue twice, the later
        # announcement first; cancelled, planned again, resent.
        superseded,
        again(superseded, customer_id=visit["customer_id"]),
        again(plan, visit_id="V-EDGE-1"),
        again(overdue, visit_id="V-EDGE-1", announced_on="2021-05-30"),
        again(overdue, visit_id="V-EDGE-1", announced_on="2021-05-25"),
        again(first(mix, "visit_cancelled"), visit_id="V-EDGE-1"),
        again(first(mix, "visit_rescheduled"), visit_id="V-EDGE-1", region=None),
        again(plan, visit_id="V-EDGE-1", region=None),
        again(plan),
        # A ticket routed and resolved before its opening (the routing stays),
        # opened twice, a step resent (kept once, its number used up).
        assigned,
        again(resolved, ticket_id="T-EDGE-1", department="quality"),
        again(resolved, ticket_id="T-EDGE-1", department="quality"),
        again(opened, ticket_id="T-EDGE-1", department="technical"),
        again(opened, ticket_id="T-EDGE-1", subject="service_quality"),
        verified,
        again(verified),
        again(assigned, ticket_id=ticket, department="after_sales"),
        # A breach announced again: the first announcement stays.
        breach,
        again(breach, announced_on="2021-05-09", department="quality"),
        # A CAPA verified before it is opened, then opened twice.
        again(capa_verified, capa_id="CAPA-EDGE"),
        again(first(mix, "capa_opened"), capa_id="CAPA-EDGE"),
        again(first(mix, "capa_opened", 1), capa_id="CAPA-EDGE", review_id=None),
        # A customer: a delivery without a name, a second contract with other
        # tags, a delivery naming it; a customer first known by a delivery.
        delivered,
        again(contract, contract_id="K-EDGE", tags={"strength": LOCAL}),
        again(delivered, customer_name="改名客户", region=None),
        new_customer,
        again(contract, customer_id="R-EDGE-1", contract_id="K-EDGE-2"),
        again(new_customer, customer_name="零售客户"),
        # Corrections: a record, a failed attempt (its customer stays), a
        # unit (its customer stays), a review.
        again(record, score=12, region=None),
        again(attempt, customer_id="C-OTHER", reason="no_answer"),
        again(shipped, customer_id="C-OTHER", product_model="EDGE-MODEL"),
        again(review, capa_needed=False, company="EDGE"),
    ]


def sequence() -> list[AnyEvent]:
    mix: list[Any] = list(event_mix(1500))
    cases = edge_cases(mix)
    # Spread through the mix so that they meet its rows in every batch size,
    # and each run of cases also sits whole inside one batch of 500.
    resent = [again(case) for case in cases]
    return [*mix[:700], *cases[:9], *mix[700:1100], *cases[9:], *mix[1100:], *resent]


def by_topic(events: Sequence[AnyEvent]) -> list[AnyEvent]:
    order = {topic: i for i, topic in enumerate(PROJECTION.topics)}
    return sorted(events, key=lambda e: order[TOPIC_OF[e.type]])


async def project(
    settings: Settings, schema: str, events: Sequence[AnyEvent], size: int | None
) -> None:
    """`handle` per event (size None) or `handle_batch` per `size` events, a
    transaction per batch, in pipeline mode as the runner runs them."""
    assert PROJECTION.handle_batch is not None
    conn = await connect_async(settings.database_url, schema)
    try:
        if size is None:
            async with conn.transaction(), conn.cursor() as cur:
                for event in events:
                    derived: Sequence[Event] = await PROJECTION.handle(cur, event)
                    assert not derived
            return
        for start in range(0, len(events), size):
            async with conn.transaction(), conn.cursor() as cur, conn.pipeline():
                derived = await PROJECTION.handle_batch(
                    cur, events[start : start + size]
                )
                assert not derived
    finally:
        await conn.close()


def tables(settings: Settings, schema: str) -> Rows:
    return table_rows(settings, schema, dict.fromkeys(TABLES, "1, 2, 3"))


@pytest.mark.parametrize("order", ["log", "topic by topic"])
def test_batches_leave_the_per_event_rows(settings: Settings, order: str) -> None:
    events = sequence()
    if order != "log":
        events = by_topic(events)
    results = {}
    for size in (None, *BATCH_SIZES):
        schema = f"{settings.schema_prefix}rep_{size or 'each'}"
        migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
        asyncio.run(project(settings, schema, events, size))
        results[size] = tables(settings, schema)
    expected = results.pop(None)
    # The sequence reaches every table, and the edge cases their rows.
    assert all(expected[table] for table in TABLES), expected
    for size, rows in results.items():
        for table in TABLES:
            assert rows[table] == expected[table], (size, table)


def test_every_event_the_projection_applies_has_a_fold() -> None:
    assert BATCH_FOLDS.keys() == HANDLERS.keys()
