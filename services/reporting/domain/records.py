"""A visit record (顾客回访记录) as the report sees it, and the period rule."""

from dataclasses import dataclass
from datetime import date

from schemas.types import PostWarrantyService, Rating, VisitKind

Bounds = tuple[date, date]
UNKNOWN = "unknown"  # the breakdown key of a record that does not name one


def within(day: date | None, bounds: Bounds) -> bool:
    """Whether a date falls in a period's bounds (both inclusive)."""
    return day is not None and bounds[0] <= day <= bounds[1]


@dataclass(frozen=True)
class VisitRecord:
    """One record with what the report classifies it by.

    `product_model` and `region` are the record's own or, when it names none,
    what the schedule planned its visit with, else what the ledger knows of
    its unit and customer.
    `latest_date` is that of the visit it closed, when the schedule planned it.
    """

    record_no: str
    customer_id: str
    visit_id: str
    kind: VisitKind
    visited_on: date
    score: int
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    product_model: str | None = None
    region: str | None = None
    suggestions: str = ""
    needs: str = ""
    post_warranty_service: tuple[PostWarrantyService, ...] = ()
    latest_date: date | None = None

    @property
    def late(self) -> bool:
        """Done after the visit's latest date, i.e. while it was overdue."""
        return self.latest_date is not None and self.visited_on > self.latest_date
