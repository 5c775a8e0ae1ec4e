"""Applies schedule, survey, feedback and ledger facts to the reporting tables.

Each statement upserts the row of the fact's own identity and sets only the
columns that fact knows, so a redelivered fact (even under a new event id)
changes nothing and facts of one visit or ticket may arrive in any order
across topics. A later fact of the same kind for the same row is a
correction and wins, as in the ledger.
"""

from collections.abc import Sequence

from schemas.catalogue import FEEDBACK, LEDGER, SCHEDULE, SURVEY, TOPIC_OF, AnyEvent
from schemas.envelope import Event
from schemas.feedback import (
    CapaOpened,
    CapaVerified,
    TicketAssigned,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketVerified,
)
from schemas.ledger import ContractRegistered, Delivered, Shipped
from schemas.schedule import (
    VisitCancelled,
    VisitOverdue,
    VisitPlanned,
    VisitRescheduled,
)
from schemas.survey import VisitAttemptFailed, VisitCompleted
from services.kit.projection import Cursor, Projection
from services.reporting.domain.complaints import Step

RECORD = """
INSERT INTO visit_records (record_no, customer_id, visit_id, kind, visited_on,
    visitor, channel, product_quality, service_quality, score, suggestions, needs,
    post_warranty_service, unit_id, order_id, store_id, ticket_id, product_model,
    region)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (record_no) DO UPDATE SET customer_id = EXCLUDED.customer_id,
    visit_id = EXCLUDED.visit_id, kind = EXCLUDED.kind,
    visited_on = EXCLUDED.visited_on, visitor = EXCLUDED.visitor,
    channel = EXCLUDED.channel, product_quality = EXCLUDED.product_quality,
    service_quality = EXCLUDED.service_quality, score = EXCLUDED.score,
    suggestions = EXCLUDED.suggestions, needs = EXCLUDED.needs,
    post_warranty_service = EXCLUDED.post_warranty_service,
    unit_id = EXCLUDED.unit_id, order_id = EXCLUDED.order_id,
    store_id = EXCLUDED.store_id, ticket_id = EXCLUDED.ticket_id,
    product_model = EXCLUDED.product_model, region = EXCLUDED.region
"""
# A visit planned again after a cancellation (the same visit id re-derived
# from corrected facts) applies again.
PLANNED = """
INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date, channel,
    region, product_model, unit_id, order_id, ticket_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET kind = EXCLUDED.kind,
    due_date = EXCLUDED.due_date, latest_date = EXCLUDED.latest_date,
    channel = EXCLUDED.channel, region = EXCLUDED.region,
    product_model = EXCLUDED.product_model,
    unit_id = EXCLUDED.unit_id, order_id = EXCLUDED.order_id,
    ticket_id = EXCLUDED.ticket_id, cancelled = false
"""
# A move may carry details learnt late (region, product model); a null in it
# means "not known", so what the visit had stays.
RESCHEDULED = """
INSERT INTO visits (visit_id, customer_id, due_date, latest_date, channel, region,
    product_model)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET due_date = EXCLUDED.due_date,
    latest_date = EXCLUDED.latest_date, channel = EXCLUDED.channel,
    region = COALESCE(EXCLUDED.region, visits.region),
    product_model = COALESCE(EXCLUDED.product_model, visits.product_model)
"""
CANCELLED = """
INSERT INTO visits (visit_id, customer_id, cancelled) VALUES (%s, %s, true)
ON CONFLICT (visit_id) DO UPDATE SET cancelled = true
"""
# The scheduler announces a visit overdue once; should it announce again,
# the visit went overdue on the first day.
OVERDUE = """
INSERT INTO visits (visit_id, customer_id, kind, latest_date, overdue_on)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET kind = COALESCE(visits.kind, EXCLUDED.kind),
    latest_date = COALESCE(visits.latest_date, EXCLUDED.latest_date),
    overdue_on = LEAST(visits.overdue_on, EXCLUDED.overdue_on)
"""
ATTEMPT = """
INSERT INTO failed_attempts (visit_id, attempt_no, customer_id, attempted_on, reason)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (visit_id, attempt_no) DO UPDATE SET
    attempted_on = EXCLUDED.attempted_on, reason = EXCLUDED.reason
"""
# An assignment applied before the opening (never on one partition, but
# cheap to allow) is the newer routing: the opening does not override it.
TICKET_OPENED = """
INSERT INTO tickets (ticket_id, customer_id, complaint_id, subject, department,
    opened_on, visit_id, record_no)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (ticket_id) DO UPDATE SET complaint_id = EXCLUDED.complaint_id,
    subject = EXCLUDED.subject, opened_on = EXCLUDED.opened_on,
    visit_id = EXCLUDED.visit_id, record_no = EXCLUDED.record_no,
    department = COALESCE(tickets.department, EXCLUDED.department)
"""
TICKET_ROUTED = """
INSERT INTO tickets (ticket_id, customer_id, department) VALUES (%s, %s, %s)
ON CONFLICT (ticket_id) DO UPDATE SET department = EXCLUDED.department
"""
TICKET_STEP = """
INSERT INTO ticket_steps (ticket_id, step, on_date, record_no) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""
CAPA_OPENED = """
INSERT INTO capas (capa_id, subject, owner, opened_on, due_date, source_period)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (capa_id) DO UPDATE SET subject = EXCLUDED.subject,
    owner = EXCLUDED.owner, opened_on = EXCLUDED.opened_on,
    due_date = EXCLUDED.due_date, source_period = EXCLUDED.source_period
