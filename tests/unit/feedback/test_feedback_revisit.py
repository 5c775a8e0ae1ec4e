import pytest

from schemas.types import Rating
from services.feedback.domain.revisit import (
    RevisitOutcome,
    is_satisfied_enough,
    revisit_outcome,
)

S, N, D = Rating.SATISFIED, Rating.NEUTRAL, Rating.DISSATISFIED


@pytest.mark.parametrize(
    ("product_quality", "service_quality", "expected"),
    [
        (S, S, RevisitOutcome.VERIFIED),
        (S, N, RevisitOutcome.VERIFIED),
        (N, S, RevisitOutcome.VERIFIED),
        (N, N, RevisitOutcome.VERIFIED),
        (D, S, RevisitOutcome.REOPENED),
        (D, N, RevisitOutcome.REOPENED),
        (S, D, RevisitOutcome.REOPENED),
        (N, D, RevisitOutcome.REOPENED),
        (D, D, RevisitOutcome.REOPENED),
    ],
)
def test_any_dissatisfaction_reopens_the_ticket(
    product_quality: Rating, service_quality: Rating, expected: RevisitOutcome
) -> None:
    assert revisit_outcome(product_quality, service_quality) is expected


@pytest.mark.parametrize(
    ("rating", "expected"), [(S, True), (N, True), (None, True), (D, False)]
)
def test_neutral_is_satisfied_enough_to_verify(
    rating: Rating | None, expected: bool
) -> None:
    assert is_satisfied_enough(rating) is expected


def test_revisit_outcomes_read_as_the_ticket_events_do() -> None:
    assert [o.value for o in RevisitOutcome] == ["verified", "reopened"]
