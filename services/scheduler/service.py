"""The scheduler service as a whole: what `python -m services.scheduler` runs."""

from pathlib import Path

from services.kit.service import Service
from services.scheduler.api import ROUTERS
from services.scheduler.projection import schedule_projection
from services.scheduler.settings import SchedulerSettings
from services.scheduler.tick import tick_daily


def build_service(settings: SchedulerSettings | None = None) -> Service:
    """The scheduler planning under the policy of `settings` (default: the
    environment's); give the same settings to `create_app`."""
    own = settings if settings is not None else SchedulerSettings()
    return Service(
        name="scheduler",
        default_port=8102,
        migrations=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        projection=schedule_projection(own.policy(), own.timezone),
        jobs=(tick_daily,),
        settings_class=SchedulerSettings,
        description="Every visit the regulation asks for, when, by which channel; "
        "the daily due/overdue tick; the worklist, calendar feed and what-if.",
    )


SERVICE = build_service()
