"""What the scheduler derives from the regulation (topic `schedule`)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.types import Channel, EscalationTarget, VisitKind


class VisitPlannedPayload(Payload):
    customer_id: str
    visit_id: str
    kind: VisitKind
    due_date: date
    latest_date: date = Field(description="overdue after this date")
    channel: Channel
    policy_version: str
    unit_id: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    ticket_id: str | None = None
    region: str | None = None
    # The unit's model, when the scheduler knows it: the survey copies it into
    # the visit record so reports can break satisfaction down by model.
    product_model: str | None = None


class VisitPlanned(Event):
    type: Literal["visit_planned"] = "visit_planned"
    version: Literal[1] = 1
    payload: VisitPlannedPayload


class VisitRescheduledPayload(Payload):
    customer_id: str
    visit_id: str
    due_date: date
    latest_date: date
    channel: Channel
    previous_due_date: date
    reason: str
    policy_version: str
    # The visit's details as the scheduler knows them now: a fact that arrived
    # late (the contract, the shipment) fills them in. None means "not known",
    # not "cleared": consumers keep what they had.
    region: str | None = None
    product_model: str | None = None


class VisitRescheduled(Event):
    """An open visit moved: a corrected fact, or a change of channel."""

    type: Literal["visit_rescheduled"] = "visit_rescheduled"
    version: Literal[1] = 1
    payload: VisitRescheduledPayload


class VisitCancelledPayload(Payload):
    customer_id: str
    visit_id: str
    reason: str


class VisitCancelled(Event):
    """A visit that no longer applies after a correction."""

    type: Literal["visit_cancelled"] = "visit_cancelled"
    version: Literal[1] = 1
    payload: VisitCancelledPayload


class VisitDuePayload(Payload):
    customer_id: str
    visit_id: str
    kind: VisitKind
    due_date: date
    announced_on: date


class VisitDue(Event):
    """The daily tick found the visit due (once per visit)."""

    type: Literal["visit_due"] = "visit_due"
    version: Literal[1] = 1
    payload: VisitDuePayload


class VisitOverduePayload(Payload):
    customer_id: str
    visit_id: str
    kind: VisitKind
    latest_date: date
    announced_on: date


class VisitOverdue(Event):
    """The daily tick found the visit past its latest date (once per visit)."""

    type: Literal["visit_overdue"] = "visit_overdue"
    version: Literal[1] = 1
    payload: VisitOverduePayload


class VisitEscalatedPayload(Payload):
    customer_id: str
    visit_id: str
    attempts: int
    escalated_to: EscalationTarget
    escalated_on: date


class VisitEscalated(Event):
    """Three failed attempts: on site (industrial) or the store manager (retail)."""

    type: Literal["visit_escalated"] = "visit_escalated"
    version: Literal[1] = 1
    payload: VisitEscalatedPayload


class ThresholdCrossedPayload(Payload):
    customer_id: str
    total_amount: Decimal
    threshold: Decimal
    crossed_on: date


class ThresholdCrossed(Event):
    """A customer's contracts reached the on-site threshold (累计合同额 ≥ 300万元)."""

    type: Literal["threshold_crossed"] = "threshold_crossed"
    version: Literal[1] = 1
    payload: ThresholdCrossedPayload
