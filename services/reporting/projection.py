"""The reporting projection: which view statement each event applies.

Reporting derives no events from these (its reviews are commands, decided
into its store; `report_reviewed` comes back here from its own topic).
Events of the topics it follows that the report does not count (due and
escalation announcements, thresholds, complaints raised, ...) are not in the
table and change nothing.
"""

from schemas.catalogue import FEEDBACK, LEDGER, REPORTING, SCHEDULE, SURVEY
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
from services.kit.projection import Projection, ViewHandler, by_event_type
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


PROJECTION = Projection(
    name="reporting",
    topics=(SCHEDULE, SURVEY, FEEDBACK, LEDGER, REPORTING),
    handle=apply,
)
