"""Domain rows for the reporting unit tests."""

from datetime import date
from typing import Any

from schemas.catalogue import AnyEvent
from schemas.schedule import (
    VisitCancelled,
    VisitOverdue,
    VisitPlanned,
    VisitRescheduled,
)
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


# Schedule facts of one visit V1 of customer C1.
ENVELOPE = {"source": "scheduler", "actor": "scheduler"}
IDS = {"customer_id": "C1", "visit_id": "V1"}


def planned(
    due: str = "2026-11-01", latest: str = "2026-12-01", **extra: Any
) -> AnyEvent:
    return VisitPlanned.model_validate(
        {
            **ENVELOPE,
            "payload": {
                **IDS, "kind": "trial_run", "due_date": due, "latest_date": latest,
                "channel": "phone", "policy_version": "t", "region": "east",
                "product_model": "KYN28", "unit_id": "U1", **extra,
            },
        }
    )  # fmt: skip


def rescheduled(due: str, region: str | None = None) -> AnyEvent:
    return VisitRescheduled.model_validate(
        {
            **ENVELOPE,
            "payload": {
                **IDS, "due_date": due, "latest_date": "2026-12-20",
                "channel": "on_site", "previous_due_date": "2026-11-01",
                "reason": "moved", "policy_version": "t", "region": region,
            },
        }
    )  # fmt: skip


def cancelled() -> AnyEvent:
    return VisitCancelled.model_validate(
        {**ENVELOPE, "payload": {**IDS, "reason": "corrected"}}
    )


def overdue(announced: str) -> AnyEvent:
    return VisitOverdue.model_validate(
        {
            **ENVELOPE,
            "payload": {
                **IDS, "kind": "trial_run", "latest_date": "2026-12-01",
                "announced_on": announced,
            },
        }
    )  # fmt: skip
