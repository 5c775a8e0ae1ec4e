"""The application layer: read the period's rows from the views, let the
domain count, answer the report's read models.

Every count is defined in the domain module that computes it:
`domain/satisfaction.py` (shares, breakdowns by model, kind, region,
customer, tag and company, retail mean score and trend, suggestions),
`domain/visits.py` (planned, done, done_late, overdue, missed, failed
attempts), `domain/complaints.py` (each kind of form, and CAPAs),
`domain/opportunities.py` and `domain/reviews.py`. `records` is the number of
visit records dated in the period.

The one command, a review of a report's part, is decided here against the
store (`record_review`), inside the kit's `run_command` transaction.
"""

from dataclasses import asdict, dataclass
from datetime import date
from uuid import uuid4

from schemas.types import FeedbackForm, ReportPart
from services.kit.command import Conn, Decision
from services.kit.http import field_problem
from services.reporting import events, store, views
from services.reporting.domain.complaints import (
    ComplaintCounts,
    count_capas,
    count_forms,
)
from services.reporting.domain.opportunities import opportunities
from services.reporting.domain.periods import last_periods, period_bounds, periods_of
from services.reporting.domain.records import UNKNOWN, VisitRecord
from services.reporting.domain.reviews import (
    Review,
    ReviewRefused,
    capas_by_review,
    decide_review,
)
from services.reporting.domain.satisfaction import (
    TREND_LENGTH,
    Satisfaction,
    Tally,
    breakdown,
    by_company,
    by_tags,
    measure,
    retail_mean_score,
    score_trend,
    suggestions_and_needs,
)
from services.reporting.domain.visits import count_visits
from services.reporting.models import (
    CapasRead,
    ComplaintCountsRead,
    ComplaintsRead,
    CustomerSatisfactionRead,
    MonthlyReport,
    OpportunityRead,
    Periods,
    ReviewRead,
    ReviewRecorded,
    SatisfactionRead,
    SuggestionRead,
    TallyRead,
    TrendPointRead,
    VisitsRead,
)


def _tally(t: Tally) -> TallyRead:
    return TallyRead(
        satisfied=t.satisfied,
        neutral=t.neutral,
        dissatisfied=t.dissatisfied,
        rated=t.rated,
        shares=t.shares(),
    )


def _satisfaction(s: Satisfaction) -> SatisfactionRead:
    return SatisfactionRead(
        records=s.records,
        product_quality=_tally(s.product_quality),
        service_quality=_tally(s.service_quality),
        mean_score=s.mean_score,
    )


def _complaints(c: ComplaintCounts) -> ComplaintCountsRead:
    return ComplaintCountsRead(**asdict(c))


def _forms(
    counted: tuple[ComplaintCounts, dict[str, ComplaintCounts]],
) -> ComplaintsRead:
    total, by_department = counted
    return ComplaintsRead(
        **asdict(total),
        by_department={k: _complaints(v) for k, v in by_department.items()},
    )


def _reviews(conn: views.Connection, period: str) -> list[ReviewRead]:
    found = views.reviews(conn, period)
    capas = capas_by_review(views.reviewed_capas(conn, [r.review_id for r in found]))
    return [
        ReviewRead(
            review_id=r.review_id,
            part=r.part,
            company=r.company,
            reviewer=r.reviewer,
            reviewed_on=r.reviewed_on,
            capa_needed=r.capa_needed,
            reason=r.reason,
            capa_ids=capas.get(r.review_id, []),
        )
        for r in found
    ]


