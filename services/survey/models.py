"""The survey's HTTP shapes: `XCreate` in, `XRead` out."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.limits import BusinessDate, DerivedId, Name, Text
from schemas.survey import Answer, QuestionId
from schemas.types import (
    AttemptFailure,
    Channel,
    ComplaintSubject,
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
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    suggestions: Text = ""
    needs: Text = ""
    unresolved_by_phone: bool = Field(
        default=False,
        description="a problem the phone could not solve: the next visit is on site",
    )
    actor: Name | None = Field(
        default=None, description="who enters it; default: the visitor"
    )


class ComplaintRead(BaseModel):
    complaint_id: str
    subject: ComplaintSubject
    description: str
    customer_suggestion: str


class VisitRecordCreated(BaseModel):
    record_no: str
    score: int
    complaints: list[ComplaintRead]
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
    product_quality: Rating | None
    service_quality: Rating | None
    suggestions: str
    needs: str
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
    actor: Name | None = Field(
        default=None, description="who enters it; default: the visitor"
    )


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
