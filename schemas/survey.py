"""What visitors record (topic `survey`): visits done, failed attempts, complaints."""

from datetime import date
from typing import Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.types import (
    AttemptFailure,
    Channel,
    ComplaintSubject,
    PostWarrantyService,
    Rating,
    VisitKind,
)

Answer = str | bool | int | None


class VisitCompletedPayload(Payload):
    customer_id: str
    visit_id: str
    kind: VisitKind
    record_no: str = Field(pattern=r"^HF-\d{4}-\d{2}-\d{4,}$")
    visited_on: date
    visitor: str
    channel: Channel
    answers: dict[str, Answer] = {}
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    suggestions: str = ""
    needs: str = ""
    post_warranty_service: list[PostWarrantyService] = []
    unresolved_by_phone: bool = False
    score: int = Field(ge=0, le=100)
    unit_id: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    ticket_id: str | None = None
    product_model: str | None = None
    region: str | None = None


class VisitCompleted(Event):
    """A visit record (顾客回访记录) closed a visit."""

    type: Literal["visit_completed"] = "visit_completed"
    version: Literal[1] = 1
    payload: VisitCompletedPayload


class VisitAttemptFailedPayload(Payload):
    customer_id: str
    visit_id: str
    attempted_on: date
    visitor: str
    reason: AttemptFailure
    note: str = ""
    attempt_no: int = Field(ge=1)


class VisitAttemptFailed(Event):
    """A visit attempt failed (回访不成功); the visit stays open."""

    type: Literal["visit_attempt_failed"] = "visit_attempt_failed"
    version: Literal[1] = 1
    payload: VisitAttemptFailedPayload


class ComplaintRaisedPayload(Payload):
    customer_id: str
    complaint_id: str
    visit_id: str
    record_no: str
    subject: ComplaintSubject
    description: str
    customer_suggestion: str = ""
    raised_on: date
    unit_id: str | None = None
    product_model: str | None = None
    region: str | None = None


class ComplaintRaised(Event):
    """A visit found the customer dissatisfied, or with a suggestion or need."""

    type: Literal["complaint_raised"] = "complaint_raised"
    version: Literal[1] = 1
    payload: ComplaintRaisedPayload
