"""The reporting projection: which view statement each event applies.

Reporting derives no events from these (its reviews are commands, decided
into its store; `report_reviewed` comes back here from its own topic).
Events of the topics it follows that the report does not count (due and
escalation announcements, thresholds, complaints raised, ...) are not in the
table and change nothing.

A batch applies set-based (`apply_batch`): each event folds into its table's
rows in log order (`views.fold_*`, the same rules as the per-event
statements, the visit copy by the same `domain/visit_copies.evolve`), the
rows a batch touches are read once and each table is written with one
statement; the result is row for row the per-event path's.
"""

from collections.abc import Callable, Sequence
from typing import Any

from schemas.catalogue import (
    FEEDBACK,
    LEDGER,
    REPORTING,
    SCHEDULE,
    SURVEY,
    AnyEvent,
)
from schemas.envelope import Event
from schemas.feedback import (
    CapaOpened,
    CapaVerified,
    TicketAssigned,
    TicketOpened,
    TicketOverdue,
    TicketReopened,
    TicketResolved,
    TicketVerified,
)
from schemas.ledger import ContractRegistered, Delivered, Shipped
from schemas.reporting import ReportReviewed
from schemas.schedule import (
    VisitCancelled,
    VisitOverdue,
    VisitPlanned,
    VisitRescheduled,
    VisitSuperseded,
)
from schemas.survey import VisitAttemptFailed, VisitCompleted
from services.kit.projection import Cursor, Projection, ViewHandler, by_event_type
from services.reporting import views

HANDLERS: dict[type[Event], ViewHandler] = {
    VisitPlanned: views.apply_visit_fact,
    VisitRescheduled: views.apply_visit_fact,
    VisitCancelled: views.apply_visit_fact,
    VisitOverdue: views.apply_visit_fact,
    VisitSuperseded: views.apply_visit_fact,
    VisitCompleted: views.apply_record,
    VisitAttemptFailed: views.apply_attempt,
    TicketOpened: views.apply_ticket_opened,
    TicketAssigned: views.apply_ticket_assigned,
    TicketResolved: views.apply_ticket_resolved,
    TicketVerified: views.apply_ticket_verified,
    TicketReopened: views.apply_ticket_reopened,
    TicketOverdue: views.apply_ticket_overdue,
    CapaOpened: views.apply_capa_opened,
    CapaVerified: views.apply_capa_verified,
    Shipped: views.apply_unit,
    ContractRegistered: views.apply_contract,
    Delivered: views.apply_customer,
    ReportReviewed: views.apply_review,
}


apply = by_event_type(HANDLERS)

Fold = Callable[[views.Batch, Any], None]
BATCH_FOLDS: dict[type[Event], Fold] = {
    VisitPlanned: views.fold_visit_fact,
    VisitRescheduled: views.fold_visit_fact,
    VisitCancelled: views.fold_visit_fact,
    VisitOverdue: views.fold_visit_fact,
    VisitSuperseded: views.fold_visit_fact,
    VisitCompleted: views.fold_record,
    VisitAttemptFailed: views.fold_attempt,
    TicketOpened: views.fold_ticket_opened,
    TicketAssigned: views.fold_ticket_assigned,
    TicketResolved: views.fold_ticket_resolved,
    TicketVerified: views.fold_ticket_verified,
    TicketReopened: views.fold_ticket_reopened,
    TicketOverdue: views.fold_ticket_overdue,
    CapaOpened: views.fold_capa_opened,
    CapaVerified: views.fold_capa_verified,
    Shipped: views.fold_unit,
    ContractRegistered: views.fold_contract,
    Delivered: views.fold_customer,
    ReportReviewed: views.fold_review,
}


async def apply_batch(cur: Cursor, events: Sequence[AnyEvent]) -> Sequence[Event]:
    """A batch set-based (module docstring): read, fold in log order, write."""
    folds = [(fold, e) for e in events if (fold := BATCH_FOLDS.get(type(e)))]
    batch = views.Batch()
    await batch.read(cur, [e for _, e in folds])
    for fold, event in folds:
        fold(batch, event)
    await batch.write(cur)
    return ()


PROJECTION = Projection(
    name="reporting",
    topics=(SCHEDULE, SURVEY, FEEDBACK, LEDGER, REPORTING),
    handle=apply,
    handle_batch=apply_batch,
)
