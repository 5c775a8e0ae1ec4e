"""A visit as the survey sees it, and what it may be asked to record.

The scheduler plans, moves, cancels and escalates visits; the survey records
them. A visit's lifecycle as the survey knows it is `evolve` (applied by the
read model to every fact in any order: two topics carry a visit's facts, with
no order between them, so a done visit stays done whatever comes after), and
whether a visit takes a record or a failed attempt is `why_closed`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from schemas.types import AttemptFailure, Channel, Rating, VisitKind
from services.survey.domain.records import Answer, VisitRecord


class VisitStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    DONE = "done"
    CANCELLED = "cancelled"


class Fact(StrEnum):
    """What the log says happened to a visit."""

    PLANNED = "planned"
    RESCHEDULED = "rescheduled"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


def evolve(status: VisitStatus | None, fact: Fact) -> VisitStatus:
    """The visit's status after `fact` (None: the survey did not know it yet).

    A record closes the visit for good. A cancelled visit planned again (the
    scheduler re-derives the same visit id from corrected facts) is open
    again; escalation does not revive a cancelled visit; a move changes no
    status.
    """
    current = status or VisitStatus.OPEN
    if fact is Fact.COMPLETED or current is VisitStatus.DONE:
        return VisitStatus.DONE
    match fact:
        case Fact.PLANNED:
            return VisitStatus.OPEN if current is VisitStatus.CANCELLED else current
        case Fact.CANCELLED:
            return VisitStatus.CANCELLED
        case Fact.ESCALATED:
            if current is VisitStatus.CANCELLED:
                return current
            return VisitStatus.ESCALATED
        case _:
            return current


@dataclass(frozen=True)
class Visit:
    """A visit as the survey knows it from the schedule topic."""

    visit_id: str
    customer_id: str
    kind: VisitKind | None
    status: VisitStatus
    channel: Channel | None = None
    unit_id: str | None = None
    order_id: str | None = None
    store_id: str | None = None
    ticket_id: str | None = None
    region: str | None = None
    product_model: str | None = None


class Closed(StrEnum):
    """Why a visit takes no record and no failed attempt."""

    UNKNOWN = "not planned (yet) on the schedule"
    DONE = "is done"
    CANCELLED = "is cancelled"


def in_the_future(on: date, today: date) -> bool:
    """A visit or attempt dated after today (in the company's time zone) did
    not happen yet: it is refused, whatever the business-date window allows."""
    return on > today


def why_closed(visit: Visit | None, record_no: str | None) -> Closed | None:
    """None when the visit takes a record or a failed attempt.

    `record_no` is the visit's record on the command side, which decides
    "done" (the read model may not have applied it yet). A visit the read
    model has not seen planned is unknown (a caller who just planned it
    retries); an escalated visit can still be recorded.
    """
    if record_no is not None:
        return Closed.DONE
    if visit is None or visit.kind is None:
        return Closed.UNKNOWN
    if visit.status is VisitStatus.DONE:
        return Closed.DONE
    if visit.status is VisitStatus.CANCELLED:
        return Closed.CANCELLED
    return None


@dataclass(frozen=True)
class RecordVisit:
    """Record a visit (the body of `POST /v1/visit-records`)."""

    visit_id: str
    visited_on: date
    visitor: str
    channel: Channel | None
    answers: Mapping[str, Answer]
    product_quality: Rating | None
    service_quality: Rating | None
    suggestions: str
    needs: str
    unresolved_by_phone: bool
    actor: str
    opportunities: str = ""

    def record(self, visit: Visit) -> VisitRecord:
        """The record as the survey domain validates, rates and scores it."""
        assert visit.kind is not None  # an unknown visit takes no record
        return VisitRecord(
            visit.kind,
            self.answers,
            self.product_quality,
            self.service_quality,
            self.suggestions,
            self.needs,
            self.opportunities,
            self.channel_for(visit),
        )

    def channel_for(self, visit: Visit) -> Channel:
        """How the visit was made: as stated, else as planned, else by phone."""
        return self.channel or visit.channel or Channel.PHONE


SERVICE_VISIT_PREFIX = "SV:"


def service_visit_id(record_no: str) -> str:
    """The visit an unplanned service visit (6.2.7) closes: it is not on the
    schedule, so the survey names it after its record, `SV:HF-2026-11-0042`."""
    return f"{SERVICE_VISIT_PREFIX}{record_no}"


@dataclass(frozen=True)
class Unit:
    """What the survey knows of a unit from the visits planned for it."""

    unit_id: str
    customer_id: str
    product_model: str | None = None
    region: str | None = None


def unit_of_another_customer(known: Unit | None, customer_id: str) -> bool:
    """A service visit is about a unit of its own customer."""
    return known is not None and known.customer_id != customer_id


@dataclass(frozen=True)
class FailAttempt:
    """Record a failed attempt (回访不成功) at a visit."""

    visit_id: str
    attempted_on: date
    visitor: str
    reason: AttemptFailure
    note: str
    actor: str


def next_attempt_no(attempts_made: int) -> int:
    """Failed attempts are numbered 1, 2, … per visit, each counted once."""
    return attempts_made + 1


@dataclass(frozen=True)
class RecordServiceVisit:
    """Record an unplanned service visit (the body of `POST /v1/service-visits`):
    a record (its `visit_id` unused: the survey names the visit) about one
    unit of a customer."""

    visit: RecordVisit
    customer_id: str
    unit_id: str
    product_model: str | None = None
    region: str | None = None


def service_visit(command: RecordServiceVisit, known: Unit | None) -> Visit:
    """The visit an unplanned service visit closes, about one unit of the
    customer: what the schedule said of the unit, else what the visitor says.
    Its id is the record's (`service_visit_id`), given once numbered."""
    return Visit(
        visit_id="",
        customer_id=command.customer_id,
        kind=VisitKind.SERVICE_VISIT,
        status=VisitStatus.OPEN,
        channel=command.visit.channel or Channel.ON_SITE,
        unit_id=command.unit_id,
        product_model=(known.product_model if known else None) or command.product_model,
        region=(known.region if known else None) or command.region,
    )
