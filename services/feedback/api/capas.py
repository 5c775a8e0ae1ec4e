"""HTTP: corrective and preventive actions (CAPA, 纠正预防措施).

Reviews of the monthly report open them; the service centre tracks each
until it is verified. Product-quality ones are owned by the producing
company, the others by the quality department.
"""

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Depends, Query, status

from schemas.types import ComplaintSubject, Department
from services.feedback import handlers, views
from services.feedback.api.common import (
    IfMatch,
    decided,
    expected_version,
    transition_request,
)
from services.feedback.domain.capa import CapaState
from services.feedback.models import (
    Appended,
    CapaCreate,
    CapaPage,
    CapaRead,
    CapaVerify,
)
from services.kit.http import (
    COMMAND_RESPONSES,
    PERIOD_PATTERN,
    READ_RESPONSES,
    AsOf,
    IdempotencyKey,
    Limit,
    Month,
    PageCursor,
    Wait,
    not_found,
)
from services.kit.keys import MANAGE_CAPAS, READ, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep

router = APIRouter(prefix="/v1/capas", tags=["capas"], responses=READ_RESPONSES)

Reader = Annotated[Principal, Depends(require(READ))]
Manager = Annotated[Principal, Depends(require(MANAGE_CAPAS))]

# FastAPI answers 400 for a body it cannot read as text (not UTF-8).


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Appended,
    responses=COMMAND_RESPONSES,
)
def open_capa(
    runtime: RuntimeDep,
    principal: Manager,
    *,
    body: CapaCreate,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> Appended:
    """Open a CAPA from a report period, a report review or tickets; returns
    its id."""
    command = handlers.OpenCapa(
        capa_id=f"CAPA-{uuid4().hex[:10].upper()}",
        subject=body.subject,
        owner=body.owner,
        action=body.action,
        opened_on=body.opened_on or runtime.settings.today(),
        due=body.due,
        source_period=body.source.period,
        ticket_ids=body.source.ticket_ids,
        actor=principal.actor,
        review_id=body.source.review_id,
    )
    return decided(
        runtime,
        principal=principal,
        scope="feedback.open_capa",
        request={"body": body.model_dump(mode="json"), "actor": command.actor},
        key=key,
        handle=lambda conn: handlers.open_capa(conn, command),
        status_code=status.HTTP_201_CREATED,
        wait=wait,
    )


@router.post(
    "/{capa_id}/verify",
    response_model=Appended,
    responses=COMMAND_RESPONSES,
)
def verify_capa(
    runtime: RuntimeDep,
    principal: Manager,
    *,
    capa_id: str,
    body: CapaVerify,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> Appended:
    """Record that the action was verified, with its evidence."""
    command = handlers.VerifyCapa(
        capa_id=capa_id,
        evidence=body.evidence,
        on=body.verified_on or runtime.settings.today(),
        actor=principal.actor,
        expected_version=expected_version(body.version, if_match),
    )
    return decided(
        runtime,
        principal=principal,
        scope="feedback.verify_capa",
        request=transition_request(
            "capa_id", capa_id, body, command.actor, command.expected_version
        ),
        key=key,
        handle=lambda conn: handlers.verify_capa(conn, command),
        wait=wait,
    )


@router.get("", response_model=CapaPage)
def list_capas(
    runtime: RuntimeDep,
    _: Reader,
    *,
    customer_id: Annotated[
        str | None, Query(description="CAPAs from this customer's tickets")
    ] = None,
    department: Annotated[Department | None, Query(description="owner")] = None,
    subject: ComplaintSubject | None = None,
    status: CapaState | None = None,
    ticket_id: str | None = None,
    overdue: Annotated[
        bool | None, Query(description="only open CAPAs past due (true) or not")
    ] = None,
    period: Annotated[
        str | None,
        Query(
            pattern=PERIOD_PATTERN,
            description="YYYY-MM: the report period the CAPA came from",
        ),
    ] = None,
    review_id: Annotated[
        str | None, Query(description="the report review the CAPA came from")
    ] = None,
    month: Month = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    cursor: PageCursor = None,
) -> CapaPage:
    """CAPAs by id, filtered (`month`: of the opening); open ones past their
    due date are flagged."""
    with runtime.pool.connection() as conn:
        items, next_cursor = views.capas_page(
            conn,
            as_of=as_of or runtime.settings.today(),
            overdue=overdue,
            after=cursor,
            limit=limit,
            customer_id=customer_id,
            department=department,
            subject=subject,
            status=status,
            ticket_id=ticket_id,
            period=period,
            review_id=review_id,
            month=month,
        )
    return CapaPage(items=items, next=next_cursor)


@router.get(
    "/{capa_id}", response_model=CapaRead, responses={404: COMMAND_RESPONSES[404]}
)
def get_capa(
    runtime: RuntimeDep, _reader: Reader, capa_id: str, as_of: AsOf = None
) -> CapaRead:
    """One CAPA, flagged when open past its due date."""
    with runtime.pool.connection() as conn:
        items, _ = views.capas_page(
            conn, as_of=as_of or runtime.settings.today(), limit=1, capa_id=capa_id
        )
    if not items:
        raise not_found("CAPA", capa_id)
    return items[0]
