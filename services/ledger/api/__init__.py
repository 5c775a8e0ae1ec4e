"""The ledger's HTTP routes: departments post facts; the ledger is read."""

from fastapi import APIRouter

from services.ledger.api import facts, imports, ledger

router = APIRouter()
router.include_router(facts.router)
router.include_router(ledger.router)
router.include_router(imports.router)

__all__ = ["router"]
