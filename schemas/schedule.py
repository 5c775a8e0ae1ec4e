"""What the scheduler derives from the regulation (topic `schedule`)."""

from decimal import Decimal
from typing import Literal

from pydantic import Field

from schemas.envelope import Event, Payload
from schemas.limits import BusinessDate, ClientId, DerivedId, Name
from schemas.types import Channel, EscalationTarget, VisitKind


class VisitPlannedPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    kind: VisitKind
    due_date: BusinessDate
    latest_date: BusinessDate = Field(description="overdue after this date")
    channel: Channel
    policy_version: Name
    unit_id: ClientId | None = None
    order_id: ClientId | None = None
    store_id: ClientId | None = None
    ticket_id: DerivedId | None = None
    region: Name | None = None
    # The unit's model, when the scheduler knows it: the survey copies it into
    # the visit record so reports can break satisfaction down by model.
    product_model: Name | None = None


class VisitPlanned(Event):
    type: Literal["visit_planned"] = "visit_planned"
    version: Literal[1] = 1
    payload: VisitPlannedPayload


class VisitRescheduledPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    due_date: BusinessDate
    latest_date: BusinessDate
    channel: Channel
    previous_due_date: BusinessDate
    reason: Name
    policy_version: Name
    # The visit's details as the scheduler knows them now: a fact that arrived
    # late (the contract, the shipment) fills them in. None means "not known",
    # not "cleared": consumers keep what they had.
    region: Name | None = None
    product_model: Name | None = None


class VisitRescheduled(Event):
    """An open visit moved: a corrected fact, or a change of channel."""

    type: Literal["visit_rescheduled"] = "visit_rescheduled"
    version: Literal[1] = 1
    payload: VisitRescheduledPayload


class VisitSupersededPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    kind: VisitKind
    due_date: BusinessDate
    latest_date: BusinessDate
    superseded_on: BusinessDate = Field(description="the date of the record")
    by_visit_id: DerivedId = Field(description="the visit whose record closed it")
    by_record_no: DerivedId


class VisitSuperseded(Event):
    """A record of the unit closed this open visit that fell due before it:
    it leaves the worklist unvisited and counts as missed (domain.md)."""

    type: Literal["visit_superseded"] = "visit_superseded"
    version: Literal[1] = 1
    payload: VisitSupersededPayload


class VisitCancelledPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    reason: Name


class VisitCancelled(Event):
    """A visit that no longer applies after a correction."""

    type: Literal["visit_cancelled"] = "visit_cancelled"
    version: Literal[1] = 1
    payload: VisitCancelledPayload


class VisitDuePayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    kind: VisitKind
    due_date: BusinessDate
    announced_on: BusinessDate


class VisitDue(Event):
    """The daily tick found the visit due (once per visit)."""

    type: Literal["visit_due"] = "visit_due"
    version: Literal[1] = 1
    payload: VisitDuePayload


class VisitOverduePayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    kind: VisitKind
    latest_date: BusinessDate
    announced_on: BusinessDate


class VisitOverdue(Event):
    """The daily tick found the visit past its latest date (once per visit)."""

    type: Literal["visit_overdue"] = "visit_overdue"
    version: Literal[1] = 1
    payload: VisitOverduePayload


class VisitEscalatedPayload(Payload):
    customer_id: ClientId
    visit_id: DerivedId
    attempts: int
    escalated_to: EscalationTarget
    escalated_on: BusinessDate


class VisitEscalated(Event):
    """Three failed attempts: on site (industrial) or the store manager (retail)."""

    type: Literal["visit_escalated"] = "visit_escalated"
    version: Literal[1] = 1
    payload: VisitEscalatedPayload


class ThresholdCrossedPayload(Payload):
    customer_id: ClientId
    total_amount: Decimal
    threshold: Decimal
    crossed_on: BusinessDate


class ThresholdCrossed(Event):
    """A customer's contracts reached the on-site threshold (累计合同额 ≥ 300万元)."""

    type: Literal["threshold_crossed"] = "threshold_crossed"
    version: Literal[1] = 1
    payload: ThresholdCrossedPayload
