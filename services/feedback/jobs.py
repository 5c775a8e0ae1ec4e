"""The SLA sweep as a daily job: each business date, on one replica, the
breaches as of that date are announced (`ticket_overdue`, once each) in one
transaction with the outbox rows that carry them.

It decides against the command side, so it first waits until the event
reactions have applied the survey topic (a complaint on the log but not yet
a ticket must not be missed; the store's tickets are otherwise current,
commands change them synchronously).
"""

from datetime import date

from schemas.catalogue import SURVEY
from schemas.feedback import TicketOverdue
from services.feedback import handlers
from services.feedback.settings import feedback_settings
from services.kit.jobs import Conn, DailyJob, daily_job
from services.kit.outbox import enqueue, rows_of
from services.kit.service import Runtime


def sweep(runtime: Runtime, conn: Conn, as_of: date) -> list[TicketOverdue]:
    """Announce the breaches as of `as_of` in the caller's transaction."""
    sla = feedback_settings(runtime.settings).feedback_sla.sla()
    announced = handlers.announce_breaches(conn, as_of, sla)
    enqueue(conn, rows_of(announced, runtime.settings.topic_prefix))
    return announced


SLA_SWEEP = DailyJob(
    name="feedback.sla_sweep",
    run=sweep,
    interval_s=lambda r: feedback_settings(r.settings).feedback_sla_check_interval_s,
    today=lambda r: r.settings.today(),
    topics=lambda r: [SURVEY.full_name(r.settings.topic_prefix)],
    positions_schema=lambda r: r.store_schema,
)

JOBS = (daily_job(SLA_SWEEP),)
