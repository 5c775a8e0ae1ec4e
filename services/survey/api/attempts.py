"""HTTP: failed visit attempts (回访不成功): record one, read the history.

The visit stays open; the scheduler counts the attempts and escalates the
visit after the third.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from schemas.types import AttemptFailure
from services.kit.params import PERIOD_PATTERN
from services.kit.service import RuntimeDep
from services.survey import queries, store
from services.survey.api.visits import open_visit
from services.survey.models import (
    AttemptCreate,
    AttemptCreated,
    AttemptHistory,
    AttemptSummary,
)
from services.survey.recording import attempt_failed

router = APIRouter(prefix="/v1", tags=["attempts"])


@router.post(
    "/visits/{visit_id}/attempts",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptCreated,
)
def post_attempt(
    runtime: RuntimeDep,
    visit_id: str,
    body: AttemptCreate,
    wait: Annotated[
        bool, Query(description="wait until the survey applied the attempt")
    ] = False,
) -> AttemptCreated:
    """Record a failed attempt; it is numbered after the visit's previous ones."""
    visit, _ = open_visit(runtime, visit_id)
    with runtime.pool.connection() as conn:
        attempt_no = store.next_number(conn, store.attempt_counter(visit_id))
    event = attempt_failed(
        visit,
        attempt_no,
        attempted_on=body.attempted_on,
        visitor=body.visitor,
        reason=body.reason,
        note=body.note,
        actor=body.actor or body.visitor,
    )
    positions = runtime.publish([event])
    applied = runtime.wait_until_applied(positions) if wait else None
    return AttemptCreated(
        visit_id=visit_id,
        attempt_no=attempt_no,
        event_id=event.event_id,
        applied=applied,
    )


@router.get("/visits/{visit_id}/attempts", response_model=AttemptHistory)
def get_attempts(runtime: RuntimeDep, visit_id: str) -> AttemptHistory:
    """The visit's failed attempts, oldest first, counted by reason."""
    with runtime.pool.connection() as conn:
        visit = store.load_visit(conn, visit_id)
        items = queries.attempts(conn, visit_id=visit_id)
    if visit is None and not items:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no visit {visit_id!r}")
    counted = queries.summarise(items)
    return AttemptHistory(
        visit_id=visit_id,
        status=visit.status if visit else None,
        count=counted.count,
        by_reason=counted.by_reason,
        attempts=items,
    )


@router.get("/attempts", response_model=AttemptSummary)
def list_attempts(
    runtime: RuntimeDep,
    customer_id: str | None = None,
    period: Annotated[
        str | None, Query(pattern=PERIOD_PATTERN, description="YYYY-MM of the attempt")
    ] = None,
    reason: AttemptFailure | None = None,
) -> AttemptSummary:
    """Failed attempts by customer, month and reason, with counts by reason."""
    with runtime.pool.connection() as conn:
        items = queries.attempts(
            conn, customer_id=customer_id, period=period, reason=reason
        )
    return queries.summarise(items)
