"""The survey's read model: the visits it may record (schedule topic) and its
own records, attempts and complaints (survey topic).

A visit's schedule and survey events travel on two topics, with no order
between them (a rebuild may read a record before its plan), so every
statement upserts and none undoes what a later-stated fact established: a
done visit stays done whatever the schedule says after.
"""

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from schemas.catalogue import SCHEDULE, SURVEY, AnyEvent
from schemas.envelope import Event
from schemas.schedule import (
    VisitCancelled,
    VisitEscalated,
    VisitPlanned,
    VisitRescheduled,
)
from schemas.survey import ComplaintRaised, VisitAttemptFailed, VisitCompleted
from services.kit.projection import Cursor, Projection
from services.survey.domain.numbering import parse_record_no
from services.survey.recording import complaints_of
from services.survey.store import attempt_counter, record_counter

# A visit planned again after a cancellation (the scheduler re-derives the
# same visit id from corrected facts) is open again.
PLANNED = """
INSERT INTO visits (visit_id, customer_id, kind, due_date, latest_date, channel,
    unit_id, order_id, store_id, ticket_id, region, product_model)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id) DO UPDATE SET kind = EXCLUDED.kind,
    due_date = EXCLUDED.due_date, latest_date = EXCLUDED.latest_date,
    channel = EXCLUDED.channel, unit_id = EXCLUDED.unit_id,
    order_id = EXCLUDED.order_id, store_id = EXCLUDED.store_id,
    ticket_id = EXCLUDED.ticket_id, region = EXCLUDED.region,
    product_model = COALESCE(EXCLUDED.product_model, visits.product_model),
    status = CASE visits.status WHEN 'cancelled' THEN 'open' ELSE visits.status END
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
INSERT INTO visits (visit_id, customer_id, status) VALUES (%s, %s, 'cancelled')
ON CONFLICT (visit_id) DO UPDATE SET status =
    CASE visits.status WHEN 'done' THEN 'done' ELSE 'cancelled' END
"""
ESCALATED = """
INSERT INTO visits (visit_id, customer_id, status, escalated_to)
VALUES (%s, %s, 'escalated', %s)
ON CONFLICT (visit_id) DO UPDATE SET escalated_to = EXCLUDED.escalated_to,
    status = CASE WHEN visits.status IN ('done', 'cancelled') THEN visits.status
                  ELSE 'escalated' END
"""
DONE = """
INSERT INTO visits (visit_id, customer_id, kind, status, record_no)
VALUES (%s, %s, %s, 'done', %s)
ON CONFLICT (visit_id) DO UPDATE SET status = 'done',
    kind = COALESCE(visits.kind, EXCLUDED.kind),
    record_no = COALESCE(visits.record_no, EXCLUDED.record_no)
"""
RECORD = """
INSERT INTO visit_records (record_no, period, customer_id, visit_id, kind,
    visited_on, visitor, channel, answers, product_quality, service_quality,
    suggestions, needs, post_warranty_service, unresolved_by_phone, score,
    unit_id, order_id, store_id, ticket_id, product_model, region)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
    %s, %s, %s)
ON CONFLICT (record_no) DO NOTHING
"""
CLAIMED = """
INSERT INTO visit_claims (visit_id, record_no) VALUES (%s, %s)
ON CONFLICT (visit_id) DO NOTHING
"""
# Numbers on the log are taken: a counter rebuilt from the log (or lagging
# behind another deployment's writes) never hands them out again.
TAKEN = """
INSERT INTO counters (key, last) VALUES (%s, %s)
ON CONFLICT (key) DO UPDATE SET last = GREATEST(counters.last, EXCLUDED.last)
"""
ATTEMPT = """
INSERT INTO attempts (visit_id, attempt_no, customer_id, attempted_on, visitor,
    reason, note)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (visit_id, attempt_no) DO NOTHING
"""
COMPLAINT = """
INSERT INTO complaints (complaint_id, record_no, customer_id, visit_id, subject,
    description, customer_suggestion, raised_on)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (complaint_id) DO NOTHING
"""


async def apply_schedule(cur: Cursor, event: AnyEvent) -> None:
    """Keep the visits the survey may record, and their state."""
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
                    p.unit_id,
                    p.order_id,
                    p.store_id,
                    p.ticket_id,
                    p.region,
                    p.product_model,
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
        case VisitEscalated(payload=p):
            await cur.execute(ESCALATED, (p.visit_id, p.customer_id, p.escalated_to))
        case _:
            pass  # due and overdue announcements, thresholds: not the survey's


async def apply_record(cur: Cursor, event: VisitCompleted) -> Sequence[Event]:
    """Store the record, close its visit, and derive its complaints."""
    p = event.payload
    number = parse_record_no(p.record_no)
    await cur.execute(
        RECORD,
        (
            p.record_no,
            number.period,
            p.customer_id,
            p.visit_id,
            p.kind,
            p.visited_on,
            p.visitor,
            p.channel,
            Jsonb(p.answers),
            p.product_quality,
            p.service_quality,
            p.suggestions,
            p.needs,
            [s.value for s in p.post_warranty_service],
            p.unresolved_by_phone,
            p.score,
            p.unit_id,
            p.order_id,
            p.store_id,
            p.ticket_id,
            p.product_model,
            p.region,
        ),
    )
    await cur.execute(DONE, (p.visit_id, p.customer_id, p.kind, p.record_no))
    await cur.execute(CLAIMED, (p.visit_id, p.record_no))
    await cur.execute(TAKEN, (record_counter(number.period), number.seq))
    return complaints_of(event)


async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Apply one schedule or survey event; a record derives its complaints."""
    match event:
        case VisitCompleted():
            return await apply_record(cur, event)
        case VisitAttemptFailed(payload=p):
            await cur.execute(
                ATTEMPT,
                (
                    p.visit_id,
                    p.attempt_no,
                    p.customer_id,
                    p.attempted_on,
                    p.visitor,
                    p.reason,
                    p.note,
                ),
            )
            await cur.execute(TAKEN, (attempt_counter(p.visit_id), p.attempt_no))
        case ComplaintRaised(payload=p):
            await cur.execute(
                COMPLAINT,
                (
                    p.complaint_id,
                    p.record_no,
                    p.customer_id,
                    p.visit_id,
                    p.subject,
                    p.description,
                    p.customer_suggestion,
                    p.raised_on,
                ),
            )
        case _:
            await apply_schedule(cur, event)
    return ()


PROJECTION = Projection(name="survey", topics=(SCHEDULE, SURVEY), handle=apply)