"""
CAPA_VERIFIED = """
INSERT INTO capas (capa_id, verified_on) VALUES (%s, %s)
ON CONFLICT (capa_id) DO UPDATE SET verified_on = EXCLUDED.verified_on
"""
UNIT = """
INSERT INTO units (unit_id, customer_id, product_model) VALUES (%s, %s, %s)
ON CONFLICT (unit_id) DO UPDATE SET product_model = EXCLUDED.product_model
"""
CUSTOMER = """
INSERT INTO customers (customer_id, customer_name, region) VALUES (%s, %s, %s)
ON CONFLICT (customer_id) DO UPDATE SET
    customer_name = COALESCE(EXCLUDED.customer_name, customers.customer_name),
    region = COALESCE(EXCLUDED.region, customers.region)
"""


async def apply_schedule(cur: Cursor, event: AnyEvent) -> None:
    """Planned visits, their moves and cancellations, overdue announcements."""
    match event:
        case VisitPlanned(payload=p):
            await cur.execute(
                PLANNED,
                (
                    p.visit_id,
                    p.customer_id,
                    p.kind,
                    p.due_date,
                    p.latest_date,
                    p.channel,
                    p.region,
                    p.product_model,
                    p.unit_id,
                    p.order_id,
                    p.ticket_id,
                ),
            )
        case VisitRescheduled(payload=p):
            await cur.execute(
                RESCHEDULED,
                (
                    p.visit_id,
                    p.customer_id,
                    p.due_date,
                    p.latest_date,
                    p.channel,
                    p.region,
                    p.product_model,
                ),
            )
        case VisitCancelled(payload=p):
            await cur.execute(CANCELLED, (p.visit_id, p.customer_id))
        case VisitOverdue(payload=p):
            await cur.execute(
                OVERDUE,
                (p.visit_id, p.customer_id, p.kind, p.latest_date, p.announced_on),
            )
        case _:
            pass  # due and escalation announcements, thresholds: not reported


async def apply_survey(cur: Cursor, event: AnyEvent) -> None:
    """Visit records and failed attempts; complaints count as tickets."""
    match event:
        case VisitCompleted(payload=p):
            await cur.execute(
                RECORD,
                (
                    p.record_no,
                    p.customer_id,
                    p.visit_id,
                    p.kind,
                    p.visited_on,
                    p.visitor,
                    p.channel,
                    p.product_quality,
                    p.service_quality,
                    p.score,
                    p.suggestions,
                    p.needs,
                    [s.value for s in p.post_warranty_service],
                    p.unit_id,
                    p.order_id,
                    p.store_id,
                    p.ticket_id,
                    p.product_model,
                    p.region,
                ),
            )
        case VisitAttemptFailed(payload=p):
            await cur.execute(
                ATTEMPT,
                (p.visit_id, p.attempt_no, p.customer_id, p.attempted_on, p.reason),
            )
        case _:
            pass


async def apply_feedback(cur: Cursor, event: AnyEvent) -> None:
    """Tickets, their steps, and CAPAs."""
    match event:
        case TicketOpened(payload=p):
            await cur.execute(
                TICKET_OPENED,
                (
                    p.ticket_id,
                    p.customer_id,
                    p.complaint_id,
                    p.subject,
                    p.department,
                    p.opened_on,
                    p.visit_id,
                    p.record_no,
                ),
            )
        case TicketAssigned(payload=p):
            await cur.execute(TICKET_ROUTED, (p.ticket_id, p.customer_id, p.department))
        case TicketResolved(payload=p):
            await cur.execute(TICKET_ROUTED, (p.ticket_id, p.customer_id, p.department))
            await cur.execute(
                TICKET_STEP, (p.ticket_id, Step.RESOLVED, p.resolved_on, "")
            )
        case TicketVerified(payload=p):
            await cur.execute(
                TICKET_STEP, (p.ticket_id, Step.VERIFIED, p.verified_on, p.record_no)
            )
        case TicketReopened(payload=p):
            await cur.execute(
                TICKET_STEP, (p.ticket_id, Step.REOPENED, p.reopened_on, p.record_no)
            )
        case CapaOpened(payload=p):
            await cur.execute(
                CAPA_OPENED,
                (
                    p.capa_id,
                    p.subject,
                    p.owner,
                    p.opened_on,
                    p.due_date,
                    p.source_period,
                ),
            )
        case CapaVerified(payload=p):
            await cur.execute(CAPA_VERIFIED, (p.capa_id, p.verified_on))
        case _:
            pass


async def apply_ledger(cur: Cursor, event: AnyEvent) -> None:
    """Product models of units, names and regions of customers."""
    match event:
        case Shipped(payload=p):
            await cur.execute(UNIT, (p.unit_id, p.customer_id, p.product_model))
        case ContractRegistered(payload=p):
            await cur.execute(CUSTOMER, (p.customer_id, p.customer_name, p.region))
        case Delivered(payload=p):
            await cur.execute(CUSTOMER, (p.customer_id, p.customer_name, p.region))
        case _:
            pass


_BY_TOPIC = {
    SCHEDULE.name: apply_schedule,
    SURVEY.name: apply_survey,
    FEEDBACK.name: apply_feedback,
    LEDGER.name: apply_ledger,
}


async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Update the reporting tables from one event; reporting derives no events."""
    await _BY_TOPIC[TOPIC_OF[event.type].name](cur, event)
    return ()


PROJECTION = Projection(
    name="reporting", topics=(SCHEDULE, SURVEY, FEEDBACK, LEDGER), handle=apply
)
