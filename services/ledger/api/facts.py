"""`POST /v1/events`: departments' facts, straight to the log."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status

from services.kit.http import (
    COMMAND_RESPONSES,
    Unprocessable,
    Wait,
    unprocessable,
)
from services.kit.service import RuntimeDep
from services.ledger import views
from services.ledger.domain.facts import InvalidEventsError, TooManyFactsError
from services.ledger.handlers import ConflictingFactsError, accept_facts
from services.ledger.models import Accepted

router = APIRouter(prefix="/v1", tags=["ledger"])


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        400: COMMAND_RESPONSES[400],
        409: {
            "model": Unprocessable,
            "description": "an event id appended before with other content",
        },
        413: COMMAND_RESPONSES[413],
        415: COMMAND_RESPONSES[415],
        422: {"model": Unprocessable, "description": "nothing appended"},
    },
)
def post_events(
    runtime: RuntimeDep,
    body: Annotated[Any, Body(description="One event or a JSON array of events")],
    wait: Wait = False,
) -> Accepted:
    """Append one fact or a weekly batch of facts to the log, all or nothing:
    a 422 lists every broken rule with its item's index."""

    def known(event_ids: Any) -> dict[Any, bytes]:
        with runtime.pool.connection() as conn:
            return views.fingerprints(conn, event_ids)

    try:
        return accept_facts(
            body=body,
            publish=runtime.publish,
            known=known,
            wait_until_applied=runtime.wait_until_applied if wait else None,
        )
    except InvalidEventsError as exc:
        raise unprocessable(exc.errors) from None
    except TooManyFactsError as exc:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, detail=str(exc)
        ) from None
    except ConflictingFactsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=exc.errors) from None
