"""Every integration event the survey derives: a visit record, the forms it
raises (`complaint_raised` with its `form`), a failed attempt.

A record's command writes its `visit_completed` and every `complaint_raised`
to the outbox in one transaction, so a record's forms cannot be
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
from schemas.types import ComplaintSubject
from services.survey.domain.complaints import complaints_from, post_warranty_services
from services.survey.domain.records import VisitRecord, satisfaction, score
from services.survey.domain.visits import FailAttempt, RecordVisit, Visit

SOURCE = "survey"


def visit_completed(
    visit: Visit, command: RecordVisit, record: VisitRecord, record_no: str
) -> VisitCompleted:
    """The record as an event, carrying what the visit knows of its subject.

    `product_quality` and `service_quality` are the record's satisfaction by
    the rule (`satisfaction`: the worst of the overall rating and every rated
    answer on the subject); the visitor's overall ratings are `overall_*`.
    """
    assert visit.kind is not None  # an unknown visit takes no record
    return VisitCompleted(
        source=SOURCE,
        actor=command.actor,
        payload=VisitCompletedPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            kind=visit.kind,
            record_no=record_no,
            visited_on=command.visited_on,
            visitor=command.visitor,
            channel=command.channel_for(visit),
            answers=dict(command.answers),
            product_quality=satisfaction(record, ComplaintSubject.PRODUCT_QUALITY),
            service_quality=satisfaction(record, ComplaintSubject.SERVICE_QUALITY),
            overall_product_quality=command.product_quality,
            overall_service_quality=command.service_quality,
            suggestions=command.suggestions,
            needs=command.needs,
            opportunities=command.opportunities,
            post_warranty_service=post_warranty_services(command.answers),
            unresolved_by_phone=command.unresolved_by_phone,
            score=score(
                visit.kind,
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


def complaint_id(record_no: str, index: int) -> str:
    """The n-th (from 1) form of a record: `HF-2026-11-0042-1`."""
    return f"{record_no}-{index}"


def complaints_of(event: VisitCompleted, record: VisitRecord) -> list[ComplaintRaised]:
    """One `complaint_raised` per form the record raises (complaints,
    problem report, service request, suggestion), in their fixed order."""
    p = event.payload
    raised = []
    for index, complaint in enumerate(complaints_from(record), start=1):
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
                    form=complaint.form,
                    items=list(complaint.asks_for),
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
