"""Domain rows for the reporting unit tests."""

from datetime import date
from typing import Any

from schemas.types import Rating, VisitKind
from services.reporting.domain.records import VisitRecord

S, N, D = Rating.SATISFIED, Rating.NEUTRAL, Rating.DISSATISFIED


def record(
    no: int,
    *,
    on: date = date(2026, 11, 10),
    kind: VisitKind = VisitKind.WARRANTY_6M,
    product: Rating | None = S,
    service: Rating | None = S,
    score: int = 100,
    **fields: Any,
) -> VisitRecord:
    """A visit record; unnamed fields take plain defaults."""
    values: dict[str, Any] = {
        "record_no": f"HF-{on:%Y-%m}-{no:04d}",
        "customer_id": "C1",
        "visit_id": f"V{no}",
        "kind": kind,
        "visited_on": on,
        "score": score,
        "product_quality": product,
        "service_quality": service,
    }
    return VisitRecord(**(values | fields))
