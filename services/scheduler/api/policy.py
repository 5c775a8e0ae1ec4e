"""HTTP: how the plan would differ under a changed policy (writes nothing)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from services.kit.http import AUTH_RESPONSES, COMMAND_RESPONSES
from services.kit.keys import WHAT_IF, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.scheduler.api.common import policy_of
from services.scheduler.domain.visit import VisitPlan
from services.scheduler.handlers import what_if
from services.scheduler.models import (
    PlanDifferenceRead,
    PlanSide,
    WhatIf,
    WhatIfResult,
)

router = APIRouter(prefix="/v1", tags=["policy"])

# What the what-if refuses: it reads a JSON body (400 when not UTF-8) and
# decides nothing (no 404, 409 or 503).
REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    **{code: COMMAND_RESPONSES[code] for code in (400, 413, 415, 422)},
}

POLICY_FIELDS = (
    "on_site_threshold",
    "max_failed_attempts",
    "industrial_tolerance_months",
    "revisit_tolerance_days",
    "warranty_months_from_power_on",
    "warranty_months_from_ship",
    "on_site_followup_days",
)


def _side(visit: VisitPlan | None) -> PlanSide | None:
    if visit is None:
        return None
    return PlanSide(
        kind=visit.kind,
        due_date=visit.due_date,
        latest_date=visit.latest_date,
        channel=visit.channel,
    )


@router.post("/policy/what-if", response_model=WhatIfResult, responses=REFUSALS)
def post_what_if(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(WHAT_IF))],
    body: WhatIf,
) -> WhatIfResult:
    """Replay every customer's facts under the changed policy; compare the plans.

    Visits already done are left out unless `include_done` is true: a record
    closed them whatever the policy would have said.
    """
    current = policy_of(runtime)
    overrides = {
        f: getattr(body, f) for f in POLICY_FIELDS if getattr(body, f) is not None
    }
    with runtime.pool.connection() as conn:
        answer = what_if(
            conn,
            current,
            overrides,
            customer_id=body.customer_id,
            include_done=body.include_done,
        )
    return WhatIfResult(
        current_policy=current.version,
        changed_policy=answer.changed.version,
        customers=answer.customers,
        differences=[
            PlanDifferenceRead(
                customer_id=d.customer_id,
                visit_id=d.visit_id,
                difference=d.difference.value,
                current=_side(d.current),
                changed=_side(d.changed),
            )
            for d in answer.differences
        ],
    )
