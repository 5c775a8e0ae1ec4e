"""The report at the HTTP edge: what `GET /v1/reports/monthly/{period}` returns."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from schemas.limits import BusinessDate, Name, RequiredText
from schemas.types import ReportPart


class TallyRead(BaseModel):
    """Counts of one axis (product or service quality) and their shares."""

    satisfied: int
    neutral: int
    dissatisfied: int
    rated: int = Field(description="satisfied + neutral + dissatisfied")
    shares: dict[str, float | None] = Field(
        description="each count / rated, 4 decimals; null when nothing is rated"
    )


class SatisfactionRead(BaseModel):
    """Satisfaction of a group of records (a product model, kind, region...)."""

    records: int
    product_quality: TallyRead
    service_quality: TallyRead
    mean_score: float | None = Field(description="of all the group's records")


class CustomerSatisfactionRead(SatisfactionRead):
    customer_name: str | None = None


class TrendPointRead(BaseModel):
    period: str
    mean_score: float | None = Field(description="retail records' mean score")
    records: int = Field(description="retail records in the period")


class VisitsRead(BaseModel):
    planned: int
    done: int
    done_late: int
    overdue: int = Field(description="announced overdue; latest date passed in it")
    missed: int = Field(description="superseded by a later record of the unit")
    failed_attempts_by_reason: dict[str, int]


class ComplaintCountsRead(BaseModel):
    opened: int
    resolved: int
    revisited: int = Field(description="re-visits verified + reopened")
    still_open: int = Field(description="not verified at the period's end")


class ComplaintsRead(ComplaintCountsRead):
    by_department: dict[str, ComplaintCountsRead]


class CapasRead(BaseModel):
    opened: int
    verified: int
    still_open: int = Field(description="opened and not verified at the period's end")


class SuggestionRead(BaseModel):
    record_no: str
    customer_id: str
    visited_on: date
    text: str = Field(description="suggestions and needs, joined by '; '")
    suggestions: str
    needs: str
    post_warranty_service: list[str]


class OpportunityRead(BaseModel):
    """New needs and business opportunities noted on an on-site visit."""

    record_no: str
    customer_id: str
    visited_on: date
    kind: str
    company: str | None
    text: str


class ReviewRead(BaseModel):
    """A review (评审) of a part of the report, with the CAPAs it opened."""

    review_id: str
    part: ReportPart
    company: str | None = Field(description="the company reviewing product quality")
    reviewer: str
    reviewed_on: date
    capa_needed: bool
    reason: str
    capa_ids: list[str] = Field(description="CAPAs opened with this review_id")


class ReviewCreate(BaseModel):
    """`POST /v1/reports/monthly/{period}/reviews`: one part's review."""

    model_config = ConfigDict(extra="forbid")

    part: ReportPart
    company: Name | None = Field(
        default=None, description="required for product_quality, else absent"
    )
    reviewer: Name = Field(description="who reviewed it")
    reviewed_on: BusinessDate | None = Field(default=None, description="default: today")
    capa_needed: bool
    reason: RequiredText = Field(description="why a CAPA is, or is not, needed")


class ReviewRecorded(BaseModel):
    """A review was decided: its event is in the outbox (and applied to the
    report, when asked to wait)."""

    review_id: str
    event_id: str
    applied: bool | None = None


class PositionRead(BaseModel):
    topic: str
    partition: int
    next_offset: int


class RecipientRead(BaseModel):
    """A copy of the frozen report handed out (domain.md: who received it, when)."""

    recipient: str = Field(description="leadership, a department or a company")
    kind: str = Field(description="leadership, department or company")
    handed_at: str = Field(description="when it was handed out (ISO 8601)")


class FrozenRead(BaseModel):
    """How a closed period's report was frozen."""

    frozen_on: date = Field(description="the business date: the day after the cutoff")
    frozen_at: str = Field(description="when (ISO 8601)")
    content_hash: str = Field(
        description="sha256 of the report's canonical JSON (this body without "
        "`frozen` and `amendments`; keys sorted, no spaces, UTF-8)"
    )
    positions: list[PositionRead] = Field(description="log positions it was built from")
    distribution: list[RecipientRead]


class AmendmentRead(BaseModel):
    """A record dated inside the closed period that arrived after freezing."""

    record_no: str
    customer_id: str
    kind: str
    visited_on: date
    product_quality: str | None
    service_quality: str | None
    score: int


