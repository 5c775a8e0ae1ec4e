"""The ledger's SQL and its domain agree: the rows the projection writes are
the lines `domain/lines.py` folds from the same facts, in any order, one by
one or set-based; the ledger shows a contract's amount once and a row's record
numbers in the domain's order."""

import asyncio
from decimal import Decimal
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest

from schemas.catalogue import AnyEvent
from schemas.codec import decode_obj
from schemas.ledger import Installed, PoweredOn, Shipped
from services.kit.db import VIEWS, connect, connect_async, migrate
from services.kit.settings import Settings
from services.ledger import handlers
from services.ledger.domain.lines import ProductLine, UnitFact, evolve
from services.ledger.projection import apply, apply_batch
from tests.support.factories import (
    contract,
    delivered,
    installed,
    powered_on,
    shipped,
)
from tests.support.tables import Rows, table_rows

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "ledger" / "migrations"
FIRST_SHIPMENT = shipped("C1", "K1", "U1", "2026-02-01")
FIRST_SHIPMENT["payload"]["serial_numbers"] = ["S-1", "S-2"]
FACTS = [
    FIRST_SHIPMENT,
    installed("C1", "U1", "2026-03-01"),
    powered_on("C1", "U1", "2026-03-10"),
    powered_on("C1", "U1", "2026-03-12"),  # a correction
    shipped("C1", "K1", "U1", "2026-02-03"),  # a correction
]
ORDERS = list(permutations(FACTS))[::7]  # 18 of the 120 orders, all starts
COLUMNS = (
    "unit_id, customer_id, contract_id, product_model, quantity, serial_numbers,"
    " ship_date, installed_date, power_on_date, supporting_equipment"
)


def events(wires: Any) -> list[AnyEvent]:
    return [decode_obj(w) for w in wires]


def domain_lines(facts: list[AnyEvent]) -> dict[str, ProductLine]:
    lines: dict[str, ProductLine] = {}
    for f in facts:
        assert isinstance(f, Shipped | Installed | PoweredOn)
        unit: UnitFact = f
        lines[unit.payload.unit_id] = evolve(lines.get(unit.payload.unit_id), unit)
    return lines


def sql_lines(settings: Settings, schema: str) -> dict[str, ProductLine]:
    with connect(settings.database_url, schema) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM units").fetchall()
    names = [c.strip() for c in COLUMNS.split(",")]
    return {
        r[0]: ProductLine(
            **{**dict(zip(names, r, strict=True)), "serial_numbers": tuple(r[5])}
        )
        for r in rows
    }


async def project(
    settings: Settings, schema: str, facts: list[AnyEvent], batch: bool
) -> None:
    conn = await connect_async(settings.database_url, schema)
    try:
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute("TRUNCATE units, contracts, visit_records, retail_orders")
            if batch:
                await apply_batch(cur, facts)
            else:
                for event in facts:
                    await apply(cur, event)
    finally:
        await conn.close()


def test_sql_and_domain_build_the_same_line_in_any_order(settings: Settings) -> None:
    schema = settings.schema_for("ledger")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    for order in ORDERS:
        facts = events(order)
        expected = domain_lines(facts)
        for batch in (False, True):
            asyncio.run(project(settings, schema, facts, batch))
            assert sql_lines(settings, schema) == expected, (batch, order)


def record(no: str, unit: str, on: str) -> dict[str, Any]:
    return {
        "type": "visit_completed",
        "version": 1,
        "source": "survey",
        "actor": "tester",
        "payload": {
            "customer_id": "C1",
            "visit_id": f"V-{no}",
            "record_no": no,
            "kind": "trial_run",
            "visited_on": on,
            "visitor": "Zhang San",
            "channel": "phone",
            "score": 100,
            "unit_id": unit,
        },
    }


def test_the_amount_once_per_contract_and_records_in_order(settings: Settings) -> None:
    schema = settings.schema_for("ledger")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    facts = events(
        [
            shipped("C1", "K1", "U3", "2026-02-01"),
            shipped("C1", "K1", "U2", "2026-02-01"),
            contract("C1", "K1", amount="900.00"),
            shipped("C1", "K2", "U4", "2026-02-01"),
            contract("C1", "K2", amount="50.00"),
            shipped("C1", "K1", "U5", "2026-02-01"),
            record("HF-2026-11-0002", "U2", "2026-11-03"),
            record("HF-2026-10-0009", "U2", "2026-11-01"),
            record("HF-2026-11-0001", "U2", "2026-11-03"),
        ]
    )
    asyncio.run(project(settings, schema, facts, batch=True))
    with connect(settings.database_url, schema) as conn:
        page = handlers.ledger_page(
            conn, customer_id="C1", contract_id=None, after=None, limit=2
        )
        rest = handlers.ledger_page(
            conn, customer_id="C1", contract_id=None, after=page.next, limit=10
        )
    rows = [*page.items, *rest.items]
    assert [(r.unit_id, r.amount) for r in rows] == [
        ("U2", Decimal("900.00")),
        ("U3", None),
        ("U4", Decimal("50.00")),
        ("U5", None),
    ]
    assert rows[0].record_numbers == [
        "HF-2026-10-0009",
        "HF-2026-11-0001",
        "HF-2026-11-0002",
    ]


def tables(settings: Settings, schema: str) -> Rows:
    """Every ledger table, every column, in key order."""
    keys = {
        "units": "unit_id",
        "contracts": "contract_id",
        "retail_orders": "order_id",
        "visit_records": "record_no",
    }
    return table_rows(settings, schema, keys)


async def project_in_batches(
    settings: Settings, schema: str, facts: list[AnyEvent], size: int
) -> None:
    conn = await connect_async(settings.database_url, schema)
    try:
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute("TRUNCATE units, contracts, visit_records, retail_orders")
            for start in range(0, len(facts), size):
                await apply_batch(cur, facts[start : start + size])
    finally:
        await conn.close()


def test_a_batch_writes_what_one_fact_at_a_time_writes(settings: Settings) -> None:
    """Every kind of fact and its corrections, within one batch and across
    batches: the set-based path leaves every table as the per-event one."""
    renamed = delivered("C9", "O1", "2026-11-05", store="S2", mode="pickup")
    renamed["payload"] |= {"customer_name": "Later Name", "region": "west"}
    first = delivered("C9", "O1", "2026-11-01")
    first["payload"] |= {"customer_name": "First Name", "phone": "13900000000"}
    facts = events(
        [
            contract("C1", "K1", amount="900.00"),
            shipped("C1", "K1", "U1", "2026-02-01"),
            first,
            record("HF-2026-11-0001", "U1", "2026-11-03"),
            contract("C1", "K1", amount="950.00", region="north"),  # corrected
            contract("C2", "K2"),
            installed("C1", "U1", "2026-02-10"),
            renamed,  # a corrected delivery: date, mode and store move
            delivered("C8", "O2", "2026-11-02"),
            record("HF-2026-11-0001", "U1", "2026-11-04"),  # the first one stays
            record("HF-2026-11-0002", "U1", "2026-11-06"),
            contract("C2", "K2", amount="10.00"),
        ]
    )
    schema = settings.schema_for("ledger")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    asyncio.run(project(settings, schema, facts, batch=False))
    expected = tables(settings, schema)
    assert all(expected.values())  # every table has rows to compare
    for size in (1, 2, 5, len(facts)):
        asyncio.run(project_in_batches(settings, schema, facts, size))
        assert tables(settings, schema) == expected, size
