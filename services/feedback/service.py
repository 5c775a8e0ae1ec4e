"""The feedback service as a whole: what `python -m services.feedback` runs."""

from pathlib import Path

from schemas.catalogue import SURVEY
from services.feedback.api import ROUTERS
from services.feedback.handlers import react
from services.feedback.jobs import JOBS
from services.feedback.projection import PROJECTION
from services.feedback.settings import FeedbackSettings
from services.kit.projection import Projection
from services.kit.service import Service

# Decisions on the survey's events (a ticket per complaint, a re-visit's
# verdict), taken against the store; never replayed by a rebuild.
REACTIONS = Projection(
    name="feedback.reactions", topics=(SURVEY,), handle=react, service="feedback"
)

SERVICE = Service(
    name="feedback",
    default_port=8104,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    projection=PROJECTION,
    reactions=REACTIONS,
    jobs=JOBS,
    settings_class=FeedbackSettings,
    description="Complaint tickets (信息反馈单), their SLAs and CAPAs (纠正预防措施).",
)
