"""HTTP (ops, tests): run the daily tick now, for a chosen day."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from services.kit.audit import audited
from services.kit.command import Decision, run_command
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
from services.scheduler.api.common import today
from services.scheduler.handlers import tick
from services.scheduler.models import AnnouncedRead, TickResult

router = APIRouter(prefix="/v1", tags=["ops"])


@router.post("/tick", response_model=TickResult, responses=COMMAND_RESPONSES)
def post_tick(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require(ADMIN))],
    as_of: AsOf = None,
    wait: Wait = False,
    key: IdempotencyKey = None,
) -> TickResult:
    """Announce the visits due or overdue on `as_of` (default: today) not
    announced before.

    Each visit is announced due once and overdue once, whoever runs the tick
    (this endpoint or the leader's daily job) and however often. A day after
    today is refused (422); while the scheduler has not applied the log yet
    it answers 503 and announces nothing. With `wait`, it answers once the
    visits' history shows the announcements (`applied`). The announcements
    it makes name the admin key's actor.
    """
    now = today(runtime)
    day = as_of if as_of is not None else now
    if day > now:
        raise field_problem("as_of", "not after today", f"today is {now.isoformat()}")
    if not runtime.decisions_caught_up():
        raise unavailable("the scheduler is still applying the log; retry shortly")

    def decide(conn: Any) -> Decision[TickResult]:
        announced = tick(conn, day, topic_prefix=runtime.settings.topic_prefix)
        return Decision(
            TickResult(
                as_of=day,
                applied=None,
                announced=[
                    AnnouncedRead(
                        visit_id=a.visit.visit_id,
                        customer_id=a.visit.customer_id,
                        kind=a.visit.kind,
                        notice=a.notice,
                        event_id=a.event.event_id,
                    )
                    for a in announced
                ],
            )
        )

    result = run_command(
        runtime,
        scope="scheduler.tick",
        request={"as_of": day.isoformat(), "actor": principal.actor},
        key=key,
        decide=audited(principal, decide),
        answer_type=TickResult,
        status_code=status.HTTP_200_OK,
    )
    if wait:
        positions = runtime.wait_until_published([a.event_id for a in result.announced])
        applied = positions is not None and runtime.wait_until_applied(positions)
        result = result.model_copy(update={"applied": applied})
    return result
