"""The report at the HTTP edge: what `GET /v1/reports/monthly/{period}` returns."""

from datetime import date

from pydantic import BaseModel, Field


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
    overdue: int
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
    retail_mean_score: float | None
    score_trend: list[TrendPointRead]
    visits: VisitsRead
    complaints: ComplaintsRead
    capas: CapasRead
    suggestions: list[SuggestionRead]


class Periods(BaseModel):
    cutoff_day: int
    periods: list[str] = Field(description="periods with activity, oldest first")
