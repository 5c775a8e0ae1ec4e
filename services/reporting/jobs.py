"""The report freeze as a daily kit job (`services/kit/jobs.py`): each business
date, on the leader replica, once the read model has applied the log as it
stood, the period whose cutoff was the day before is frozen
(`handlers.freeze_due`); a date that closes no period does nothing. Catch-up
after downtime freezes a missed period with its own business date; a second
run finds the first snapshot (idempotent). A deployment's first run starts at
the latest freeze date on or before today (`freezing.last_freeze_date`), so a
deployment started after a cutoff freezes the period that closed before it.
"""

from datetime import UTC, date, datetime

from services.kit.jobs import Conn, DailyJob, daily_job
from services.kit.service import Runtime
from services.reporting import handlers
from services.reporting.domain.freezing import last_freeze_date
from services.reporting.settings import cutoff_day, reporting_settings


def freeze(runtime: Runtime, conn: Conn, as_of: date) -> None:
    """Freeze the period `as_of` closes, in the caller's transaction."""
    handlers.freeze_due(
        conn,
        as_of=as_of,
        cutoff_day=cutoff_day(runtime.settings),
        views_schema=runtime.schema,
        now=datetime.now(UTC),
    )


def projection_topics(runtime: Runtime) -> list[str]:
    """The topics the report is built from: the projection's inputs."""
    projection = runtime.service.projection
    topics = projection.topics if projection else ()
    return [t.full_name(runtime.settings.topic_prefix) for t in topics]


FREEZE = DailyJob(
    name="reporting.freeze",
    run=freeze,
    interval_s=lambda r: reporting_settings(r.settings).report_freeze_interval_s,
    today=lambda r: r.settings.today(),
    topics=projection_topics,
    positions_schema=lambda r: r.schema,
    first_date=lambda r, today: last_freeze_date(today, cutoff_day(r.settings)),
)

JOBS = (daily_job(FREEZE),)
