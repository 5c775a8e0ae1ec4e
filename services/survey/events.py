"""Turning a visitor's record into events: what the API appends and what the
projection derives from it.

The API appends one event per command (`visit_completed`, or
`visit_attempt_failed`), so a command is on the log whole or not at all. The
complaints a record raises are derived from its `visit_completed` by the
survey's own projection (`complaints_of`), with stable ids: a record's
complaints cannot be half-written, and the API can tell the caller their ids
before they are on the log.
"""

from dataclasses import dataclass
from datetime import date

from schemas.envelope import caused_by, stable_id
from schemas.survey import (
    Answer,
    ComplaintRaised,
    ComplaintRaisedPayload,
    VisitAttemptFailed,
    VisitAttemptFailedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import AttemptFailure, Channel, Rating, VisitKind
from services.survey.domain.complaints import (
    Complaint,
    complaints_from,
    post_warranty_services,
)
from services.survey.domain.records import VisitRecord, score

SOURCE = "survey"


@dataclass(frozen=True)
class Visit:
    """A visit as the survey knows it from the schedule topic."""

    visit_id: str
    customer_id: str
    kind: VisitKind | None
    status: str
    channel: Channel | None = None
    unit_id: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    ticket_id: str | None = None
    region: str | None = None
    product_model: str | None = None


@dataclass(frozen=True)
class RecordInput:
    """What a visitor reports (the body of `POST /v1/visit-records`)."""

    visited_on: date
    visitor: str
    channel: Channel
    answers: dict[str, Answer]
    product_quality: Rating | None
    service_quality: Rating | None
    suggestions: str
    needs: str
    unresolved_by_phone: bool


def domain_record(kind: VisitKind, given: RecordInput) -> VisitRecord:
    """The record as the survey domain validates and scores it."""
    return VisitRecord(
        kind,
        given.answers,
        given.product_quality,
        given.service_quality,
        given.suggestions,
        given.needs,
    )


def visit_completed(
    visit: Visit, kind: VisitKind, given: RecordInput, record_no: str, actor: str
) -> VisitCompleted:
    """The record as an event, carrying what the visit knows of its subject."""
    return VisitCompleted(
        source=SOURCE,
        actor=actor,
        payload=VisitCompletedPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            kind=kind,
            record_no=record_no,
            visited_on=given.visited_on,
            visitor=given.visitor,
            channel=given.channel,
            answers=given.answers,
            product_quality=given.product_quality,
            service_quality=given.service_quality,
            suggestions=given.suggestions,
            needs=given.needs,
            post_warranty_service=post_warranty_services(given.answers),
            unresolved_by_phone=given.unresolved_by_phone,
            score=score(
                kind, given.answers, given.product_quality, given.service_quality
            ),
            unit_id=visit.unit_id,
            order_id=visit.order_id,
            store_id=visit.store_id,
            ticket_id=visit.ticket_id,
            product_model=visit.product_model,
            region=visit.region,
        ),
    )


def complaints_in(event: VisitCompleted) -> list[Complaint]:
    """The complaints the record raises (none for a re-visit)."""
    p = event.payload
    record = VisitRecord(
        p.kind, p.answers, p.product_quality, p.service_quality, p.suggestions, p.needs
    )
    return complaints_from(record)


def complaint_id(record_no: str, index: int) -> str:
    """The n-th (from 1) complaint of a record: `HF-2026-11-0042-1`."""
    return f"{record_no}-{index}"


def complaints_of(event: VisitCompleted) -> list[ComplaintRaised]:
    """One `complaint_raised` per subject the customer is dissatisfied with."""
    p = event.payload
    raised = []
    for index, complaint in enumerate(complaints_in(event), start=1):
        cid = complaint_id(p.record_no, index)
        raised.append(
            ComplaintRaised(
                event_id=stable_id("complaint_raised", cid),
                source=SOURCE,
                actor=event.actor,
                **caused_by(event),
                payload=ComplaintRaisedPayload(
                    customer_id=p.customer_id,
                    complaint_id=cid,
                    visit_id=p.visit_id,
                    record_no=p.record_no,
                    subject=complaint.subject,
                    description=complaint.description,
                    customer_suggestion=complaint.customer_suggestion,
                    raised_on=p.visited_on,
                    unit_id=p.unit_id,
                    product_model=p.product_model,
                    region=p.region,
                ),
            )
        )
    return raised


def attempt_failed(
    visit: Visit,
    attempt_no: int,
    *,
    attempted_on: date,
    visitor: str,
    reason: AttemptFailure,
    note: str,
    actor: str,
) -> VisitAttemptFailed:
    """A failed attempt (回访不成功) as an event; the visit stays open."""
    return VisitAttemptFailed(
        source=SOURCE,
        actor=actor,
        payload=VisitAttemptFailedPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            attempted_on=attempted_on,
            visitor=visitor,
            reason=reason,
            note=note,
            attempt_no=attempt_no,
        ),
    )
