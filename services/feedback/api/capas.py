"""HTTP: corrective and preventive actions (CAPA, 纠正预防措施).

Reviews of the monthly report open them; the service centre tracks each
until it is verified. Product-quality ones are owned by the producing
company, the others by the quality department.
"""

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, HTTPException, Query, status

from schemas.feedback import (
    CapaOpened,
    CapaOpenedPayload,
    CapaVerified,
    CapaVerifiedPayload,
)
from schemas.types import ComplaintSubject, Department
from services.feedback import queries, store
from services.feedback.api.common import (
    ActorHeader,
    actor_of,
    append,
    not_found,
    refused,
)
from services.feedback.api.tickets import AsOf, Wait
from services.feedback.derived import SOURCE
from services.feedback.domain import capa
from services.feedback.domain.capa import CapaState
from services.feedback.domain.errors import TransitionNotAllowed
from services.feedback.models import (
    Appended,
    CapaCreate,
    CapaPage,
    CapaRead,
    CapaVerify,
)
from services.kit.params import PERIOD_PATTERN, Cursor, Limit
from services.kit.service import RuntimeDep

router = APIRouter(prefix="/v1/capas", tags=["capas"])


def _unprocessable(field: str, rule: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{"field": field, "rule": rule}]
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Appended)
def open_capa(
    runtime: RuntimeDep,
    body: CapaCreate,
    x_actor: ActorHeader = None,
    wait: Wait = False,
) -> Appended:
    """Open a CAPA from a report period or from tickets; returns its id."""
    actor = actor_of(body, x_actor)
    owner = capa.owner_for(body.subject)
    if body.owner is not None and body.owner is not owner:
        raise _unprocessable(
            "owner", f"a {body.subject} CAPA is owned by {owner}, not {body.owner}"
        )
    if body.source.ticket_ids:
        with runtime.pool.connection() as conn:
            known = store.known_tickets(conn, body.source.ticket_ids)
        unknown = [t for t in body.source.ticket_ids if t not in known]
        if unknown:
            raise _unprocessable("source.ticket_ids", f"unknown tickets: {unknown}")
    opened_on = body.opened_on or runtime.settings.today()
    capa_id = f"CAPA-{uuid4().hex[:10].upper()}"
    try:
        opened = capa.open_capa(capa_id, body.subject, body.action, opened_on, body.due)
    except ValueError as exc:
        raise refused(exc, "due") from None
    event = CapaOpened(
        source=SOURCE,
        actor=actor,
        payload=CapaOpenedPayload(
            capa_id=capa_id,
            subject=opened.subject,
            owner=opened.owner,
            action=opened.action,
            due_date=opened.due_date,
            opened_on=opened.opened_on,
            source_period=body.source.period,
            ticket_ids=body.source.ticket_ids,
        ),
    )
    return append(runtime, capa_id, 1, event, wait=wait)


@router.post("/{capa_id}/verify", response_model=Appended)
def verify_capa(
    runtime: RuntimeDep,
    capa_id: str,
    body: CapaVerify,
    x_actor: ActorHeader = None,
    wait: Wait = False,
) -> Appended:
    """Record that the action was verified, with its evidence."""
    actor = actor_of(body, x_actor)
    with runtime.pool.connection() as conn:
        found = store.load_capa(conn, capa_id)
    if found is None:
        raise not_found("CAPA", capa_id)
    on = body.verified_on or runtime.settings.today()
    try:
        capa.verify(found.capa, body.evidence, on)
    except (TransitionNotAllowed, ValueError) as exc:
        raise refused(exc, "verified_on") from None
    event = CapaVerified(
        source=SOURCE,
        actor=actor,
        payload=CapaVerifiedPayload(
            capa_id=capa_id, verified_on=on, evidence=body.evidence
        ),
    )
    return append(runtime, capa_id, found.version + 1, event, wait=wait)


@router.get("", response_model=CapaPage)
def list_capas(
    runtime: RuntimeDep,
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
            description="YYYY-MM: source period or opening month",
        ),
    ] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> CapaPage:
    """CAPAs by id, filtered; open ones past their due date are flagged."""
    with runtime.pool.connection() as conn:
        items, next_cursor = queries.capas(
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
        )
    return CapaPage(items=items, next=next_cursor)


@router.get("/{capa_id}", response_model=CapaRead)
def get_capa(runtime: RuntimeDep, capa_id: str, as_of: AsOf = None) -> CapaRead:
    """One CAPA, flagged when open past its due date."""
    with runtime.pool.connection() as conn:
        items, _ = queries.capas(
            conn, as_of=as_of or runtime.settings.today(), limit=1, capa_id=capa_id
        )
    if not items:
        raise not_found("CAPA", capa_id)
    return items[0]
