"""HTTP: unplanned service visits (6.2.7), recorded like any visit record."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.kit.audit import audited
from services.kit.command import run_command
from services.kit.http import COMMAND_RESPONSES, READ_RESPONSES, IdempotencyKey, Wait
from services.kit.keys import RECORD_VISITS, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.survey import handlers
from services.survey.api.records import visit_of
from services.survey.domain.visits import RecordServiceVisit
from services.survey.models import ServiceVisitCreate, VisitRecordCreated

router = APIRouter(
    prefix="/v1/service-visits",
    tags=["visit records"],
    responses=READ_RESPONSES,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitRecordCreated,
    responses=COMMAND_RESPONSES,
)
def post_service_visit(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require(RECORD_VISITS))],
    body: ServiceVisitCreate,
    wait: Wait = False,
    key: IdempotencyKey = None,
) -> VisitRecordCreated:
    """Record an unplanned service visit by an after-sales department head.

    It is on no schedule: the record names its visit `SV:<record_no>` (kind
    `service_visit`), is numbered HF-YYYY-MM-NNNN like any record, and raises
    its forms like any record. A unit the survey knows must belong to the
    customer (422); its product model and region are taken from its visits,
    else from the body. Without an Idempotency-Key every post is a new visit.
    """
    command = RecordServiceVisit(
        visit=visit_of(body, "", principal.actor),
        customer_id=body.customer_id,
        unit_id=body.unit_id,
        product_model=body.product_model,
        region=body.region,
    )
    return run_command(
        runtime,
        scope="survey.record_service_visit",
        request={"body": body.model_dump(mode="json"), "actor": principal.actor},
        key=key,
        decide=audited(
            principal,
            partial(
                handlers.record_service_visit,
                command=command,
                today=runtime.settings.today(),
            ),
        ),
        answer_type=VisitRecordCreated,
        status_code=status.HTTP_201_CREATED,
        wait=wait,
    )
