"""The survey's application layer: its commands and its queries.

A command runs inside kit `run_command`'s transaction on `conn` (search path:
views, then store): it locks the visit, reads the visit's plan from the read
model and its record and attempts from the store, lets the domain decide,
changes the store and returns the answer and the events, which the kit writes
to the outbox in the same transaction. A refusal raises (4xx) and rolls
everything back: a refused command takes no number.
"""

from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import psycopg
from fastapi import HTTPException, status

from schemas.types import AttemptFailure
from services.kit.command import Decision
from services.kit.http import (
    conflict,
    field_problem,
    not_found,
    unavailable,
    unprocessable,
)
from services.survey import events, store, views
from services.survey.domain.numbering import format_record_no, month_of
from services.survey.domain.records import (
    AnswerError,
    AnswerRule,
    VisitRecord,
    validate_record,
)
from services.survey.domain.visits import (
    Closed,
    FailAttempt,
    RecordServiceVisit,
    RecordVisit,
    Visit,
    in_the_future,
    next_attempt_no,
    service_visit,
    service_visit_id,
    unit_of_another_customer,
    why_closed,
)
from services.survey.models import (
    AttemptCreated,
    AttemptHistory,
    AttemptRead,
    AttemptSummary,
    ComplaintRead,
    VisitRead,
    VisitRecordCreated,
    VisitRecordRead,
)

Conn = psycopg.Connection[Any]

# The record questions are fields of the record; every other question id is a
# key of its `answers`.
_RECORD_FIELDS = frozenset(
    {"product_quality", "service_quality", "suggestions", "needs", "opportunities"}
)


def _field(error: AnswerError) -> str:
    if error.rule is AnswerRule.UNKNOWN_QUESTION or error.question_id not in (
        _RECORD_FIELDS
    ):
        return f"answers.{error.question_id}"
    return error.question_id


def not_in_the_future(field: str, on: date, today: date) -> None:
    """422 for a visit or attempt dated after today (the company's zone)."""
    if in_the_future(on, today):
        raise field_problem(
            field, "not in the future", f"{on.isoformat()} is after today {today}"
        )


def open_visit(conn: Conn, visit_id: str) -> Visit:
    """Lock the visit and return it if it takes a record or attempt (404/409)."""
    store.lock_visit(conn, visit_id)
    record_no = store.record_of(conn, visit_id)
    try:
        visit = views.load_visit(conn, visit_id)
    except psycopg.errors.UndefinedTable:
        raise unavailable(
            "the survey's read model is being rebuilt; retry shortly"
        ) from None
    closed = why_closed(visit, record_no)
    if closed is Closed.UNKNOWN:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"visit_id: visit {visit_id!r} {closed.value}",
        )
    if closed is not None:
        raise conflict(
            f"visit_id: visit {visit_id!r} {closed.value}; it takes no record "
            "or attempt"
        )
    assert visit is not None
    return visit


def _refuse_invalid(record: VisitRecord) -> None:
    errors = validate_record(record)
    if errors:
        raise unprocessable(
            {"field": _field(e), "rule": e.rule.value, "message": e.message}
            for e in errors
        )


def _recorded(
    conn: Conn, visit: Visit, command: RecordVisit, record: VisitRecord, record_no: str
) -> Decision[VisitRecordCreated]:
    """Close the visit with its record; the record and its forms are the events."""
    store.add_record(conn, visit.visit_id, record_no)
    completed = events.visit_completed(visit, command, record, record_no)
    complaints = events.complaints_of(completed, record)
    answer = VisitRecordCreated(
        record_no=record_no,
        visit_id=visit.visit_id,
        score=completed.payload.score,
        product_quality=completed.payload.product_quality,
        service_quality=completed.payload.service_quality,
        complaints=[ComplaintRead(**c.payload.model_dump()) for c in complaints],
        event_ids=[completed.event_id, *(c.event_id for c in complaints)],
    )
    return Decision(answer, [completed, *complaints])


