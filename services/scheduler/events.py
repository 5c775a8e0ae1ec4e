"""Every integration event the scheduler derives, built from the domain's
decisions: what one fact changed (planned, rescheduled, cancelled,
superseded, escalated, threshold crossed) and what the daily tick announces
(due, overdue).

Each has a stable id made of the visit (or customer), the change and the
cause's id, so a batch re-run after a crash re-emits the same events, which
consumers downstream recognise; and it is linked to its cause (`caused_by`).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict
from uuid import UUID

from schemas.envelope import Event, caused_by, stable_id
from schemas.schedule import (
    ThresholdCrossed,
    ThresholdCrossedPayload,
    VisitCancelled,
    VisitCancelledPayload,
    VisitDue,
    VisitDuePayload,
    VisitEscalated,
    VisitEscalatedPayload,
    VisitOverdue,
    VisitOverduePayload,
    VisitPlanned,
    VisitPlannedPayload,
    VisitRescheduled,
    VisitRescheduledPayload,
    VisitSuperseded,
    VisitSupersededPayload,
)
from schemas.types import VisitStatus
from services.scheduler.domain.moot import Supersession
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.reconcile import Cancelled, Change, Planned
from services.scheduler.domain.status import escalation_target
from services.scheduler.domain.step import Outcome
from services.scheduler.domain.visit import Visit, VisitPlan

SOURCE = "scheduler"


class Envelope(TypedDict):
    event_id: UUID
    source: str
    actor: str
    occurred_at: datetime
    causation_id: UUID
    correlation_id: UUID


def _envelope(cause: Event, *parts: object) -> Envelope:
    link = caused_by(cause)
    return Envelope(
        event_id=stable_id(*parts, cause.event_id),
        source=SOURCE,
        actor=SOURCE,
        # The business time of a derived event is its cause's.
        occurred_at=cause.occurred_at,
        causation_id=link["causation_id"],
        correlation_id=link["correlation_id"],
    )


def _planned(visit: VisitPlan) -> VisitPlannedPayload:
    return VisitPlannedPayload(
        customer_id=visit.customer_id,
        visit_id=visit.visit_id,
        kind=visit.kind,
        due_date=visit.due_date,
        latest_date=visit.latest_date,
        channel=visit.channel,
        policy_version=visit.policy_version,
        unit_id=visit.unit_id,
        order_id=visit.order_id,
        store_id=visit.store_id,
        ticket_id=visit.ticket_id,
        region=visit.region,
        product_model=visit.product_model,
    )


def change_event(change: Change, cause: Event) -> Event:
    """`visit_planned`, `visit_rescheduled` or `visit_cancelled`."""
    if isinstance(change, Planned):
        return VisitPlanned(
            **_envelope(cause, change.visit.visit_id, "planned"),
            payload=_planned(change.visit),
        )
    if isinstance(change, Cancelled):
        return VisitCancelled(
            **_envelope(cause, change.visit_id, "cancelled"),
            payload=VisitCancelledPayload(
                customer_id=change.customer_id,
                visit_id=change.visit_id,
                reason=change.reason,
            ),
        )
    visit = change.visit
    return VisitRescheduled(
        **_envelope(cause, visit.visit_id, "rescheduled"),
        payload=VisitRescheduledPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            due_date=visit.due_date,
            latest_date=visit.latest_date,
            channel=visit.channel,
            previous_due_date=change.previous_due_date,
            reason=change.reason,
            policy_version=visit.policy_version,
            region=visit.region,
            product_model=visit.product_model,
        ),
    )


# A record kept before record numbers were names none.
UNKNOWN_RECORD = "unknown"


def superseded_event(visit: Visit, by: Supersession, cause: Event) -> Event:
    """`visit_superseded`: a later record of the unit made the visit moot."""
    return VisitSuperseded(
        **_envelope(cause, visit.visit_id, "superseded"),
        payload=VisitSupersededPayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            kind=visit.kind,
            due_date=visit.due_date,
            latest_date=visit.latest_date,
            superseded_on=by.on,
            by_visit_id=by.by_visit_id,
            by_record_no=by.by_record_no or UNKNOWN_RECORD,
        ),
    )


def derived_events(
    outcome: Outcome, cause: Event, *, on: date, policy: Policy
) -> list[Event]:
    """Every event one fact derives, in a stable order; `on` is its date."""
    out = [change_event(change, cause) for change in outcome.changes]
    out += [superseded_event(v, by, cause) for v, by in outcome.superseded]
    out += [
        VisitEscalated(
            **_envelope(cause, visit.visit_id, "escalated"),
            payload=VisitEscalatedPayload(
                customer_id=visit.customer_id,
                visit_id=visit.visit_id,
                attempts=visit.failed_attempts,
                escalated_to=escalation_target(visit.kind),
                escalated_on=on,
            ),
        )
        for visit in outcome.escalated
    ]
    if outcome.threshold_crossed_on is not None:
        customer_id = outcome.facts.customer_id
        out.append(
            ThresholdCrossed(
                **_envelope(cause, customer_id, "threshold_crossed"),
                payload=ThresholdCrossedPayload(
                    customer_id=customer_id,
                    total_amount=sum(
                        (c.amount for c in outcome.facts.contracts.values()),
                        Decimal(0),
                    ),
                    threshold=policy.on_site_threshold,
                    crossed_on=outcome.threshold_crossed_on,
                ),
            )
        )
    return out


def notice_event(visit: Visit, notice: VisitStatus, as_of: date) -> Event:
    """The tick's `visit_due` or `visit_overdue`, with an id stable per visit
    and notice: whoever announces it and whenever, it is the same event."""
    event_id = stable_id(visit.visit_id, notice.value)
    if notice is VisitStatus.DUE:
        return VisitDue(
            event_id=event_id,
            source=SOURCE,
            actor=SOURCE,
            payload=VisitDuePayload(
                customer_id=visit.customer_id,
                visit_id=visit.visit_id,
                kind=visit.kind,
                due_date=visit.due_date,
                announced_on=as_of,
            ),
        )
    return VisitOverdue(
        event_id=event_id,
        source=SOURCE,
        actor=SOURCE,
        payload=VisitOverduePayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            kind=visit.kind,
            latest_date=visit.latest_date,
            announced_on=as_of,
        ),
    )
