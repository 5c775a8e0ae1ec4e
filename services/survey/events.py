"""Every integration event the survey derives: a visit record, the complaints
it raises, a failed attempt.

A record's command writes its `visit_completed` and every `complaint_raised`
to the outbox in one transaction, so a record's complaints cannot be
half-written. Complaint ids and event ids are stable (`stable_id` of the
complaint id, itself the record number and an index), so the same record
always raises the same complaints.
"""

from schemas.envelope import caused_by, stable_id
from schemas.survey import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    VisitAttemptFailed,
    VisitAttemptFailedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import VisitKind
from services.survey.domain.complaints import (
    Complaint,
    complaints_from,
    post_warranty_services,
)
from services.survey.domain.records import VisitRecord, score
from services.survey.domain.visits import FailAttempt, RecordVisit, Visit

SOURCE = "survey"


def visit_completed(
    visit: Visit, kind: VisitKind, command: RecordVisit, record_no: str
) -> VisitCompleted:
    """The record as an event, carrying what the visit knows of its subject."""
    return VisitCompleted(
        source=SOURCE,
        actor=command.actor,
        payload=VisitCompletedPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            kind=kind,
            record_no=record_no,
            visited_on=command.visited_on,
            visitor=command.visitor,
            channel=command.channel_for(visit),
            answers=dict(command.answers),
            product_quality=command.product_quality,
            service_quality=command.service_quality,
            suggestions=command.suggestions,
            needs=command.needs,
            post_warranty_service=post_warranty_services(command.answers),
            unresolved_by_phone=command.unresolved_by_phone,
            score=score(
                kind,
                command.answers,
                command.product_quality,
                command.service_quality,
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
    visit: Visit, attempt_no: int, command: FailAttempt
) -> VisitAttemptFailed:
    """A failed attempt (回访不成功) as an event; the visit stays open."""
    return VisitAttemptFailed(
        source=SOURCE,
        actor=command.actor,
        payload=VisitAttemptFailedPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            attempted_on=command.attempted_on,
            visitor=command.visitor,
            reason=command.reason,
            note=command.note,
            attempt_no=attempt_no,
        ),
    )
