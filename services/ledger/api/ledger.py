"""`GET /v1/ledger` and `GET /v1/orders`: the visit ledger's rows."""

from fastapi import APIRouter

from services.kit.http import READ_RESPONSES, Limit, PageCursor
from services.kit.service import RuntimeDep
from services.ledger import handlers
from services.ledger.models import LedgerPage, RetailOrder

router = APIRouter(prefix="/v1", tags=["ledger"], responses=READ_RESPONSES)


@router.get("/ledger", response_model=LedgerPage)
def get_ledger(
    runtime: RuntimeDep,
    customer_id: str | None = None,
    contract_id: str | None = None,
    limit: Limit = 100,
    cursor: PageCursor = None,
) -> LedgerPage:
    """The visit ledger's rows, one per shipped product line, by unit id."""
    with runtime.pool.connection() as conn:
        return handlers.ledger_page(
            conn,
            customer_id=customer_id,
            contract_id=contract_id,
            after=cursor,
            limit=limit,
        )


@router.get("/orders", response_model=list[RetailOrder])
def get_orders(
    runtime: RuntimeDep,
    customer_id: str | None = None,
    store_id: str | None = None,
    limit: Limit = 100,
) -> list[RetailOrder]:
    """Retail orders delivered or picked up, with their visit record numbers."""
    with runtime.pool.connection() as conn:
        return handlers.retail_orders(
            conn, customer_id=customer_id, store_id=store_id, limit=limit
        )
