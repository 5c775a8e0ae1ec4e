"""A visit as planned by the rules, and as the scheduler has stored it."""

from dataclasses import dataclass
from datetime import date

from schemas.types import Channel, VisitKind, VisitStatus


@dataclass(frozen=True)
class VisitPlan:
    """One visit the rules ask for; fields match `VisitPlannedPayload`."""

    customer_id: str
    visit_id: str
    kind: VisitKind
    due_date: date
    latest_date: date  # overdue after this date
    channel: Channel
    policy_version: str
    unit_id: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    ticket_id: str | None = None
    region: str | None = None
    product_model: str | None = None  # a unit's, once its shipment is known


@dataclass(frozen=True)
class Visit:
    """A visit as stored: the last plan published for it and its lifecycle.

    `status` is DONE, CANCELLED, SUPERSEDED or ESCALATED once one of those
    happened; any of
    PLANNED, DUE or OVERDUE means "open" (the date-based status is recomputed
    by `status.visit_status`, so which of the three is stored does not matter).
    """

    customer_id: str
    visit_id: str
    kind: VisitKind
    due_date: date
    latest_date: date
    channel: Channel
    status: VisitStatus = VisitStatus.PLANNED
    region: str | None = None
    failed_attempts: int = 0
    # Published details that may arrive late (the contract names the region,
    # the shipment the model): a change of either is published as a move too.
    product_model: str | None = None
    # A retail follow-up's store: its designated visitor makes it.
    store_id: str | None = None


CLOSED = frozenset({VisitStatus.DONE, VisitStatus.CANCELLED, VisitStatus.SUPERSEDED})
# Closed for good: a record closed it, or made it moot. Never moved or cancelled.
FINAL = frozenset({VisitStatus.DONE, VisitStatus.SUPERSEDED})


def is_open(visit: Visit) -> bool:
    """Still to be made: not done, superseded or cancelled (escalated stays open)."""
    return visit.status not in CLOSED


def open_visit(planned: VisitPlan, failed_attempts: int = 0) -> Visit:
    """The stored visit that a newly published plan opens."""
    return Visit(
        customer_id=planned.customer_id,
        visit_id=planned.visit_id,
        kind=planned.kind,
        due_date=planned.due_date,
        latest_date=planned.latest_date,
        channel=planned.channel,
        region=planned.region,
        failed_attempts=failed_attempts,
        product_model=planned.product_model,
        store_id=planned.store_id,
    )
