"""HTTP: run the SLA check now, as of a given date (operations and tests)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.feedback.models import OverdueAnnounced
from services.feedback.overdue import announce_overdue
from services.kit.service import RuntimeDep

router = APIRouter(prefix="/v1/sla", tags=["tickets"])


@router.post("/check", response_model=OverdueAnnounced)
def check_sla_now(
    runtime: RuntimeDep,
    as_of: Annotated[date | None, Query(description="default: today")] = None,
    wait: Annotated[bool, Query(description="wait until applied")] = False,
) -> OverdueAnnounced:
    """Announce each SLA breach not announced yet (`ticket_overdue`, once)."""
    day = as_of or runtime.settings.today()
    events, positions = announce_overdue(runtime, day)
    applied = runtime.wait_until_applied(positions) if wait else None
    return OverdueAnnounced(
        as_of=day,
        applied=applied,
        announced=[
            {"ticket_id": e.payload.ticket_id, "breach": e.payload.breach}
            for e in events
        ],
    )
