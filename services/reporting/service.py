"""The reporting service as a whole: what `python -m services.reporting` runs."""

from pathlib import Path

from services.kit.service import Service
from services.reporting.api import routers
from services.reporting.jobs import JOBS
from services.reporting.projection import PROJECTION
from services.reporting.settings import ReportingSettings

SERVICE = Service(
    name="reporting",
    default_port=8105,
    migrations=Path(__file__).parent / "migrations",
    routers=routers,
    projection=PROJECTION,
    jobs=JOBS,
    settings_class=ReportingSettings,
    description="The monthly satisfaction measurement report (顾客满意度测量报告).",
)