def record_visit(
    conn: Conn, *, command: RecordVisit, today: date
) -> Decision[VisitRecordCreated]:
    """Check the record against its visit's kind, number it, close the visit."""
    not_in_the_future("visited_on", command.visited_on, today)
    visit = open_visit(conn, command.visit_id)
    record = command.record(visit)
    _refuse_invalid(record)
    seq = store.next_record_seq(conn, month_of(command.visited_on))
    return _recorded(
        conn, visit, command, record, format_record_no(command.visited_on, seq)
    )


def record_service_visit(
    conn: Conn, *, command: RecordServiceVisit, today: date
) -> Decision[VisitRecordCreated]:
    """Record an unplanned service visit (6.2.7) about a unit of a customer.

    The visit is not on the schedule: the record names it (`SV:<record_no>`),
    numbered like any record. A unit the survey knows from the schedule must
    be the customer's (422), and gives its product model and region.
    """
    not_in_the_future("visited_on", command.visit.visited_on, today)
    try:
        known = views.unit(conn, command.unit_id)
    except psycopg.errors.UndefinedTable:
        raise unavailable(
            "the survey's read model is being rebuilt; retry shortly"
        ) from None
    if unit_of_another_customer(known, command.customer_id):
        raise field_problem(
            "unit_id",
            "unit of the customer",
            f"unit {command.unit_id!r} is not a unit of {command.customer_id!r}",
        )
    subject = service_visit(command, known)
    record = command.visit.record(subject)
    _refuse_invalid(record)
    seq = store.next_record_seq(conn, month_of(command.visit.visited_on))
    record_no = format_record_no(command.visit.visited_on, seq)
    visit = replace(subject, visit_id=service_visit_id(record_no))
    return _recorded(conn, visit, command.visit, record, record_no)


def fail_attempt(
    conn: Conn, *, command: FailAttempt, today: date
) -> Decision[AttemptCreated]:
    """Count a failed attempt, numbered after the visit's previous ones."""
    not_in_the_future("attempted_on", command.attempted_on, today)
    visit = open_visit(conn, command.visit_id)
    attempt_no = next_attempt_no(store.attempts_made(conn, visit.visit_id))
    event = events.attempt_failed(visit, attempt_no, command)
    store.add_attempt(conn, visit.visit_id, attempt_no, event.event_id)
    answer = AttemptCreated(
        visit_id=visit.visit_id, attempt_no=attempt_no, event_id=event.event_id
    )
    return Decision(answer, [event])


def summarise(items: list[AttemptRead]) -> AttemptSummary:
    """Count attempts by reason, every reason listed (zero included)."""
    counts = Counter(a.reason for a in items)
    return AttemptSummary(
        count=len(items),
        by_reason={reason: counts[reason] for reason in AttemptFailure},
        items=items,
    )


def find_visit(conn: Conn, visit_id: str) -> VisitRead:
    """The survey's view of a visit (404 if it has none)."""
    found = views.visit(conn, visit_id)
    if found is None:
        raise not_found("visit", visit_id)
    return found


def find_record(conn: Conn, record_no: str) -> VisitRecordRead:
    """One visit record with its complaints (404 if there is none)."""
    found = views.records(conn, record_no=record_no, limit=1)
    if not found:
        raise not_found("visit record", record_no)
    return found[0]


def find_records(conn: Conn, **filters: Any) -> list[VisitRecordRead]:
    """Visit records by record number (filters of `views.records`)."""
    return views.records(conn, **filters)


def attempt_history(conn: Conn, visit_id: str) -> AttemptHistory:
    """A visit's failed attempts, oldest first, counted by reason (404 if none)."""
    visit = views.load_visit(conn, visit_id)
    items = views.attempts(conn, visit_id=visit_id)
    if visit is None and not items:
        raise not_found("visit", visit_id)
    counted = summarise(items)
    return AttemptHistory(
        visit_id=visit_id,
        status=visit.status.value if visit else None,
        count=counted.count,
        by_reason=counted.by_reason,
        attempts=items,
    )


def attempt_summary(
    conn: Conn,
    *,
    customer_id: str | None,
    month: str | None,
    reason: AttemptFailure | None,
) -> AttemptSummary:
    """Failed attempts by customer, month and reason, counted by reason."""
    items = views.attempts(conn, customer_id=customer_id, month=month, reason=reason)
    return summarise(items)
