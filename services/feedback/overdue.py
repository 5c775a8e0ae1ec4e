"""Announcing SLA breaches: one `ticket_overdue` per ticket and breach.

The check runs in every replica (a background job, and on demand through the
API with a chosen date); a claim row per ticket and breach makes one of them
announce it. It reads the read model, so the job waits until its projection
has caught up: a ticket assigned on the log but not yet in the table must not
be announced as unassigned.
"""

import asyncio
import logging
from datetime import date

from schemas.envelope import stable_id
from schemas.feedback import TicketOverdue, TicketOverduePayload
from schemas.types import SlaBreach
from services.feedback import store
from services.feedback.derived import SOURCE
from services.feedback.domain.sla import (
    Sla,
    assignment_deadline,
    is_overdue,
    resolution_deadline,
)
from services.feedback.settings import feedback_settings
from services.kit.producer import Position
from services.kit.service import Runtime

log = logging.getLogger(__name__)


def breaches(row: store.TicketRow, as_of: date, sla: Sla) -> list[TicketOverdue]:
    """The breaches of a ticket not announced yet, as events."""
    ticket = row.ticket
    deadlines = {
        SlaBreach.ASSIGNMENT: assignment_deadline(ticket, sla),
        SlaBreach.RESOLUTION: resolution_deadline(ticket, sla),
    }
    return [
        TicketOverdue(
            event_id=stable_id("ticket_overdue", ticket.ticket_id, breach),
            source=SOURCE,
            actor=SOURCE,
            payload=TicketOverduePayload(
                customer_id=row.customer_id,
                ticket_id=ticket.ticket_id,
                department=ticket.department,
                subject=ticket.subject,
                breach=breach,
                deadline=deadlines[breach],
                announced_on=as_of,
            ),
        )
        for breach in is_overdue(ticket, as_of, sla)
        if breach not in row.overdue_announced
    ]


def announce_overdue(
    runtime: Runtime, as_of: date
) -> tuple[list[TicketOverdue], list[Position]]:
    """Announce every breach found as of `as_of` that no one announced yet."""
    sla = feedback_settings(runtime.settings).feedback_sla.sla()
    with runtime.pool.connection() as conn:
        rows = conn.execute(
            store.SELECT_TICKET + " WHERE cardinality(overdue_announced) < 2"
        ).fetchall()
        found = [e for r in rows for e in breaches(store.ticket_from(r), as_of, sla)]
        claimed = [
            e
            for e in found
            if store.claim_overdue(conn, e.payload.ticket_id, e.payload.breach)
        ]
    try:
        positions = runtime.publish(claimed)
    except Exception:
        with runtime.pool.connection() as conn:
            for e in claimed:
                store.release_overdue(conn, e.payload.ticket_id, e.payload.breach)
        raise
    return claimed, positions


async def check_sla(runtime: Runtime) -> None:
    """Background job: every interval, announce the breaches as of today.

    It sleeps first, so a service (or a test) that just started announces
    nothing before its read model caught up with the log.
    """
    interval = feedback_settings(runtime.settings).feedback_sla_check_interval_s
    while True:
        await asyncio.sleep(interval)
        runner = runtime.runner
        if runner is None or not runner.state.running or runner.state.lag != 0:
            continue  # behind the log: try again next time
        try:
            await asyncio.to_thread(announce_overdue, runtime, runtime.settings.today())
        except Exception:
            # The next round retries; a failed round must not end the job.
            log.exception("SLA check failed")
