"""What the monthly report's readers decide (topic `reporting`)."""

from typing import ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.limits import BusinessDate, DerivedId, Name, Text
from schemas.types import ReportPart


class ReportReviewedPayload(Payload):
    review_id: DerivedId
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    part: ReportPart
    company: Name | None = Field(
        default=None, description="the producing company reviewing product quality"
    )
    reviewer: Name
    reviewed_on: BusinessDate
    capa_needed: bool
    reason: Text = Field(description="why a CAPA is, or is not, needed")


class ReportReviewed(Event):
    """A part of a monthly report was reviewed (评审, regulation 6.3)."""

    key_field: ClassVar[str] = "review_id"
    type: Literal["report_reviewed"] = "report_reviewed"
    version: Literal[1] = 1
    payload: ReportReviewedPayload
