"""HTTP: a visit as the survey knows it."""

from fastapi import APIRouter

from services.kit.service import RuntimeDep
from services.survey import handlers
from services.survey.models import VisitRead

router = APIRouter(prefix="/v1/visits", tags=["visits"])


@router.get("/{visit_id}", response_model=VisitRead)
def get_visit(runtime: RuntimeDep, visit_id: str) -> VisitRead:
    """The visit's kind, subject and state, its record number once done."""
    with runtime.pool.connection() as conn:
        return handlers.find_visit(conn, visit_id)
