"""The command side: the reviews (评审) of monthly reports as decided, and
the frozen reports (as handed out).
Authoritative and never rebuilt; a review is written in the transaction that
writes its `report_reviewed` event to the outbox (kit/command.py)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

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


# The frozen reports (migrations/store/002_frozen_reports.sql): inserted once
# per period, never updated; a second freeze finds the first.
INSERT_FROZEN = """
INSERT INTO frozen_reports (period, body, content_hash, positions, record_nos,
    distribution, frozen_on, frozen_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (period) DO NOTHING
"""
SELECT_FROZEN = """
SELECT period, body, content_hash, positions, record_nos, distribution,
       frozen_on, frozen_at
FROM frozen_reports WHERE period = %s
"""


@dataclass(frozen=True)
class FrozenReport:
    """A frozen report as stored (`body` is its canonical JSON)."""

    period: str
    body: str
    content_hash: str
    positions: list[dict[str, Any]]
    record_nos: list[str]
    distribution: list[dict[str, Any]]
    frozen_on: date
    frozen_at: datetime


def insert_frozen(conn: Conn, frozen: FrozenReport) -> None:
    """Keep a period's frozen report, unless one is kept already."""
    conn.execute(
        INSERT_FROZEN,
        (
            frozen.period,
            frozen.body,
            frozen.content_hash,
            Jsonb(frozen.positions),
            frozen.record_nos,
            Jsonb(frozen.distribution),
            frozen.frozen_on,
            frozen.frozen_at,
        ),
    )


def frozen_report(conn: Conn, period: str) -> FrozenReport | None:
    """The period's frozen report, if it was frozen."""
    row = conn.execute(SELECT_FROZEN, (period,)).fetchone()
    return FrozenReport(*row) if row else None
