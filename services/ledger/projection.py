"""Applies ledger facts and visit records to the visit ledger tables."""

from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from schemas.catalogue import LEDGER, SURVEY, AnyEvent
from schemas.envelope import Event
from schemas.ledger import ContractRegistered, Delivered, Installed, PoweredOn, Shipped
from schemas.survey import VisitCompleted
from services.kit.projection import Cursor, Projection

# A fact about a unit may come before the unit's shipment (a powered_on before
# its shipped): each statement inserts the row if needed and sets only its own
# columns. A later fact of the same kind for the same unit is a correction, and
# since one customer's facts are ordered on one partition, the later one wins.
_UNIT_UPSERT = (
    "INSERT INTO units (unit_id, customer_id, {cols}) VALUES (%s, %s, {marks})"
    " ON CONFLICT (unit_id) DO UPDATE SET {updates}"
)


def _unit_upsert(*cols: str) -> str:
    return _UNIT_UPSERT.format(
        cols=", ".join(cols),
        marks=", ".join(["%s"] * len(cols)),
        updates=", ".join(f"{c} = EXCLUDED.{c}" for c in cols),
    )


SHIPPED = _unit_upsert(
    "contract_id", "product_model", "quantity", "serial_numbers", "ship_date"
)
INSTALLED = _unit_upsert("installed_date")
POWERED_ON = _unit_upsert("power_on_date")
CONTRACT = (
    "INSERT INTO contracts (contract_id, customer_id, customer_name, project_name,"
    " amount, region, power_contact_name, power_contact_phone,"
    " substation_contact_name, substation_contact_phone, signed_on, tags)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (contract_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,"
    " customer_name = EXCLUDED.customer_name, project_name = EXCLUDED.project_name,"
    " amount = EXCLUDED.amount, region = EXCLUDED.region,"
    " power_contact_name = EXCLUDED.power_contact_name,"
    " power_contact_phone = EXCLUDED.power_contact_phone,"
    " substation_contact_name = EXCLUDED.substation_contact_name,"
    " substation_contact_phone = EXCLUDED.substation_contact_phone,"
    " signed_on = EXCLUDED.signed_on, tags = EXCLUDED.tags"
)
DELIVERED = (
    "INSERT INTO retail_orders (order_id, customer_id, store_id, delivered_date, mode,"
    " customer_name, phone, region) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (order_id) DO UPDATE SET delivered_date = EXCLUDED.delivered_date,"
    " mode = EXCLUDED.mode, store_id = EXCLUDED.store_id"
)
RECORD = (
    "INSERT INTO visit_records (record_no, customer_id, subject_id, visit_id, kind,"
    " visited_on) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (record_no) DO NOTHING"
)


async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Update the ledger from one event; the ledger derives no events."""
    match event:
        case ContractRegistered(payload=p):
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
                ),
            )
        case Shipped(payload=p):
            await cur.execute(
                SHIPPED,
                (
                    p.unit_id,
                    p.customer_id,
                    p.contract_id,
                    p.product_model,
                    p.quantity,
                    list(p.serial_numbers),
                    p.ship_date,
                ),
            )
        case Installed(payload=p):
            await cur.execute(INSTALLED, (p.unit_id, p.customer_id, p.installed_date))
        case PoweredOn(payload=p):
            await cur.execute(POWERED_ON, (p.unit_id, p.customer_id, p.power_on_date))
        case Delivered(payload=p):
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
        case VisitCompleted(payload=p):
            subject = p.unit_id or p.order_id or p.ticket_id or p.visit_id
            await cur.execute(
                RECORD,
                (
                    p.record_no,
                    p.customer_id,
                    subject,
                    p.visit_id,
                    p.kind,
                    p.visited_on,
                ),
            )
        case _:
            pass  # other survey events do not touch the ledger
    return ()


def _set_upsert(*cols: tuple[str, str]) -> str:
    names = ["unit_id", "customer_id", *(c for c, _ in cols)]
    types = ["text", "text", *(t for _, t in cols)]
    return (
        f"INSERT INTO units ({', '.join(names)}) SELECT {', '.join(names)}"
        f" FROM jsonb_to_recordset(%s) AS r("
        + ", ".join(f"{n} {t}" for n, t in zip(names, types, strict=True))
        + ") ON CONFLICT (unit_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c, _ in cols)
    )


SHIPPED_SET = _set_upsert(
    ("contract_id", "text"),
    ("product_model", "text"),
    ("quantity", "int"),
    ("serial_numbers", "text[]"),
    ("ship_date", "date"),
)
INSTALLED_SET = _set_upsert(("installed_date", "date"))
POWERED_ON_SET = _set_upsert(("power_on_date", "date"))


async def apply_batch(cur: Cursor, events: Sequence[AnyEvent]) -> Sequence[Event]:
    """Set-based: one statement per kind of unit fact; other events one by one.

    Each kind of unit fact sets only its own columns, so kinds commute; within
    a kind the later fact wins, so keeping the last per unit keeps the result.
    """
    kinds: dict[str, dict[str, dict[str, Any]]] = {
        SHIPPED_SET: {},
        INSTALLED_SET: {},
        POWERED_ON_SET: {},
    }
    contracts: dict[str, AnyEvent] = {}
    rest: list[AnyEvent] = []
    for event in events:
        match event:
            case Shipped(payload=p):
                kinds[SHIPPED_SET][p.unit_id] = {
                    "unit_id": p.unit_id,
                    "customer_id": p.customer_id,
                    "contract_id": p.contract_id,
                    "product_model": p.product_model,
                    "quantity": p.quantity,
                    "serial_numbers": p.serial_numbers,
                    "ship_date": p.ship_date.isoformat(),
                }
            case Installed(payload=p):
                kinds[INSTALLED_SET][p.unit_id] = {
                    "unit_id": p.unit_id,
                    "customer_id": p.customer_id,
                    "installed_date": p.installed_date.isoformat(),
                }
            case PoweredOn(payload=p):
                kinds[POWERED_ON_SET][p.unit_id] = {
                    "unit_id": p.unit_id,
                    "customer_id": p.customer_id,
                    "power_on_date": p.power_on_date.isoformat(),
                }
            case ContractRegistered(payload=p):
                contracts[p.contract_id] = event
            case _:
                rest.append(event)
    for statement, rows in kinds.items():
        if rows:
            await cur.execute(statement, (Jsonb(list(rows.values())),))
    for event in [*contracts.values(), *rest]:
        await apply(cur, event)
    return ()


PROJECTION = Projection(
    name="ledger", topics=(LEDGER, SURVEY), handle=apply, handle_batch=apply_batch
)
