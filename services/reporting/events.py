"""Every integration event the reporting service decides: a report's review."""

from schemas.reporting import ReportReviewed, ReportReviewedPayload
from services.reporting.domain.reviews import Review

SOURCE = "reporting"


def report_reviewed(review: Review, actor: str) -> ReportReviewed:
    """A review as decided, as its event (topic `reporting`)."""
    return ReportReviewed(
        source=SOURCE,
        actor=actor,
        payload=ReportReviewedPayload(
            review_id=review.review_id,
            period=review.period,
            part=review.part,
            company=review.company,
            reviewer=review.reviewer,
            reviewed_on=review.reviewed_on,
            capa_needed=review.capa_needed,
            reason=review.reason,
        ),
    )
