"""The visit ledger's tables and every statement on them, in one place.

Writes (async, for the projection) upsert the row of a fact's own identity
and set only what `domain/lines.py` says that fact states; reads (sync, for
the API) select rows and leave the rules (amount once per contract, record
order) to the domain.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from schemas.ledger import ContractRegistered, Delivered
from schemas.survey import VisitCompleted
from services.kit.projection import Cursor
from services.ledger.domain.lines import (
    COLUMNS,
    Statement,
    UnitFact,
    latest_statements,
    record_subject,
    statement_of,
)

Connection = psycopg.Connection[Any]

# The SQL type of every line column a fact may state (for the set-based path).
_TYPES = {
    "contract_id": "text",
    "product_model": "text",
    "quantity": "int",
    "serial_numbers": "text[]",
    "ship_date": "date",
    "installed_date": "date",
    "power_on_date": "date",
    "supporting_equipment": "boolean",
}


def _line_upsert(cols: Sequence[str]) -> str:
    """Insert the line if new, else set only these columns."""
    return (
        f"INSERT INTO units (unit_id, customer_id, {', '.join(cols)})"
        f" VALUES (%s, %s, {', '.join(['%s'] * len(cols))})"
        " ON CONFLICT (unit_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in cols)
    )


def _lines_upsert(cols: Sequence[str]) -> str:
    """The same for a JSON array of statements, in one statement."""
    names = ["unit_id", "customer_id", *cols]
    types = ["text", "text", *(_TYPES[c] for c in cols)]
    return (
        f"INSERT INTO units ({', '.join(names)}) SELECT {', '.join(names)}"
        " FROM jsonb_to_recordset(%s) AS r("
        + ", ".join(f"{n} {t}" for n, t in zip(names, types, strict=True))
        + ") ON CONFLICT (unit_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in cols)
    )


LINE_UPSERT = {kind: _line_upsert(cols) for kind, cols in COLUMNS.items()}
LINES_UPSERT = {kind: _lines_upsert(cols) for kind, cols in COLUMNS.items()}
# A contract fact sets every column; a later one (a correction) wins.
_CONTRACT_SETS = ", ".join(
    f"{c} = EXCLUDED.{c}"
    for c in (
        "customer_id",
        "customer_name",
        "project_name",
        "amount",
        "region",
        "power_contact_name",
        "power_contact_phone",
        "substation_contact_name",
        "substation_contact_phone",
        "signed_on",
        "tags",
        "company",
    )
)
CONTRACT = f"""
INSERT INTO contracts (contract_id, customer_id, customer_name, project_name,
    amount, region, power_contact_name, power_contact_phone,
    substation_contact_name, substation_contact_phone, signed_on, tags, company)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (contract_id) DO UPDATE SET {_CONTRACT_SETS}
"""
# A corrected delivery moves its date, mode and store; the customer's name,
# phone and region stay as first reported.
DELIVERED = """
INSERT INTO retail_orders (order_id, customer_id, store_id, delivered_date, mode,
    customer_name, phone, region) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (order_id) DO UPDATE SET delivered_date = EXCLUDED.delivered_date,
    mode = EXCLUDED.mode, store_id = EXCLUDED.store_id
"""
RECORD = """
INSERT INTO visit_records (record_no, customer_id, subject_id, visit_id, kind,
    visited_on) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (record_no) DO NOTHING
"""
# A row's record numbers and their visit dates, paired by the same order.
_RECORDS_OF = """
COALESCE((SELECT array_agg(r.record_no ORDER BY r.record_no)
          FROM visit_records r WHERE r.subject_id = {subject}), '{{}}'),
COALESCE((SELECT array_agg(r.visited_on ORDER BY r.record_no)
          FROM visit_records r WHERE r.subject_id = {subject}), '{{}}')
"""
LEDGER = f"""
SELECT u.customer_id, c.customer_name, u.contract_id, c.project_name, c.region,
       u.unit_id, u.product_model, u.quantity, c.amount,
       (SELECT min(o.unit_id) FROM units o WHERE o.contract_id = u.contract_id),
       u.ship_date, u.installed_date, u.power_on_date,
       c.power_contact_name, c.power_contact_phone,
       c.substation_contact_name, c.substation_contact_phone,
       {_RECORDS_OF.format(subject="u.unit_id")},
       c.company, u.supporting_equipment
FROM units u LEFT JOIN contracts c ON c.contract_id = u.contract_id
WHERE (%(customer_id)s::text IS NULL OR u.customer_id = %(customer_id)s)
  AND (%(contract_id)s::text IS NULL OR u.contract_id = %(contract_id)s)
  AND (%(after)s::text IS NULL OR u.unit_id > %(after)s)
