"""HTTP: visit records (顾客回访记录), numbered HF-YYYY-MM-NNNN."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, status

from schemas.types import VisitKind
from services.kit.audit import audited
from services.kit.command import run_command
from services.kit.http import (
    COMMAND_RESPONSES,
    READ_RESPONSES,
    IdempotencyKey,
    Limit,
    Month,
    PageCursor,
    Wait,
)
from services.kit.keys import READ, RECORD_VISITS, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.survey import handlers
from services.survey.domain.visits import RecordVisit
from services.survey.models import (
    ServiceVisitCreate,
    VisitRecordCreate,
    VisitRecordCreated,
    VisitRecordPage,
    VisitRecordRead,
)

router = APIRouter(
    prefix="/v1/visit-records",
    tags=["visit records"],
    responses=READ_RESPONSES,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitRecordCreated,
    responses=COMMAND_RESPONSES,
)
def post_visit_record(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require(RECORD_VISITS))],
    body: VisitRecordCreate,
    wait: Wait = False,
    key: IdempotencyKey = None,
) -> VisitRecordCreated:
    """Record a visit: check it against its kind, number it, append it.

    The visit must be planned and open (404 / 409); the answers must be those
    of the visit kind's questionnaire (422 naming each question and rule);
    `opportunities` are noted on on-site visits only. The record closes the
    visit and raises its information feedback forms, appended with it (their
    ids are returned): a complaint per subject found dissatisfied, a problem
    report for the defects its answers report, a service request for the
    services wanted, a suggestion for its suggestions and needs.
    `product_quality` / `service_quality` given are the overall ratings; the
    record's own are the worst of those and every rated answer on the subject.
    """
    command = visit_of(body, body.visit_id, principal.actor)
    return run_command(
        runtime,
        scope="survey.record_visit",
        request={"body": body.model_dump(mode="json"), "actor": principal.actor},
        key=key,
        decide=audited(
            principal,
            partial(
                handlers.record_visit, command=command, today=runtime.settings.today()
            ),
        ),
        answer_type=VisitRecordCreated,
        status_code=status.HTTP_201_CREATED,
        wait=wait,
    )


def visit_of(
    body: VisitRecordCreate | ServiceVisitCreate, visit_id: str, actor: str
) -> RecordVisit:
    """The record a body describes, as the key's `actor` records it (a
    planned visit's record and a service visit's take the same fields)."""
    return RecordVisit(
        visit_id=visit_id,
        visited_on=body.visited_on,
        visitor=body.visitor,
        channel=body.channel,
        answers=body.answers,
        product_quality=body.product_quality,
        service_quality=body.service_quality,
        suggestions=body.suggestions,
        needs=body.needs,
        opportunities=body.opportunities,
        unresolved_by_phone=body.unresolved_by_phone,
        actor=actor,
    )


@router.get("", response_model=VisitRecordPage)
def list_visit_records(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(READ))],
    *,
    customer_id: str | None = None,
    month: Month = None,
    kind: VisitKind | None = None,
    visit_id: str | None = None,
    limit: Limit = 100,
    cursor: PageCursor = None,
) -> VisitRecordPage:
    """Visit records by record number, filtered by customer, month of the
    visit date and kind."""
    with runtime.pool.connection() as conn:
        rows = handlers.find_records(
            conn,
            customer_id=customer_id,
            month=month,
            kind=kind,
            visit_id=visit_id,
            after=cursor,
            limit=limit + 1,
        )
    items = rows[:limit]
    return VisitRecordPage(
        items=items, next=items[-1].record_no if len(rows) > limit else None
    )


@router.get(
    "/{record_no}",
    response_model=VisitRecordRead,
    responses={404: COMMAND_RESPONSES[404]},
)
def get_visit_record(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(READ))],
    record_no: str,
) -> VisitRecordRead:
    """One visit record, with the complaints it raised."""
    with runtime.pool.connection() as conn:
        return handlers.find_record(conn, record_no)
