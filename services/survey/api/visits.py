"""HTTP: a visit as the survey knows it, and the check every command makes."""

from fastapi import APIRouter, HTTPException, status

from schemas.types import VisitKind
from services.kit.service import RuntimeDep
from services.survey import queries, store
from services.survey.models import VisitRead
from services.survey.recording import Visit

router = APIRouter(prefix="/v1/visits", tags=["visits"])


def open_visit(runtime: RuntimeDep, visit_id: str) -> tuple[Visit, VisitKind]:
    """The visit a record or an attempt is for, if it is still open.

    404 until the survey has read the visit's plan from the schedule topic
    (a caller that just planned it retries); 409 once it is done, cancelled,
    or claimed by a record being appended.
    """
    with runtime.pool.connection() as conn:
        visit = store.load_visit(conn, visit_id)
    if visit is None or visit.kind is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"visit_id: no visit {visit_id!r} planned (yet) on the schedule",
        )
    if visit.status in ("done", "cancelled", "claimed"):
        state = {"claimed": "has a record being appended"}.get(
            visit.status, f"is {visit.status}"
        )
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"visit_id: visit {visit_id!r} {state}; it takes no record "
            "or attempt",
        )
    return visit, visit.kind


@router.get("/{visit_id}", response_model=VisitRead)
def get_visit(runtime: RuntimeDep, visit_id: str) -> VisitRead:
    """The visit's kind, subject and state, its record number once done."""
    with runtime.pool.connection() as conn:
        found = queries.visit(conn, visit_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no visit {visit_id!r}")
    return found
