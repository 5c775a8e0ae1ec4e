"""`POST /v1/events`: departments' facts, straight to the log."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from services.kit.http import Unprocessable, Wait, unprocessable
from services.kit.service import RuntimeDep
from services.ledger.domain.facts import InvalidEventsError
from services.ledger.handlers import accept_facts
from services.ledger.models import Accepted

router = APIRouter(prefix="/v1", tags=["ledger"])


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={422: {"model": Unprocessable, "description": "nothing appended"}},
)
def post_events(
    runtime: RuntimeDep,
    body: Annotated[Any, Body(description="One event or a JSON array of events")],
    wait: Wait = False,
) -> Accepted:
    """Append one fact or a weekly batch of facts to the log, all or nothing:
    a 422 lists every broken rule with its item's index."""
    try:
        return accept_facts(
            body=body,
            publish=runtime.publish,
            wait_until_applied=runtime.wait_until_applied if wait else None,
        )
    except InvalidEventsError as exc:
        raise unprocessable(exc.errors) from None
