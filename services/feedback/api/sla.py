"""HTTP: run the SLA sweep now, as of a given date (operations and tests)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.feedback import handlers
from services.feedback.models import OverdueAnnounced
from services.feedback.settings import feedback_settings
from services.kit.audit import audited
from services.kit.command import Conn, Decision, run_command
from services.kit.http import (
    COMMAND_RESPONSES,
    AsOf,
    IdempotencyKey,
    Wait,
    field_problem,
    unavailable,
)
from services.kit.keys import ADMIN, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep

router = APIRouter(prefix="/v1/sla", tags=["tickets"])


@router.post("/check", response_model=OverdueAnnounced, responses=COMMAND_RESPONSES)
def check_sla_now(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require(ADMIN))],
    as_of: AsOf = None,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> OverdueAnnounced:
    """Announce each SLA breach not announced yet (`ticket_overdue`, once),
    as the daily job does."""
    today = runtime.settings.today()
    day = as_of or today
    if day > today:
        raise field_problem("as_of", "not after today", f"today is {today}")
    if not runtime.decisions_caught_up():
        raise unavailable("feedback is still applying the log; retry shortly")
    sla = feedback_settings(runtime.settings).feedback_sla.sla()

    def decide(conn: Conn) -> Decision[OverdueAnnounced]:
        announced = handlers.announce_breaches(conn, day, sla)
        answer = OverdueAnnounced(
            as_of=day,
            announced=[
                {"ticket_id": e.payload.ticket_id, "breach": e.payload.breach}
                for e in announced
            ],
        )
        return Decision(answer, announced)

    return run_command(
        runtime,
        scope="feedback.check_sla",
        request={"as_of": day, "actor": principal.actor},
        key=key,
        decide=audited(principal, decide),
        answer_type=OverdueAnnounced,
        status_code=200,
        wait=wait,
    )
