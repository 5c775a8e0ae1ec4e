"""HTTP: visit records (顾客回访记录), numbered HF-YYYY-MM-NNNN."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from schemas.types import Channel, VisitKind
from services.kit.params import PERIOD_PATTERN, Cursor, Limit
from services.kit.service import RuntimeDep
from services.survey import queries, store
from services.survey.api.visits import open_visit
from services.survey.domain.records import AnswerError, AnswerRule, validate_record
from services.survey.models import (
    ComplaintRead,
    VisitRecordCreate,
    VisitRecordCreated,
    VisitRecordPage,
    VisitRecordRead,
)
from services.survey.recording import (
    RecordInput,
    complaints_of,
    domain_record,
    visit_completed,
)

router = APIRouter(prefix="/v1/visit-records", tags=["visit records"])

# The record questions are fields of the record; every other question id is a
# key of its `answers`.
_RECORD_FIELDS = frozenset(
    {"product_quality", "service_quality", "suggestions", "needs"}
)


def _field(error: AnswerError) -> str:
    if error.rule is AnswerRule.UNKNOWN_QUESTION or error.question_id not in (
        _RECORD_FIELDS
    ):
        return f"answers.{error.question_id}"
    return error.question_id


def _unprocessable(errors: list[AnswerError]) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[
            {"field": _field(e), "rule": e.rule.value, "message": e.message}
            for e in errors
        ],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VisitRecordCreated)
def post_visit_record(
    runtime: RuntimeDep,
    body: VisitRecordCreate,
    wait: Annotated[
        bool, Query(description="wait until the survey applied the record")
    ] = False,
) -> VisitRecordCreated:
    """Record a visit: check it against its kind, number it, append it.

    The visit must be planned and open (404 / 409); the answers must be those
    of the visit kind's questionnaire (422 naming each question and rule).
    The record closes the visit; each subject found dissatisfied raises a
    complaint, which the survey appends right after (their ids are returned).
    """
    visit, kind = open_visit(runtime, body.visit_id)
    given = RecordInput(
        visited_on=body.visited_on,
        visitor=body.visitor,
        channel=body.channel or visit.channel or Channel.PHONE,
        answers=body.answers,
        product_quality=body.product_quality,
        service_quality=body.service_quality,
        suggestions=body.suggestions,
        needs=body.needs,
        unresolved_by_phone=body.unresolved_by_phone,
    )
    errors = validate_record(domain_record(kind, given))
    if errors:
        raise _unprocessable(errors)
    with runtime.pool.connection() as conn:
        record_no = store.claim_visit(conn, visit.visit_id, body.visited_on)
    if record_no is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"visit_id: visit {visit.visit_id!r} already has a record",
        )
    event = visit_completed(visit, kind, given, record_no, body.actor or body.visitor)
    try:
        positions = runtime.publish([event])
    except Exception:
        # Not on the log (as far as we know): free the visit for a retry.
        with runtime.pool.connection() as conn:
            store.release_visit(conn, visit.visit_id, record_no)
        raise
    applied = runtime.wait_until_applied(positions) if wait else None
    complaints = complaints_of(event)
    return VisitRecordCreated(
        record_no=record_no,
        score=event.payload.score,
        complaints=[ComplaintRead(**c.payload.model_dump()) for c in complaints],
        event_ids=[event.event_id, *(c.event_id for c in complaints)],
        applied=applied,
    )


@router.get("", response_model=VisitRecordPage)
def list_visit_records(
    runtime: RuntimeDep,
    *,
    customer_id: str | None = None,
    period: Annotated[
        str | None,
        Query(pattern=PERIOD_PATTERN, description="YYYY-MM of the visit date"),
    ] = None,
    kind: VisitKind | None = None,
    visit_id: str | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> VisitRecordPage:
    """Visit records by record number, filtered by customer, month and kind."""
    with runtime.pool.connection() as conn:
        rows = queries.records(
            conn,
            customer_id=customer_id,
            period=period,
            kind=kind,
            visit_id=visit_id,
            after=cursor,
            limit=limit + 1,
        )
    items = rows[:limit]
    return VisitRecordPage(
        items=items, next=items[-1].record_no if len(rows) > limit else None
    )


@router.get("/{record_no}", response_model=VisitRecordRead)
def get_visit_record(runtime: RuntimeDep, record_no: str) -> VisitRecordRead:
    """One visit record, with the complaints it raised."""
    with runtime.pool.connection() as conn:
        found = queries.records(conn, record_no=record_no, limit=1)
    if not found:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no visit record {record_no!r}"
        )
    return found[0]
