"""HTTP: a visit as the survey knows it."""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.kit.http import COMMAND_RESPONSES, READ_RESPONSES
from services.kit.keys import READ, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.survey import handlers
from services.survey.models import VisitRead

router = APIRouter(prefix="/v1/visits", tags=["visits"], responses=READ_RESPONSES)


@router.get(
    "/{visit_id}", response_model=VisitRead, responses={404: COMMAND_RESPONSES[404]}
)
def get_visit(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(READ))],
    visit_id: str,
) -> VisitRead:
    """The visit's kind, subject and state, its record number once done."""
    with runtime.pool.connection() as conn:
        return handlers.find_visit(conn, visit_id)