ORDER BY u.unit_id
LIMIT %(limit)s
"""
ORDERS = f"""
SELECT o.order_id, o.customer_id, o.store_id, o.delivered_date, o.mode,
       o.customer_name, o.phone, o.region,
       {_RECORDS_OF.format(subject="o.order_id")}
FROM retail_orders o
WHERE (%(customer_id)s::text IS NULL OR o.customer_id = %(customer_id)s)
  AND (%(store_id)s::text IS NULL OR o.store_id = %(store_id)s)
  AND (%(after)s::text IS NULL OR o.order_id > %(after)s)
ORDER BY o.order_id
LIMIT %(limit)s
"""


# -- writes (the projection) ------------------------------------------------


async def apply_contract(cur: Cursor, event: ContractRegistered) -> None:
    """A contract archived, or its correction (the later one wins)."""
    p = event.payload
    await cur.execute(
        CONTRACT,
        (
            p.contract_id,
            p.customer_id,
            p.customer_name,
            p.project_name,
            p.amount,
            p.region,
            p.power_contact.name,
            p.power_contact.phone,
            p.substation_contact.name,
            p.substation_contact.phone,
            p.signed_on,
            Jsonb(p.tags.model_dump(mode="json", exclude_none=True)),
            p.company,
        ),
    )


async def apply_unit_fact(cur: Cursor, event: UnitFact) -> None:
    """Shipped, installed or powered-on: the columns of its kind on its line."""
    s = statement_of(event)
    values = [_param(s.values[c]) for c in COLUMNS[s.kind]]
    await cur.execute(LINE_UPSERT[s.kind], (s.unit_id, s.customer_id, *values))


async def apply_delivered(cur: Cursor, event: Delivered) -> None:
    """A retail order delivered or picked up."""
    p = event.payload
    await cur.execute(
        DELIVERED,
        (
            p.order_id,
            p.customer_id,
            p.store_id,
            p.delivered_date,
            p.mode,
            p.customer_name,
            p.phone,
            p.region,
        ),
    )


async def apply_record(cur: Cursor, event: VisitCompleted) -> None:
    """A visit record's number, written back into its row."""
    p = event.payload
    await cur.execute(
        RECORD,
        (
            p.record_no,
            p.customer_id,
            record_subject(p),
            p.visit_id,
            p.kind,
            p.visited_on,
        ),
    )


async def apply_unit_facts(cur: Cursor, facts: Sequence[UnitFact]) -> None:
    """Set-based: one statement per kind, with the last statement per unit."""
    for kind, statements in latest_statements(facts).items():
        if statements:
            rows = [_json_row(s) for s in statements.values()]
            await cur.execute(LINES_UPSERT[kind], (Jsonb(rows),))


# The same writes for a batch, one statement each: rows in a JSON array.
CONTRACTS = f"""
INSERT INTO contracts (contract_id, customer_id, customer_name, project_name,
    amount, region, power_contact_name, power_contact_phone,
    substation_contact_name, substation_contact_phone, signed_on, tags, company)
SELECT contract_id, customer_id, customer_name, project_name, amount, region,
    power_contact_name, power_contact_phone, substation_contact_name,
    substation_contact_phone, signed_on, tags, company
FROM jsonb_to_recordset(%s) AS r(contract_id text, customer_id text,
    customer_name text, project_name text, amount numeric, region text,
    power_contact_name text, power_contact_phone text,
    substation_contact_name text, substation_contact_phone text,
    signed_on date, tags jsonb, company text)
ON CONFLICT (contract_id) DO UPDATE SET {_CONTRACT_SETS}
"""
DELIVERIES = """
INSERT INTO retail_orders (order_id, customer_id, store_id, delivered_date, mode,
    customer_name, phone, region)
SELECT order_id, customer_id, store_id, delivered_date, mode, customer_name,
    phone, region
FROM jsonb_to_recordset(%s) AS r(order_id text, customer_id text, store_id text,
    delivered_date date, mode text, customer_name text, phone text, region text)
ON CONFLICT (order_id) DO UPDATE SET delivered_date = EXCLUDED.delivered_date,
    mode = EXCLUDED.mode, store_id = EXCLUDED.store_id
"""
RECORDS = """
INSERT INTO visit_records (record_no, customer_id, subject_id, visit_id, kind,
    visited_on)
SELECT record_no, customer_id, subject_id, visit_id, kind, visited_on
FROM jsonb_to_recordset(%s) AS r(record_no text, customer_id text,
    subject_id text, visit_id text, kind text, visited_on date)
ON CONFLICT (record_no) DO NOTHING
"""


