"""The command side: the reviews (评审) of monthly reports as decided.
Authoritative and never rebuilt; a review is written in the transaction that
writes its `report_reviewed` event to the outbox (kit/command.py)."""

from typing import Any

import psycopg

from services.reporting.domain.reviews import Review

Conn = psycopg.Connection[Any]

INSERT_REVIEW = """
INSERT INTO report_reviews (review_id, period, part, company, reviewer,
    reviewed_on, capa_needed, reason)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""


def insert_review(conn: Conn, review: Review) -> None:
    """Keep a review as decided."""
    conn.execute(
        INSERT_REVIEW,
        (
            review.review_id,
            review.period,
            review.part,
            review.company,
            review.reviewer,
            review.reviewed_on,
            review.capa_needed,
            review.reason,
        ),
    )
