"""The feedback service as a whole: what `python -m services.feedback` runs."""

from pathlib import Path

from services.feedback.api import ROUTERS
from services.feedback.overdue import check_sla
from services.feedback.projection import PROJECTION
from services.feedback.settings import FeedbackSettings
from services.kit.service import Service

SERVICE = Service(
    name="feedback",
    default_port=8104,
    migrations=Path(__file__).parent / "migrations",
    routers=ROUTERS,
    projection=PROJECTION,
    jobs=(check_sla,),
    settings_class=FeedbackSettings,
    description="Complaint tickets (信息反馈单), their SLAs and CAPAs (纠正预防措施).",
)
