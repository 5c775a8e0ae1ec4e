"""`GET /v1/ledger` and `GET /v1/orders`: the visit ledger's rows.

Contacts (names and phones) are masked for a key without the `pii` scope.
"""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.kit.http import READ_RESPONSES, Limit, PageCursor
from services.kit.keys import READ, Principal
from services.kit.pii import name_for, phone_for, shows_pii
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.ledger import handlers
from services.ledger.models import (
    Contact,
    LedgerPage,
    LedgerRow,
    OrderPage,
    RetailOrder,
)

router = APIRouter(prefix="/v1", tags=["ledger"], responses=READ_RESPONSES)

Reader = Annotated[Principal, Depends(require(READ))]


def _contact(principal: Principal, contact: Contact) -> Contact:
    return Contact(
        name=name_for(principal, contact.name),
        phone=phone_for(principal, contact.phone),
    )


def _row(principal: Principal, row: LedgerRow) -> LedgerRow:
    return row.model_copy(
        update={
            "power_contact": _contact(principal, row.power_contact),
            "substation_contact": _contact(principal, row.substation_contact),
        }
    )


def _order(principal: Principal, order: RetailOrder) -> RetailOrder:
    # A retail order's customer is a person: the contact itself.
    return order.model_copy(
        update={
            "customer_name": name_for(principal, order.customer_name),
            "phone": phone_for(principal, order.phone),
        }
    )


@router.get("/ledger", response_model=LedgerPage)
def get_ledger(
    runtime: RuntimeDep,
    principal: Reader,
    *,
    customer_id: str | None = None,
    contract_id: str | None = None,
    limit: Limit = 100,
    cursor: PageCursor = None,
) -> LedgerPage:
    """The visit ledger's rows, one per shipped product line, by unit id;
    contacts masked without the `pii` scope."""
    with runtime.pool.connection() as conn:
        page = handlers.ledger_page(
            conn,
            customer_id=customer_id,
            contract_id=contract_id,
            after=cursor,
            limit=limit,
        )
    if shows_pii(principal):
        return page
    return page.model_copy(update={"items": [_row(principal, r) for r in page.items]})


@router.get("/orders", response_model=OrderPage)
def get_orders(
    runtime: RuntimeDep,
    principal: Reader,
    *,
    customer_id: str | None = None,
    store_id: str | None = None,
    limit: Limit = 100,
    cursor: PageCursor = None,
) -> OrderPage:
    """Retail orders delivered or picked up, with their visit record numbers,
    by order id (a page: pass `next` as `cursor`); the customer's name and
    phone masked without the `pii` scope."""
    with runtime.pool.connection() as conn:
        page = handlers.retail_orders(
            conn, customer_id=customer_id, store_id=store_id, after=cursor, limit=limit
        )
    return page.model_copy(update={"items": [_order(principal, o) for o in page.items]})
