"""The ledger service as a whole: what `python -m services.ledger` runs."""

from pathlib import Path

from services.kit.service import Service
from services.ledger.api import router
from services.ledger.projection import PROJECTION

SERVICE = Service(
    name="ledger",
    default_port=8101,
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
    projection=PROJECTION,
    description="Departments' facts in; the visit ledger (顾客回访台帐) out.",
    upload_paths=("/v1/imports",),
)
