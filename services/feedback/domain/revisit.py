"""What a re-visit does to its ticket (domain.md, closed loop, 3).

The service centre re-visits the customer once the department resolved the
ticket: a satisfied re-visit closes the form, a dissatisfied one reopens it.
"""

from enum import StrEnum

from schemas.types import Rating


class RevisitOutcome(StrEnum):
    """What a re-visit does to its ticket."""

    VERIFIED = "verified"
    REOPENED = "reopened"


def is_satisfied_enough(rating: Rating | None) -> bool:
    """Whether a re-visit rating lets the ticket close.

    Neutral (一般) verifies: domain.md reopens only on dissatisfaction, and a
    neutral answer raises no complaint anywhere else either. An unanswered
    rating is not a dissatisfaction, as in the score.
    """
    return rating != Rating.DISSATISFIED


def revisit_outcome(
    product_quality: Rating | None, service_quality: Rating | None
) -> RevisitOutcome:
    """Verified if neither rating is dissatisfied, reopened otherwise."""
    if is_satisfied_enough(product_quality) and is_satisfied_enough(service_quality):
        return RevisitOutcome.VERIFIED
    return RevisitOutcome.REOPENED
