"""Who appended what, when: the audit trail of every service (issue 10).

Every event a request appends names the key's actor (`Principal.actor`,
which carries the key id) in its envelope, and is recorded in the store
schema's `audit_trail` with that key id: in the command's own transaction
(`audited`), or right after a log-first publish (`record`, the ledger's
facts). `GET /v1/audit?key_id=` (scope `audit`: managers and admins) lists a
key's events, newest first; the kit's `Service` adds the route to every
service.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import psycopg
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from schemas.envelope import Event
from services.kit.command import Decision
from services.kit.http import READ_RESPONSES, Limit
from services.kit.keys import AUDIT, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep

E = TypeVar("E", bound=Event)
Answer = TypeVar("Answer", bound=BaseModel)
Conn = psycopg.Connection[Any]


def stamped(principal: Principal, events: Sequence[E]) -> list[E]:
    """The events as the key appends them: its actor in every envelope."""
    return [
        e
        if e.actor == principal.actor
        else e.model_copy(update={"actor": principal.actor})
        for e in events
    ]


def record(conn: Conn, principal: Principal, events: Sequence[Event]) -> None:
    """Note in the audit trail that the key appended these events (once each)."""
    if not events:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO audit_trail (event_id, type, actor, key_id, occurred_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING",
            [
                (e.event_id, e.type, e.actor, principal.key_id, e.occurred_at)
                for e in events
            ],
        )


def audited(
    principal: Principal, decide: Callable[[Conn], Decision[Answer]]
) -> Callable[[Conn], Decision[Answer]]:
    """`decide` of a command (kit/command.py) whose events carry the key's
    actor and are recorded in the audit trail, in the command's transaction."""

    def deciding(conn: Conn) -> Decision[Answer]:
        decision = decide(conn)
        events = stamped(principal, decision.events)
        record(conn, principal, events)
        return Decision(decision.answer, events, decision.rows)

    return deciding


class AuditEntry(BaseModel):
    event_id: UUID
    type: str
    actor: str
    key_id: str
    occurred_at: datetime = Field(description="the event's business time")
    appended_at: datetime = Field(description="when the key appended it")


class AuditTrail(BaseModel):
    key_id: str
    items: list[AuditEntry]


router = APIRouter(prefix="/v1", tags=["audit"], responses=READ_RESPONSES)


@router.get("/audit", response_model=AuditTrail)
def get_audit(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(AUDIT))],
    key_id: Annotated[str, Query(min_length=1, max_length=64, description="a key id")],
    limit: Limit = 100,
) -> AuditTrail:
    """The events this service appended for a key (type, id, time, actor),
    newest first."""
    with runtime.pool.connection() as conn:
        rows = conn.execute(
            "SELECT event_id, type, actor, key_id, occurred_at, appended_at"
            " FROM audit_trail WHERE key_id = %s"
            " ORDER BY appended_at DESC, event_id LIMIT %s",
            (key_id, limit),
        ).fetchall()
    names = ("event_id", "type", "actor", "key_id", "occurred_at", "appended_at")
    return AuditTrail(
        key_id=key_id,
        items=[AuditEntry(**dict(zip(names, r, strict=True))) for r in rows],
    )
