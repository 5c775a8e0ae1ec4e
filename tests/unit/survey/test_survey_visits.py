"""A visit's lifecycle as the survey knows it, and which visits take work."""

from itertools import permutations

import pytest

from schemas.types import VisitKind
from services.survey.domain.visits import (
    Closed,
    Fact,
    Visit,
    VisitStatus,
    evolve,
    next_attempt_no,
    why_closed,
)

OPEN, ESCALATED, DONE, CANCELLED = (
    VisitStatus.OPEN,
    VisitStatus.ESCALATED,
    VisitStatus.DONE,
    VisitStatus.CANCELLED,
)


@pytest.mark.parametrize(
    ("status", "fact", "expected"),
    [
        (None, Fact.PLANNED, OPEN),
        (None, Fact.RESCHEDULED, OPEN),
        (None, Fact.CANCELLED, CANCELLED),
        (None, Fact.ESCALATED, ESCALATED),
        (None, Fact.COMPLETED, DONE),
        (CANCELLED, Fact.PLANNED, OPEN),  # planned again from corrected facts
        (ESCALATED, Fact.PLANNED, ESCALATED),
        (OPEN, Fact.RESCHEDULED, OPEN),
        (ESCALATED, Fact.RESCHEDULED, ESCALATED),
        (CANCELLED, Fact.ESCALATED, CANCELLED),
        (OPEN, Fact.ESCALATED, ESCALATED),
        (ESCALATED, Fact.CANCELLED, CANCELLED),
        (CANCELLED, Fact.COMPLETED, DONE),
    ],
)
def test_a_fact_moves_the_visit(
    status: VisitStatus | None, fact: Fact, expected: VisitStatus
) -> None:
    assert evolve(status, fact) is expected


@pytest.mark.parametrize("fact", list(Fact))
def test_a_done_visit_stays_done(fact: Fact) -> None:
    assert evolve(DONE, fact) is DONE


@pytest.mark.parametrize(
    "facts", list(permutations([Fact.PLANNED, Fact.ESCALATED, Fact.COMPLETED]))
)
def test_a_recorded_visit_is_done_in_any_order_of_the_two_topics(
    facts: tuple[Fact, ...],
) -> None:
    status: VisitStatus | None = None
    for fact in facts:
        status = evolve(status, fact)
    assert status is DONE


def visit(status: VisitStatus, kind: VisitKind | None = VisitKind.TRIAL_RUN) -> Visit:
    return Visit(visit_id="V1", customer_id="C1", kind=kind, status=status)


@pytest.mark.parametrize(
    ("known", "record_no", "expected"),
    [
        (visit(OPEN), None, None),
        (visit(ESCALATED), None, None),
        (None, None, Closed.UNKNOWN),
        (visit(OPEN, kind=None), None, Closed.UNKNOWN),  # a record seen, no plan
        (visit(CANCELLED), None, Closed.CANCELLED),
        (visit(DONE), None, Closed.DONE),
        # The store decides "done" before the read model applied the record,
        # and while a rebuild has not replayed the plan yet.
        (visit(OPEN), "HF-2026-11-0001", Closed.DONE),
        (None, "HF-2026-11-0001", Closed.DONE),
    ],
)
def test_which_visits_take_a_record_or_an_attempt(
    known: Visit | None, record_no: str | None, expected: Closed | None
) -> None:
    assert why_closed(known, record_no) is expected


def test_attempts_are_numbered_from_one() -> None:
    assert [next_attempt_no(made) for made in range(3)] == [1, 2, 3]
