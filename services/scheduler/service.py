"""The scheduler service as a whole: what `python -m services.scheduler` runs.

Its reactions decide on the ledger's, survey's and feedback's facts against
the store (the plan as last published) and hand what they derive to the
outbox; its projection builds the API's views from the schedule topic (its
own decisions, read back like any reader) and the survey's records; its job
is the daily tick.
"""

from pathlib import Path

from schemas.catalogue import FEEDBACK, LEDGER, SURVEY
from services.kit.projection import Projection
from services.kit.service import Service
from services.scheduler.api import ROUTERS
from services.scheduler.handlers import Reactions
from services.scheduler.jobs import tick_daily
from services.scheduler.projection import PROJECTION
from services.scheduler.settings import SchedulerSettings

NAME = "scheduler"


def build_service(settings: SchedulerSettings | None = None) -> Service:
    """The scheduler planning under the policy of `settings` (default: the
    environment's); give the same settings to `create_app`."""
    own = settings if settings is not None else SchedulerSettings()
    return Service(
        name=NAME,
        default_port=8102,
        migrations=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        projection=PROJECTION,
        reactions=Projection(
            name=f"{NAME}.reactions",
            service=NAME,
            topics=(LEDGER, SURVEY, FEEDBACK),
            handle=Reactions(own.policy(), own.timezone),
        ),
        jobs=(tick_daily,),
        settings_class=SchedulerSettings,
        description="Every visit the regulation asks for, when, by which channel; "
        "the daily due/overdue tick; the worklist, calendar feed and what-if.",
    )


SERVICE = build_service()
