"""Running a command: decide in one transaction, write the outbox, answer.

Every command with an invariant goes through `run_command`:
1. refuse with 503 while the service is behind the log (a rebuild, a stall);
2. in one PostgreSQL transaction: take the Idempotency-Key (or return the
   answer it already gave), let `decide` read and change the command-side
   state and return its answer and events, write those events to the outbox,
   remember the answer under the key;
3. after the commit, wake the relay; with `wait`, answer once the events are
   on the log and applied to this service's read model.
`decide` refuses by raising an HTTPException (4xx): the transaction rolls
back, so a refused command leaves nothing behind, not even its key.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psycopg
from pydantic import BaseModel

from schemas.envelope import Event
from schemas.limits import MAX_EVENT_BYTES
from services.kit import idempotency
from services.kit.faults import AFTER_COMMIT, BEFORE_COMMIT, crash_point
from services.kit.http import field_problem
from services.kit.metrics import COMMANDS_REPLAYED
from services.kit.outbox import OutboxRow, enqueue, rows_of
from services.kit.service import Runtime

Answer = TypeVar("Answer", bound=BaseModel)
Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Decision(Generic[Answer]):
    """What a command decided: the answer to give and the events to append."""

    answer: Answer
    events: Sequence[Event] = ()
    rows: Sequence[OutboxRow] = field(default_factory=tuple)


def run_command(
    runtime: Runtime,
    *,
    scope: str,
    request: Any,
    key: str | None,
    decide: Callable[[Conn], Decision[Answer]],
    answer_type: type[Answer],
    status_code: int,
    wait: bool = False,
) -> Answer:
    """Decide, record and answer one command (see the module docstring).

    `scope` names the command (e.g. `survey.record_visit`); `request` is what
    was asked (path, query and body), fingerprinted with the key.
    """
    runtime.refuse_if_behind()
    digest = idempotency.fingerprint(scope, request) if key else ""
    with runtime.pool.connection() as conn, conn.transaction():
        if key:
            stored = idempotency.claim(conn, scope, key, digest)
            if stored is not None:
                COMMANDS_REPLAYED.labels(runtime.service.name).inc()
                return answer_type.model_validate(stored)
        decision = decide(conn)
        rows = [
            *rows_of(decision.events, runtime.settings.topic_prefix),
            *decision.rows,
        ]
        for row in rows:
            # Texts are bounded one by one; this bounds them all together, so
            # an accepted command never derives a record the broker refuses.
            if row.value is not None and len(row.value) > MAX_EVENT_BYTES:
                raise field_problem(
                    "body",
                    f"too large: the event would be {len(row.value)} bytes "
                    f"(at most {MAX_EVENT_BYTES})",
                )
        enqueue(conn, rows)
        if key:
            idempotency.remember(
                conn, scope, key, status_code, decision.answer.model_dump(mode="json")
            )
        crash_point(BEFORE_COMMIT)
    crash_point(AFTER_COMMIT)
    runtime.relay.wake()
    answer = decision.answer
    if wait and "applied" in type(answer).model_fields:
        positions = runtime.wait_until_published([e.event_id for e in decision.events])
        applied = positions is not None and runtime.wait_until_applied(positions)
        answer = answer.model_copy(update={"applied": applied})
    return answer