class MonthlyReport(BaseModel):
    """The satisfaction measurement report (顾客满意度测量报告) of one period."""

    period: str
    start: date
    end: date
    cutoff_day: int
    records: int
    product_quality: TallyRead
    service_quality: TallyRead
    by_product_model: dict[str, SatisfactionRead]
    by_kind: dict[str, SatisfactionRead]
    by_region: dict[str, SatisfactionRead]
    by_customer: dict[str, CustomerSatisfactionRead]
    by_tag: dict[str, dict[str, SatisfactionRead]] = Field(
        description="per customer-tag axis (strength, decision_maker, interest, "
        "cooperation), per tag"
    )
    by_company: dict[str, SatisfactionRead] = Field(
        description="per producing company (business unit) of the contract"
    )
    retail_mean_score: float | None
    score_trend: list[TrendPointRead]
    visits: VisitsRead
    complaints: ComplaintsRead = Field(description="complaint forms only")
    service_requests: ComplaintsRead
    problem_reports: ComplaintsRead
    suggestion_forms: ComplaintsRead
    capas: CapasRead
    suggestions: list[SuggestionRead]
    opportunities: list[OpportunityRead]
    reviews: list[ReviewRead]
    frozen: FrozenRead | None = Field(
        default=None,
        description="set when this is the frozen report of a closed period; "
        "null for a live (recomputed) report",
    )
    amendments: list[AmendmentRead] | None = Field(
        default=None,
        description="with a frozen report: the records dated in the period "
        "that arrived after freezing (they are not counted above)",
    )


class Periods(BaseModel):
    cutoff_day: int
    periods: list[str] = Field(description="periods with activity, oldest first")


# The dashboard's JSON (`/v1/dashboard/...`, services/reporting/domain/dashboard.py).


class CardRead(BaseModel):
    value: float | None
    previous: float | None = Field(description="the previous period's")
    change: float | None = Field(description="value - previous")


class DashboardCards(BaseModel):
    period: str
    previous_period: str
    records: int
    product_quality: CardRead = Field(description="satisfied share")
    service_quality: CardRead = Field(description="satisfied share")
    retail_mean_score: CardRead


class DashboardTrendPoint(BaseModel):
    period: str
    records: int
    product_quality: float | None = Field(description="satisfied share")
    service_quality: float | None = Field(description="satisfied share")
    retail_mean_score: float | None


class DashboardTrend(BaseModel):
    period: str
    points: list[DashboardTrendPoint] = Field(description="12 periods, oldest first")


class DashboardBreakdowns(BaseModel):
    period: str
    axes: dict[str, dict[str, SatisfactionRead]] = Field(
        description="product_model, region, kind, tag.<axis> -> group -> satisfaction"
    )


class RegionVisitsRead(BaseModel):
    planned: int
    done: int
    done_late: int
    overdue: int
    missed: int


class DashboardVisits(BaseModel):
    period: str
    by_region: dict[str, RegionVisitsRead]
    failed_attempts_by_reason: dict[str, int] = Field(
        description="all failed attempts of the period (attempts name no region)"
    )


class SlaCountsRead(BaseModel):
    resolved: int = Field(description="complaints resolved in the period")
    resolved_within_sla: int = Field(
        description="of those, with no SLA breach by the period's end"
    )
    compliance: float | None = Field(
        description="resolved_within_sla / resolved; null when none was resolved"
    )
    assignment_breaches: int = Field(description="breaches that happened in it")
    resolution_breaches: int


class SlaTrendPointRead(SlaCountsRead):
    period: str


class SlaRead(SlaCountsRead):
    by_department: dict[str, SlaCountsRead]
    trend: list[SlaTrendPointRead] = Field(
        description="the 12 periods ending with this one, overall"
    )


class PastDueCapaRead(BaseModel):
    capa_id: str
    owner: str | None
    due_date: date
    days_past_due: int = Field(description="at the period's last day")


class DashboardCapasRead(CapasRead):
    past_due: int = Field(description="open at the period's end after their due date")
    past_due_capas: list[PastDueCapaRead]


class DashboardFeedback(BaseModel):
    period: str
    complaints: ComplaintsRead
    service_requests: ComplaintsRead
    problem_reports: ComplaintsRead
    suggestion_forms: ComplaintsRead
    open_by_age: dict[str, int] = Field(
        description="every form still open at the period's end, by age in days"
    )
    sla: SlaRead = Field(description="complaints' SLA compliance and breaches")
    capas: DashboardCapasRead


class DashboardSuggestions(BaseModel):
    period: str
    total: int = Field(description="listed before the search")
    suggestions: list[SuggestionRead]
