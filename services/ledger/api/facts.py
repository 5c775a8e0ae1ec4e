"""`POST /v1/events`: departments' facts, straight to the log."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status

from services.kit import audit
from services.kit.http import (
    AUTH_RESPONSES,
    COMMAND_RESPONSES,
    Unprocessable,
    Wait,
    unprocessable,
)
from services.kit.keys import FACT_SCOPES, Principal
from services.kit.security import forbidden, require
from services.kit.service import Runtime, RuntimeDep
from services.ledger import views
from services.ledger.domain.facts import (
    InvalidEventsError,
    OutsideScopeError,
    TooManyFactsError,
)
from services.ledger.handlers import ConflictingFactsError, accept_facts
from services.ledger.models import Accepted

router = APIRouter(prefix="/v1", tags=["ledger"])

# A key holding at least one fact scope may post; each item's type is then
# checked against its scopes (a production key may not send `installed`).
Appender = Annotated[Principal, Depends(require(*FACT_SCOPES.values()))]


def may_append(principal: Principal) -> frozenset[str]:
    """The fact types this key may append."""
    return frozenset(t for t, scope in FACT_SCOPES.items() if principal.may(scope))


def known_in(runtime: Runtime) -> Callable[[Any], dict[Any, bytes]]:
    """The fingerprints of the event ids the ledger applied (resends)."""

    def known(event_ids: Any) -> dict[Any, bytes]:
        with runtime.pool.connection() as conn:
            return views.fingerprints(conn, event_ids)

    return known


def recorder(runtime: Runtime, principal: Principal) -> Callable[[Any], None]:
    """Notes in the audit trail the facts the key appended."""

    def record(events: Any) -> None:
        with runtime.pool.connection() as conn:
            audit.record(conn, principal, events)

    return record


def stores_of(principal: Principal) -> frozenset[str] | None:
    """The stores a key delivers for: a retail store's own; None: any."""
    if principal.role == "retail_store" or principal.store_ids:
        return principal.store_ids
    return None


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        **AUTH_RESPONSES,
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
    principal: Appender,
    body: Annotated[Any, Body(description="One event or a JSON array of events")],
    wait: Wait = False,
) -> Accepted:
    """Append one fact or a weekly batch of facts to the log, all or nothing:
    a 422 lists every broken rule with its item's index. Each fact's `actor`
    is the key's (an `actor` in the body is replaced); a type outside the
    key's scopes, or a delivery for another store than a store key's own, is
    a 403 and appends nothing."""

    try:
        return accept_facts(
            body=body,
            actor=principal.actor,
            may_append=may_append(principal),
            stores=stores_of(principal),
            publish=runtime.publish,
            known=known_in(runtime),
            record=recorder(runtime, principal),
            wait_until_applied=runtime.wait_until_applied if wait else None,
        )
    except OutsideScopeError as exc:
        raise forbidden(principal, f"append these facts: {exc}") from None
    except InvalidEventsError as exc:
        raise unprocessable(exc.errors) from None
    except TooManyFactsError as exc:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, detail=str(exc)
        ) from None
    except ConflictingFactsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=exc.errors) from None
