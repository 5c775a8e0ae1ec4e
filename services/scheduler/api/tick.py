"""HTTP (ops, tests): run the daily tick now, for a chosen day."""

from fastapi import APIRouter

from services.kit.service import RuntimeDep
from services.scheduler.api.common import AsOf, today
from services.scheduler.models import AnnouncedRead, TickResult
from services.scheduler.tick import run_tick

router = APIRouter(prefix="/v1", tags=["ops"])


@router.post("/tick", response_model=TickResult)
def post_tick(runtime: RuntimeDep, as_of: AsOf = None) -> TickResult:
    """Announce the visits due or overdue on `as_of` not announced before.

    Each visit is announced due once and overdue once, whoever runs the tick
    (this endpoint or the leader's daily job) and however often.
    """
    day = today(runtime, as_of)
    announced = run_tick(runtime, day)
    return TickResult(
        as_of=day,
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
