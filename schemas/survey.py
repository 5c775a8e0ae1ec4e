"""What visitors record (topic `survey`): visits done, failed attempts, complaints."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from schemas.envelope import Event, Payload
from schemas.limits import MAX_ID, BusinessDate, ClientId, DerivedId, Name, Text
from schemas.types import (
    AttemptFailure,
    Channel,
    ComplaintSubject,
    FeedbackForm,
    PostWarrantyService,
    Rating,
    VisitKind,
)

# A checklist answer: a choice, a yes/no, a number or a free text.
Answer = Text | bool | Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] | None
QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID)]


class VisitCompletedPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    kind: VisitKind
    record_no: DerivedId = Field(pattern=r"^HF-\d{4}-\d{2}-\d{4,}$")
    visited_on: BusinessDate
    visitor: Name
    channel: Channel
    answers: dict[QuestionId, Answer] = Field(default={}, max_length=100)
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    suggestions: Text = ""
    needs: Text = ""
    post_warranty_service: list[PostWarrantyService] = []
    unresolved_by_phone: bool = False
    score: int = Field(ge=0, le=100)
    unit_id: ClientId | None = None
    order_id: ClientId | None = None
    store_id: ClientId | None = None
    ticket_id: DerivedId | None = None
    product_model: Name | None = None
    region: Name | None = None
    # The visitor's overall ratings as given; `product_quality` and
    # `service_quality` above are the record's satisfaction by the rule of
    # domain.md (the worst of these and every rated answer on the subject).
    overall_product_quality: Rating | None = None
    overall_service_quality: Rating | None = None
    opportunities: Text = Field(
        default="", description="new needs and business opportunities (on site)"
    )


class VisitCompleted(Event):
    """A visit record (顾客回访记录) closed a visit."""

    type: Literal["visit_completed"] = "visit_completed"
    version: Literal[1] = 1
    payload: VisitCompletedPayload


class VisitAttemptFailedPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    attempted_on: BusinessDate
    visitor: Name
    reason: AttemptFailure
    note: Text = ""
    attempt_no: int = Field(ge=1)


class VisitAttemptFailed(Event):
    """A visit attempt failed (回访不成功); the visit stays open."""

    type: Literal["visit_attempt_failed"] = "visit_attempt_failed"
    version: Literal[1] = 1
    payload: VisitAttemptFailedPayload


class ComplaintRaisedPayload(Payload):
    customer_id: ClientId
    complaint_id: DerivedId
    visit_id: DerivedId
    record_no: DerivedId
    subject: ComplaintSubject
    description: Text
    customer_suggestion: Text = ""
    raised_on: BusinessDate
    unit_id: ClientId | None = None
    product_model: Name | None = None
    region: Name | None = None
    form: FeedbackForm = FeedbackForm.COMPLAINT
    items: list[Name] = Field(
        default=[], max_length=50, description="what a service request asks for"
    )


class ComplaintRaised(Event):
    """A visit found the customer dissatisfied, or with a suggestion or need."""

    type: Literal["complaint_raised"] = "complaint_raised"
    version: Literal[1] = 1
    payload: ComplaintRaisedPayload
