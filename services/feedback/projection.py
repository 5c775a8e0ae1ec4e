"""The read model's projection: which handler applies which feedback event.

Built from the feedback topic only; the handlers (views.py) evolve the views
and decide nothing.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from schemas.catalogue import FEEDBACK, AnyEvent
from schemas.envelope import Event
from services.feedback import views
from services.kit.projection import Cursor, Projection

HANDLERS: Mapping[str, Callable[[Cursor, Any], Awaitable[None]]] = {
    "ticket_opened": views.ticket_opened,
    "ticket_assigned": views.ticket_assigned,
    "ticket_resolved": views.ticket_resolved,
    "ticket_verified": views.ticket_verified,
    "ticket_reopened": views.ticket_reopened,
    "ticket_overdue": views.ticket_overdue,
    "capa_opened": views.capa_opened,
    "capa_verified": views.capa_verified,
}


async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
    handler = HANDLERS.get(event.type)
    if handler is not None:
        await handler(cur, event)
    return ()


async def apply_batch(cur: Cursor, events: Sequence[AnyEvent]) -> Sequence[Event]:
    """The same rows as `apply` event by event, set-based (views.apply_batch)."""
    await views.apply_batch(cur, [e for e in events if e.type in HANDLERS])
    return ()


PROJECTION = Projection(
    name="feedback", topics=(FEEDBACK,), handle=apply, handle_batch=apply_batch
)
