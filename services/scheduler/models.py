"""What the scheduler's API returns and accepts (pydantic, at the HTTP edge)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.limits import MAX_AMOUNT, ClientId
from schemas.types import Channel, VisitKind, VisitStatus
from services.kit.http import Limit, PageCursor


class VisitQuery(BaseModel):
    """The filters of `GET /v1/visits`; an unknown one is a 422 naming it."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = None
    unit_id: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    region: str | None = None
    kind: VisitKind | None = None
    channel: Channel | None = None
    status: VisitStatus | None = Field(default=None, description="for `as_of`")
    due_from: date | None = None
    due_to: date | None = None
    as_of: date | None = Field(
        default=None, description="default: today in the company time zone"
    )
    visitor: str | None = Field(
        default=None, description="of the visit's latest attempt or record"
    )
    limit: Limit = 100
    cursor: PageCursor = None


class VisitRead(BaseModel):
    """A visit as the service centre sees it; `status` is for the `as_of` asked."""

    visit_id: str
    customer_id: str
    kind: VisitKind
    unit_id: str | None
    order_id: str | None
    store_id: str | None
    ticket_id: str | None
    region: str | None
    product_model: str | None
    due_date: date
    latest_date: date = Field(description="overdue after this date")
    channel: Channel
    status: VisitStatus
    attempts: int = Field(description="failed attempts so far")
    visitor: str | None = Field(description="of the latest attempt or record")
    record_no: str | None
    done_on: date | None
    policy_version: str


class VisitPage(BaseModel):
    items: list[VisitRead]
    next: str | None = Field(description="give as `cursor` for the next page")


class HistoryEntry(BaseModel):
    type: str
    event_id: UUID
    caused_by: str | None
    occurred_at: datetime
    detail: dict[str, Any]


class VisitDetail(VisitRead):
    history: list[HistoryEntry]


class BatchRead(BaseModel):
    """Visits to make together (集中回访) on a day from first_day to last_day."""

    region: str | None
    channel: Channel
    first_day: date
    last_day: date
    has_overdue: bool
    store_id: str | None = Field(
        default=None,
        description="a batch of this store's retail follow-ups (made by its"
        " designated visitor; never batched with industrial visits)",
    )
    visits: list[VisitRead]


class Worklist(BaseModel):
    as_of: date
    batches: list[BatchRead]
    next: str | None = Field(
        default=None,
        description="give as `after` for the next batches; null on the last page",
    )


class WhatIf(BaseModel):
    """The policy's numbers to change; what is not given stays as it is."""

    model_config = ConfigDict(extra="forbid")

    on_site_threshold: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, max_digits=15, decimal_places=2
    )
    max_failed_attempts: int | None = Field(default=None, strict=True, ge=1, le=100)
    industrial_tolerance_months: int | None = Field(
        default=None, strict=True, ge=0, le=120
    )
    revisit_tolerance_days: int | None = Field(default=None, strict=True, ge=0, le=3650)
    warranty_months_from_power_on: int | None = Field(
        default=None, strict=True, ge=1, le=120
    )
    warranty_months_from_ship: int | None = Field(
        default=None, strict=True, ge=1, le=120
    )
    on_site_followup_days: int | None = Field(default=None, strict=True, ge=0, le=365)
    customer_id: ClientId | None = Field(default=None, description="only this customer")
    include_done: bool = Field(
        default=False, description="also visits already done (what would have been)"
    )


class PlanSide(BaseModel):
    kind: VisitKind
    due_date: date
    latest_date: date
    channel: Channel


class PlanDifferenceRead(BaseModel):
    customer_id: str
    visit_id: str
    difference: str = Field(description="added, removed, moved or channel_changed")
    current: PlanSide | None
    changed: PlanSide | None


class WhatIfResult(BaseModel):
    current_policy: str
    changed_policy: str
    customers: int
    differences: list[PlanDifferenceRead]


class AnnouncedRead(BaseModel):
    visit_id: str
    customer_id: str
    kind: VisitKind
    notice: VisitStatus
    event_id: UUID


class TickResult(BaseModel):
    as_of: date
    announced: list[AnnouncedRead]
    applied: bool | None = Field(
        default=None,
        description="with `wait`: whether the views show the announcements yet",
    )
