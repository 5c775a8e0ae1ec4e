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


class Periods(BaseModel):
    cutoff_day: int
    periods: list[str] = Field(description="periods with activity, oldest first")
