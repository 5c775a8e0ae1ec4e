"""The survey's read model: which view each event updates (SQL in views.py).

Both paths give the same rows: `apply` one event at a time (the runner's
slow path, isolating a failing event), `apply_batch` a batch set-based.
The projection derives no event: a record's complaints are written to the
outbox by the command that records it (handlers.py).
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from schemas.catalogue import SCHEDULE, SURVEY, AnyEvent
from schemas.envelope import Event
from schemas.schedule import (
    VisitCancelled,
    VisitEscalated,
    VisitPlanned,
    VisitRescheduled,
)
from schemas.survey import ComplaintRaised, VisitAttemptFailed, VisitCompleted
from services.kit.projection import Cursor, Projection
from services.survey import views

# Due and overdue announcements and thresholds are not the survey's.
HANDLERS: dict[type[Event], Callable[[Cursor, Any], Awaitable[None]]] = {
    VisitPlanned: views.plan_visit,
    VisitRescheduled: views.reschedule_visit,
    VisitCancelled: views.cancel_visit,
    VisitEscalated: views.escalate_visit,
    VisitCompleted: views.add_record,
    VisitAttemptFailed: views.add_attempt,
    ComplaintRaised: views.add_complaint,
}


async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    """Apply one schedule or survey event to its view."""
    handler = HANDLERS.get(type(event))
    if handler is not None:
        await handler(cur, event)
    return ()


async def apply_batch(cur: Cursor, events: Sequence[AnyEvent]) -> Sequence[Event]:
    """The same rows as `apply` event by event, set-based (views.apply_batch)."""
    await views.apply_batch(cur, events)
    return ()


PROJECTION = Projection(
    name="survey", topics=(SCHEDULE, SURVEY), handle=apply, handle_batch=apply_batch
)
