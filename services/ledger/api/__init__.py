"""The ledger's HTTP routes: departments post facts; the ledger is read."""

from fastapi import APIRouter

from services.ledger.api import facts, ledger

router = APIRouter()
router.include_router(facts.router)
router.include_router(ledger.router)

__all__ = ["router"]