def monthly_report(
    conn: views.Connection, *, period: str, cutoff_day: int
) -> MonthlyReport:
    """The satisfaction measurement report of one period, as of now."""
    # One snapshot for all the queries, so that sections agree with each other
    # while the projection keeps applying events.
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    bounds = period_bounds(period, cutoff_day)
    records = views.records(conn, bounds)
    overall = measure(records)
    by_customer = breakdown(records, lambda r: r.customer_id)
    names = views.customer_names(conn, [c for c in by_customer if c != UNKNOWN])
    first = last_periods(period, TREND_LENGTH)[0]
    days = views.day_scores(conn, period_bounds(first, cutoff_day)[0], bounds[1])
    visits = count_visits(
        bounds=bounds,
        visits=views.visits(conn, bounds),
        records=records,
        failures=views.failures(conn, bounds),
    )
    forms = count_forms(views.tickets(conn, bounds), bounds)
    return MonthlyReport(
        period=period,
        start=bounds[0],
        end=bounds[1],
        cutoff_day=cutoff_day,
        records=overall.records,
        product_quality=_tally(overall.product_quality),
        service_quality=_tally(overall.service_quality),
        by_product_model={
            k: _satisfaction(v)
            for k, v in breakdown(records, lambda r: r.product_model).items()
        },
        by_kind={k: _satisfaction(v) for k, v in breakdown(records, _kind).items()},
        by_region={
            k: _satisfaction(v)
            for k, v in breakdown(records, lambda r: r.region).items()
        },
        by_customer={
            k: CustomerSatisfactionRead(
                **_satisfaction(v).model_dump(), customer_name=names.get(k)
            )
            for k, v in by_customer.items()
        },
        by_tag={
            axis: {k: _satisfaction(v) for k, v in groups.items()}
            for axis, groups in by_tags(records).items()
        },
        by_company={k: _satisfaction(v) for k, v in by_company(records).items()},
        retail_mean_score=retail_mean_score(records),
        score_trend=[
            TrendPointRead(**asdict(point))
            for point in score_trend(days, period, cutoff_day)
        ],
        visits=VisitsRead(**asdict(visits)),
        complaints=_forms(forms[FeedbackForm.COMPLAINT]),
        service_requests=_forms(forms[FeedbackForm.SERVICE_REQUEST]),
        problem_reports=_forms(forms[FeedbackForm.PROBLEM_REPORT]),
        suggestion_forms=_forms(forms[FeedbackForm.SUGGESTION]),
        capas=CapasRead(**asdict(count_capas(views.capas(conn, bounds), bounds))),
        suggestions=[
            SuggestionRead(**asdict(s)) for s in suggestions_and_needs(records)
        ],
        opportunities=[
            OpportunityRead(**asdict(o)) for o in opportunities(records, bounds)
        ],
        reviews=_reviews(conn, period),
    )


def _kind(record: VisitRecord) -> str:
    return record.kind.value


def activity_periods(conn: views.Connection, *, cutoff_day: int) -> Periods:
    """The periods in which something the report counts happened."""
    return Periods(
        cutoff_day=cutoff_day, periods=periods_of(views.active_days(conn), cutoff_day)
    )


@dataclass(frozen=True)
class RecordReview:
    """A review of one part of a period's report (`domain/reviews.py`)."""

    period: str
    part: ReportPart
    company: str | None
    reviewer: str
    reviewed_on: date
    capa_needed: bool
    reason: str
    actor: str


def record_review(
    conn: Conn, *, command: RecordReview, cutoff_day: int
) -> Decision[ReviewRecorded]:
    """Decide a review into the store; its `report_reviewed` goes to the outbox
    in the same transaction. Refused (422 naming the field) by the domain."""
    candidate = Review(
        review_id=f"RV-{command.period}-{uuid4().hex[:12].upper()}",
        period=command.period,
        part=command.part,
        company=command.company,
        reviewer=command.reviewer,
        reviewed_on=command.reviewed_on,
        capa_needed=command.capa_needed,
        reason=command.reason,
    )
    try:
        review = decide_review(candidate, period_bounds(command.period, cutoff_day)[1])
    except ReviewRefused as exc:
        raise field_problem(exc.field, exc.rule) from None
    store.insert_review(conn, review)
    event = events.report_reviewed(review, command.actor)
    return Decision(
        ReviewRecorded(review_id=review.review_id, event_id=str(event.event_id)),
        [event],
    )
