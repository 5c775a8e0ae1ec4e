"""HTTP: failed visit attempts (回访不成功): record one, read the history.

The visit stays open; the scheduler counts the attempts and escalates the
visit after the third.
"""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, status

from schemas.types import AttemptFailure
from services.kit.audit import audited
from services.kit.command import run_command
from services.kit.http import (
    COMMAND_RESPONSES,
    READ_RESPONSES,
    IdempotencyKey,
    Month,
    Wait,
)
from services.kit.keys import READ, RECORD_VISITS, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.survey import handlers
from services.survey.domain.visits import FailAttempt
from services.survey.models import (
    AttemptCreate,
    AttemptCreated,
    AttemptHistory,
    AttemptSummary,
)

router = APIRouter(prefix="/v1", tags=["attempts"], responses=READ_RESPONSES)

# FastAPI answers 400 for a body it cannot read as text (not UTF-8).


@router.post(
    "/visits/{visit_id}/attempts",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptCreated,
    responses=COMMAND_RESPONSES,
)
def post_attempt(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require(RECORD_VISITS))],
    visit_id: str,
    *,
    body: AttemptCreate,
    wait: Wait = False,
    key: IdempotencyKey = None,
) -> AttemptCreated:
    """Record a failed attempt; it is numbered after the visit's previous ones."""
    command = FailAttempt(
        visit_id=visit_id,
        attempted_on=body.attempted_on,
        visitor=body.visitor,
        reason=body.reason,
        note=body.note,
        actor=principal.actor,
    )
    return run_command(
        runtime,
        scope="survey.fail_attempt",
        request={
            "visit_id": visit_id,
            "body": body.model_dump(mode="json"),
            "actor": principal.actor,
        },
        key=key,
        decide=audited(
            principal,
            partial(
                handlers.fail_attempt, command=command, today=runtime.settings.today()
            ),
        ),
        answer_type=AttemptCreated,
        status_code=status.HTTP_201_CREATED,
        wait=wait,
    )


@router.get(
    "/visits/{visit_id}/attempts",
    response_model=AttemptHistory,
    responses={404: COMMAND_RESPONSES[404]},
)
def get_attempts(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(READ))],
    visit_id: str,
) -> AttemptHistory:
    """The visit's failed attempts, oldest first, counted by reason."""
    with runtime.pool.connection() as conn:
        return handlers.attempt_history(conn, visit_id)


@router.get("/attempts", response_model=AttemptSummary)
def list_attempts(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(READ))],
    customer_id: str | None = None,
    month: Month = None,
    reason: AttemptFailure | None = None,
) -> AttemptSummary:
    """Failed attempts by customer, month of the attempt and reason, with
    counts by reason."""
    with runtime.pool.connection() as conn:
        return handlers.attempt_summary(
            conn, customer_id=customer_id, month=month, reason=reason
        )
