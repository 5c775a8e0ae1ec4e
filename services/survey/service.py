"""The survey service as a whole: what `python -m services.survey` runs."""

from pathlib import Path

from services.kit.service import Service
from services.survey.api import ROUTERS
from services.survey.projection import PROJECTION

SERVICE = Service(
    name="survey",
    default_port=8103,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    projection=PROJECTION,
    description="Questionnaires, visit records (顾客回访记录) and failed attempts.",
)
