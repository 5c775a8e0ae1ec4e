"""The scheduler's read model: which views.py writer applies each event.

Built from the events alone: the schedule topic (the scheduler's own
decisions, read back like any other service reads them) and the survey's
records and attempts. Events not in the table change nothing. A batch takes
`views.apply_batch`, which gives the same rows as the table applied to each
event in log order.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from schemas.catalogue import SCHEDULE, SURVEY, AnyEvent
from schemas.envelope import Event
from services.kit.projection import Projection
from services.scheduler import views

HANDLERS: Mapping[str, Callable[[Any, Any], Awaitable[Sequence[Event]]]] = {
    "visit_planned": views.visit_planned,
    "visit_rescheduled": views.visit_rescheduled,
    "visit_cancelled": views.visit_cancelled,
    "visit_escalated": views.visit_escalated,
    "visit_superseded": views.visit_superseded,
    "visit_due": views.add_history,
    "visit_overdue": views.add_history,
    "visit_completed": views.visit_completed,
    "visit_attempt_failed": views.visit_attempt_failed,
}


async def _apply(cur: Any, event: AnyEvent) -> Sequence[Event]:
    handler = HANDLERS.get(event.type)
    return await handler(cur, event) if handler else ()


PROJECTION = Projection(
    name="scheduler",
    topics=(SCHEDULE, SURVEY),
    handle=_apply,
    # The same rows set-based: a batch's visits read once, evolved in log
    # order, written back with one statement per table.
    handle_batch=views.apply_batch,
)
