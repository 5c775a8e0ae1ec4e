"""The application layer: read the period's rows from the views, let the
domain count, answer the report's read models.

Every count is defined in the domain module that computes it:
`domain/satisfaction.py` (shares, breakdowns, retail mean score and trend,
suggestions), `domain/visits.py` (planned, done, done_late, overdue, failed
attempts) and `domain/complaints.py` (complaints and CAPAs). `records` is the
number of visit records dated in the period.
"""

from dataclasses import asdict

from services.reporting import views
from services.reporting.domain.complaints import (
    ComplaintCounts,
    count_capas,
    count_complaints,
)
from services.reporting.domain.periods import last_periods, period_bounds, periods_of
from services.reporting.domain.records import UNKNOWN, VisitRecord
from services.reporting.domain.satisfaction import (
    TREND_LENGTH,
    Satisfaction,
    Tally,
    breakdown,
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
    Periods,
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
    complaints, by_department = count_complaints(views.tickets(conn, bounds), bounds)
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
        retail_mean_score=retail_mean_score(records),
        score_trend=[
            TrendPointRead(**asdict(point))
            for point in score_trend(days, period, cutoff_day)
        ],
        visits=VisitsRead(**asdict(visits)),
        complaints=ComplaintsRead(
            **asdict(complaints),
            by_department={k: _complaints(v) for k, v in by_department.items()},
        ),
        capas=CapasRead(**asdict(count_capas(views.capas(conn, bounds), bounds))),
        suggestions=[
            SuggestionRead(**asdict(s)) for s in suggestions_and_needs(records)
        ],
    )


def _kind(record: VisitRecord) -> str:
    return record.kind.value


def activity_periods(conn: views.Connection, *, cutoff_day: int) -> Periods:
    """The periods in which something the report counts happened."""
    return Periods(
        cutoff_day=cutoff_day, periods=periods_of(views.active_days(conn), cutoff_day)
    )
