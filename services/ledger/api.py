"""HTTP: departments post facts; the service centre reads the visit ledger."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, HTTPException, Query, status
from pydantic import BaseModel

from schemas.envelope import Event
from services.kit.params import Cursor, Limit
from services.kit.service import RuntimeDep
from services.ledger.client import InvalidEventsError, validate

router = APIRouter(prefix="/v1", tags=["ledger"])


class Accepted(BaseModel):
    accepted: int
    event_ids: list[UUID]
    applied: bool | None = None


def validate_batch(body: Any) -> list[Event]:
    """Every item valid and a ledger fact, or a 422 listing each broken rule."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"item": None, "field": "(body)", "rule": "no events"}],
        )
    try:
        return validate(items)
    except InvalidEventsError as exc:
        # Nothing of a request with a bad item is appended: a weekly batch is
        # fixed and resent whole, and event ids make the resend harmless.
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=exc.errors
        ) from None


@router.post("/events", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def post_events(
    runtime: RuntimeDep,
    body: Annotated[Any, Body(description="One event or a JSON array of events")],
    wait: Annotated[
        bool, Query(description="wait until the ledger applied them")
    ] = False,
) -> Accepted:
    """Append one fact or a weekly batch of facts to the log."""
    events = validate_batch(body)
    positions = runtime.publish(events)
    applied = runtime.wait_until_applied(positions) if wait else None
    return Accepted(
        accepted=len(events), event_ids=[e.event_id for e in events], applied=applied
    )


class Contact(BaseModel):
    name: str | None
    phone: str | None


class LedgerRow(BaseModel):
    """One row of the visit ledger (顾客回访台帐): a contract's product line."""

    customer_id: str
    customer_name: str | None
    contract_id: str | None
    project_name: str | None
    region: str | None
    unit_id: str
    product_model: str | None
    quantity: int | None
    amount: Decimal | None
    ship_date: date | None
    installed_date: date | None
    power_on_date: date | None
    record_numbers: list[str]
    power_contact: Contact
    substation_contact: Contact


class LedgerPage(BaseModel):
    items: list[LedgerRow]
    next: str | None


LEDGER_QUERY = """
SELECT u.customer_id, c.customer_name, u.contract_id, c.project_name, c.region,
       u.unit_id, u.product_model, u.quantity, c.amount, u.ship_date,
       u.installed_date, u.power_on_date,
       COALESCE((SELECT array_agg(r.record_no ORDER BY r.visited_on, r.record_no)
                 FROM visit_records r WHERE r.subject_id = u.unit_id), '{}'),
       c.power_contact_name, c.power_contact_phone,
       c.substation_contact_name, c.substation_contact_phone
FROM units u LEFT JOIN contracts c ON c.contract_id = u.contract_id
WHERE (%(customer_id)s::text IS NULL OR u.customer_id = %(customer_id)s)
  AND (%(contract_id)s::text IS NULL OR u.contract_id = %(contract_id)s)
  AND (%(after)s::text IS NULL OR u.unit_id > %(after)s)
ORDER BY u.unit_id
LIMIT %(limit)s
"""


@router.get("/ledger", response_model=LedgerPage)
def get_ledger(
    runtime: RuntimeDep,
    customer_id: str | None = None,
    contract_id: str | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> LedgerPage:
    """The visit ledger's rows, one per shipped product line, by unit id."""
    params = {
        "customer_id": customer_id,
        "contract_id": contract_id,
        "after": cursor,
        "limit": limit + 1,
    }
    with runtime.pool.connection() as conn:
        rows = conn.execute(LEDGER_QUERY, params).fetchall()
    items = [
        LedgerRow(
            customer_id=r[0],
            customer_name=r[1],
            contract_id=r[2],
            project_name=r[3],
            region=r[4],
            unit_id=r[5],
            product_model=r[6],
            quantity=r[7],
            amount=r[8],
            ship_date=r[9],
            installed_date=r[10],
            power_on_date=r[11],
            record_numbers=list(r[12]),
            power_contact=Contact(name=r[13], phone=r[14]),
            substation_contact=Contact(name=r[15], phone=r[16]),
        )
        for r in rows[:limit]
    ]
    return LedgerPage(
        items=items, next=items[-1].unit_id if len(rows) > limit else None
    )


class RetailOrder(BaseModel):
    order_id: str
    customer_id: str
    store_id: str
    delivered_date: date
    mode: str
    customer_name: str | None
    phone: str | None
    region: str | None
    record_numbers: list[str]


@router.get("/orders", response_model=list[RetailOrder])
def get_orders(
    runtime: RuntimeDep,
    customer_id: str | None = None,
    store_id: str | None = None,
    limit: Limit = 100,
) -> list[RetailOrder]:
    """Retail orders delivered or picked up, with their visit record numbers."""
    with runtime.pool.connection() as conn:
        rows = conn.execute(
            "SELECT o.order_id, o.customer_id, o.store_id, o.delivered_date, o.mode,"
            " o.customer_name, o.phone, o.region, COALESCE((SELECT array_agg("
            " r.record_no ORDER BY r.record_no) FROM visit_records r"
            " WHERE r.subject_id = o.order_id), '{}')"
            " FROM retail_orders o"
            " WHERE (%(c)s::text IS NULL OR o.customer_id = %(c)s)"
            " AND (%(s)s::text IS NULL OR o.store_id = %(s)s)"
            " ORDER BY o.delivered_date, o.order_id LIMIT %(n)s",
            {"c": customer_id, "s": store_id, "n": limit},
        ).fetchall()
    keys = list(RetailOrder.model_fields)
    return [RetailOrder(**dict(zip(keys, r, strict=True))) for r in rows]
