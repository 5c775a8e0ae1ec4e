"""The daily tick (`handlers.tick`) as a kit job, and run on demand.

The leader replica runs it once per business date, catching up missed days,
after the event reactions applied the log as it stood (the tick announces
from the store they write), in one transaction with its outbox rows.
`POST /v1/tick` runs the same function for a chosen day.
"""

from datetime import date

from services.kit.jobs import DailyJob, daily_job
from services.kit.service import Runtime
from services.scheduler.clock import clock_for
from services.scheduler.handlers import tick
from services.scheduler.settings import scheduler_settings


def reaction_topics(runtime: Runtime) -> list[str]:
    """The topics the tick must have seen applied: the reactions' inputs."""
    reactions = runtime.service.reactions
    topics = reactions.topics if reactions else ()
    return [t.full_name(runtime.settings.topic_prefix) for t in topics]


def today(runtime: Runtime) -> date:
    """Today by the scheduler's clock (`FOLLOWUP_CLOCK_DATE`, else the zone's)."""
    return clock_for(runtime.settings).today()


TICK = DailyJob(
    name="scheduler.tick",
    run=lambda runtime, conn, as_of: tick(
        conn, as_of, topic_prefix=runtime.settings.topic_prefix
    ),
    interval_s=lambda runtime: scheduler_settings(runtime.settings).tick_interval_s,
    today=today,
    topics=reaction_topics,
    positions_schema=lambda runtime: runtime.store_schema,
)
tick_daily = daily_job(TICK)
