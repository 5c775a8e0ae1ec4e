"""The survey's HTTP shapes: `XCreate` in, `XRead` out."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.limits import BusinessDate, ClientId, DerivedId, Name, Text
from schemas.survey import Answer, QuestionId
from schemas.types import (
    AttemptFailure,
    Channel,
    ComplaintSubject,
    FeedbackForm,
    PostWarrantyService,
    Rating,
    VisitKind,
)


class VisitRecordCreate(BaseModel):
    """A visit record (顾客回访记录) as the visitor fills it in."""

    model_config = ConfigDict(extra="forbid")

    visit_id: DerivedId
    visited_on: BusinessDate = Field(description="not after today")
    visitor: Name
    channel: Channel | None = Field(
        default=None, description="how the visit was made; default: as planned"
    )
    answers: dict[QuestionId, Answer] = Field(
        default={},
        max_length=100,
        description="the checklist of the visit's kind, by question id",
    )
    product_quality: Rating | None = Field(
        default=None, description="the customer's overall rating of the product"
    )
    service_quality: Rating | None = Field(
        default=None, description="the customer's overall rating of the service"
    )
    suggestions: Text = ""
    needs: Text = ""
    opportunities: Text = Field(
        default="",
        description="new needs and business opportunities (on-site visits only)",
    )
    unresolved_by_phone: bool = Field(
        default=False,
        description="a problem the phone could not solve: the scheduler plans an "
        "on-site follow-up",
    )


class ServiceVisitCreate(BaseModel):
    """An unplanned service visit (6.2.7) by an after-sales department head,
    about one unit of a customer; numbered and reported like any record."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ClientId
    unit_id: ClientId
    visited_on: BusinessDate = Field(description="not after today")
    visitor: Name
    channel: Channel = Channel.ON_SITE
    answers: dict[QuestionId, Answer] = Field(
        default={}, max_length=100, description="the service visit's checklist"
    )
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    suggestions: Text = ""
    needs: Text = ""
    opportunities: Text = Field(
        default="", description="new needs and business opportunities (on site)"
    )
    unresolved_by_phone: bool = False
    product_model: Name | None = Field(
        default=None, description="if the survey does not know the unit yet"
    )
    region: Name | None = Field(
        default=None, description="if the survey does not know the unit yet"
    )


class ComplaintRead(BaseModel):
    """An information feedback form (信息反馈单) a record raised."""

    complaint_id: str
    form: FeedbackForm = FeedbackForm.COMPLAINT
    subject: ComplaintSubject
    description: str
    customer_suggestion: str
    items: list[str] = Field(default=[], description="what a service request asks for")


class VisitRecordCreated(BaseModel):
    record_no: str
    visit_id: str
    score: int
    product_quality: Rating | None = Field(
        description="the record's satisfaction with the product (the worst of the "
        "overall rating and every rated answer about it)"
    )
    service_quality: Rating | None = Field(
        description="the record's satisfaction with the service (likewise)"
    )
    complaints: list[ComplaintRead] = Field(
        description="every form the record raised: complaints, problem report, "
        "service request, suggestion"
    )
    event_ids: list[UUID] = Field(
        description="visit_completed, then each complaint_raised of the record"
    )
    applied: bool | None = None


class VisitRecordRead(BaseModel):
    record_no: str
    customer_id: str
    visit_id: str
    kind: VisitKind
    visited_on: date
    visitor: str
    channel: Channel
    answers: dict[str, Answer]
    product_quality: Rating | None = Field(description="by the rule (worst of)")
    service_quality: Rating | None = Field(description="by the rule (worst of)")
    overall_product_quality: Rating | None = Field(description="as the visitor gave")
    overall_service_quality: Rating | None = Field(description="as the visitor gave")
    suggestions: str
    needs: str
    opportunities: str
    post_warranty_service: list[PostWarrantyService]
    unresolved_by_phone: bool
    score: int
    unit_id: str | None
    order_id: str | None
    store_id: str | None
    ticket_id: str | None
    product_model: str | None
    region: str | None
    complaints: list[ComplaintRead]


class VisitRecordPage(BaseModel):
    items: list[VisitRecordRead]
    next: str | None


class AttemptCreate(BaseModel):
    """A visit attempt that failed (回访不成功)."""

    model_config = ConfigDict(extra="forbid")

    attempted_on: BusinessDate = Field(description="not after today")
    visitor: Name
    reason: AttemptFailure
    note: Text = ""


class AttemptCreated(BaseModel):
    visit_id: str
    attempt_no: int
    event_id: UUID
    applied: bool | None = None


class AttemptRead(BaseModel):
    visit_id: str
    customer_id: str
    attempt_no: int
    attempted_on: date
    visitor: str
    reason: AttemptFailure
    note: str


class AttemptHistory(BaseModel):
    """A visit's failed attempts, oldest first, with counts by reason."""

    visit_id: str
    status: str | None = Field(description="as the survey knows the visit")
    count: int
    by_reason: dict[AttemptFailure, int]
    attempts: list[AttemptRead]


class AttemptSummary(BaseModel):
    """Failed attempts matching a filter, counted by reason."""

    count: int
    by_reason: dict[AttemptFailure, int]
    items: list[AttemptRead]


class VisitRead(BaseModel):
    """A visit as the survey knows it from the schedule topic."""

    visit_id: str
    customer_id: str
    kind: VisitKind | None
    status: str = Field(description="open | escalated | done | cancelled")
    due_date: date | None
    latest_date: date | None
    channel: Channel | None
    unit_id: str | None
    order_id: str | None
    store_id: str | None
    ticket_id: str | None
    region: str | None
    product_model: str | None
    record_no: str | None
    escalated_to: str | None
    attempts: int
