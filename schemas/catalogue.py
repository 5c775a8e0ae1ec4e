"""The topic catalogue: which event travels on which topic.

Topics are grouped by the system that owns the facts, so that each service
appends to exactly one topic and a consumer subscribes to what it needs.
Every topic is keyed by the envelope's `key` (the customer id, or the CAPA id
for CAPAs) and has `DEFAULT_PARTITIONS` partitions unless configured.
"""

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, TypeAdapter

from schemas import feedback, ledger, reporting, schedule, survey
from schemas.envelope import Event

DEFAULT_PARTITIONS = 6


@dataclass(frozen=True)
class Topic:
    """A logical topic; its name on the broker is `<prefix>.<name>`."""

    name: str
    owner: str
    events: tuple[type[Event], ...]

    def full_name(self, prefix: str) -> str:
        """The broker-side name under a deployment's prefix."""
        return f"{prefix}.{self.name}"


LEDGER = Topic(
    "ledger",
    "ledger",
    (
        ledger.ContractRegistered,
        ledger.Shipped,
        ledger.Installed,
        ledger.PoweredOn,
        ledger.Delivered,
    ),
)
SCHEDULE = Topic(
    "schedule",
    "scheduler",
    (
        schedule.VisitPlanned,
        schedule.VisitRescheduled,
        schedule.VisitCancelled,
        schedule.VisitDue,
        schedule.VisitOverdue,
        schedule.VisitEscalated,
        schedule.ThresholdCrossed,
        schedule.VisitSuperseded,
    ),
)
SURVEY = Topic(
    "survey",
    "survey",
    (survey.VisitCompleted, survey.VisitAttemptFailed, survey.ComplaintRaised),
)
FEEDBACK = Topic(
    "feedback",
    "feedback",
    (
        feedback.TicketOpened,
        feedback.TicketAssigned,
        feedback.TicketResolved,
        feedback.TicketVerified,
        feedback.TicketReopened,
        feedback.TicketOverdue,
        feedback.CapaOpened,
        feedback.CapaVerified,
    ),
)

REPORTING = Topic("reporting", "reporting", (reporting.ReportReviewed,))

TOPICS: tuple[Topic, ...] = (LEDGER, SCHEDULE, SURVEY, FEEDBACK, REPORTING)

EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["type"].default: cls for topic in TOPICS for cls in topic.events
}
TOPIC_OF: dict[str, Topic] = {
    cls.model_fields["type"].default: topic for topic in TOPICS for cls in topic.events
}

AnyEvent = Annotated[
    ledger.ContractRegistered
    | ledger.Shipped
    | ledger.Installed
    | ledger.PoweredOn
    | ledger.Delivered
    | schedule.VisitPlanned
    | schedule.VisitRescheduled
    | schedule.VisitCancelled
    | schedule.VisitDue
    | schedule.VisitOverdue
    | schedule.VisitEscalated
    | schedule.ThresholdCrossed
    | schedule.VisitSuperseded
    | survey.VisitCompleted
    | survey.VisitAttemptFailed
    | survey.ComplaintRaised
    | feedback.TicketOpened
    | feedback.TicketAssigned
    | feedback.TicketResolved
    | feedback.TicketVerified
    | feedback.TicketReopened
    | feedback.TicketOverdue
    | feedback.CapaOpened
    | feedback.CapaVerified
    | reporting.ReportReviewed,
    Field(discriminator="type"),
]

ANY_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def dead_letter_topic(prefix: str, consumer: str) -> str:
    """Where a consumer puts what it cannot decode, with the reason in headers."""
    return f"{prefix}.{consumer}.dlq"