async def apply_contracts(cur: Cursor, events: Sequence[ContractRegistered]) -> None:
    """Set-based `apply_contract`: the last fact per contract, in one statement."""
    last = {e.payload.contract_id: e.payload for e in events}
    if not last:
        return
    rows = [
        {
            **p.model_dump(
                mode="json",
                include={
                    "contract_id",
                    "customer_id",
                    "customer_name",
                    "project_name",
                    "amount",
                    "region",
                    "signed_on",
                    "company",
                },
            ),
            "power_contact_name": p.power_contact.name,
            "power_contact_phone": p.power_contact.phone,
            "substation_contact_name": p.substation_contact.name,
            "substation_contact_phone": p.substation_contact.phone,
            "tags": p.tags.model_dump(mode="json", exclude_none=True),
        }
        for p in last.values()
    ]
    await cur.execute(CONTRACTS, (Jsonb(rows),))


async def apply_deliveries(cur: Cursor, events: Sequence[Delivered]) -> None:
    """Set-based `apply_delivered`: per order the first report's customer
    fields and the last one's date, mode and store, in one statement."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        p = event.payload.model_dump(mode="json")
        row = rows.setdefault(p["order_id"], p)
        row.update(
            delivered_date=p["delivered_date"], mode=p["mode"], store_id=p["store_id"]
        )
    if rows:
        await cur.execute(DELIVERIES, (Jsonb(list(rows.values())),))


async def apply_records(cur: Cursor, events: Sequence[VisitCompleted]) -> None:
    """Set-based `apply_record`: the first record of each number, in one statement."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        p = event.payload
        rows.setdefault(
            p.record_no,
            {
                "record_no": p.record_no,
                "customer_id": p.customer_id,
                "subject_id": record_subject(p),
                "visit_id": p.visit_id,
                "kind": p.kind,
                "visited_on": p.visited_on.isoformat(),
            },
        )
    if rows:
        await cur.execute(RECORDS, (Jsonb(list(rows.values())),))


def _param(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _json_row(s: Statement) -> dict[str, Any]:
    row: dict[str, Any] = {"unit_id": s.unit_id, "customer_id": s.customer_id}
    for column, value in s.values.items():
        row[column] = (
            value.isoformat()
            if isinstance(value, date)
            else list(value)
            if isinstance(value, tuple)
            else value
        )
    return row


# -- reads (the API) ----------------------------------------------------------


@dataclass(frozen=True)
class LedgerLineRow:
    """A ledger row as stored: the line, its contract, its records."""

    customer_id: str
    customer_name: str | None
    contract_id: str | None
    project_name: str | None
    region: str | None
    unit_id: str
    product_model: str | None
    quantity: int | None
    amount: Decimal | None
    first_unit_of_contract: str | None
    ship_date: date | None
    installed_date: date | None
    power_on_date: date | None
    power_contact_name: str | None
    power_contact_phone: str | None
    substation_contact_name: str | None
    substation_contact_phone: str | None
    record_nos: list[str]
    record_dates: list[date]
    company: str | None
    supporting_equipment: bool | None


@dataclass(frozen=True)
class RetailOrderRow:
    """A retail order as stored, with its records."""

    order_id: str
    customer_id: str
    store_id: str
    delivered_date: date
    mode: str
    customer_name: str | None
    phone: str | None
    region: str | None
    record_nos: list[str]
    record_dates: list[date]


def ledger_lines(
    conn: Connection,
    *,
    customer_id: str | None,
    contract_id: str | None,
    after: str | None,
    limit: int,
) -> list[LedgerLineRow]:
    """Ledger rows by unit id after `after`, at most `limit`."""
    params = {
        "customer_id": customer_id,
        "contract_id": contract_id,
        "after": after,
        "limit": limit,
    }
    return [LedgerLineRow(*row) for row in conn.execute(LEDGER, params).fetchall()]


def retail_orders(
    conn: Connection,
    *,
    customer_id: str | None,
    store_id: str | None,
    after: str | None,
    limit: int,
) -> list[RetailOrderRow]:
    """Retail orders by order id after `after`, at most `limit`."""
    params = {
        "customer_id": customer_id,
        "store_id": store_id,
        "after": after,
        "limit": limit,
    }
    return [RetailOrderRow(*row) for row in conn.execute(ORDERS, params).fetchall()]


def fingerprints(conn: Connection, event_ids: Sequence[Any]) -> dict[Any, bytes]:
    """The content fingerprints of these event ids, for those applied."""
    rows = conn.execute(
        "SELECT event_id, fingerprint FROM applied_events"
        " WHERE event_id = ANY(%s) AND fingerprint IS NOT NULL",
        (list(event_ids),),
    ).fetchall()
    return {r[0]: bytes(r[1]) for r in rows}
