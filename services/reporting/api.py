"""HTTP: the monthly satisfaction measurement report, as JSON and as XLSX."""

from fastapi import APIRouter, HTTPException, Response, status

from services.kit.service import RuntimeDep
from services.reporting import queries
from services.reporting.domain.periods import PeriodError, parse_period, periods_of
from services.reporting.models import MonthlyReport, Periods
from services.reporting.report import monthly_report
from services.reporting.settings import cutoff_day
from services.reporting.workbook import MEDIA_TYPE, render

router = APIRouter(prefix="/v1/reports", tags=["reporting"])


def checked_period(period: str) -> str:
    """The period if it is `YYYY-MM`, else a 422 naming the field and the rule."""
    try:
        parse_period(period)
    except PeriodError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"field": "period", "rule": str(exc)}],
        ) from None
    return period


def build(runtime: RuntimeDep, period: str) -> MonthlyReport:
    """The report of a checked period under the configured cutoff day."""
    with runtime.pool.connection() as conn:
        return monthly_report(
            conn, period=checked_period(period), cutoff_day=cutoff_day(runtime.settings)
        )


# Declared before the JSON route: `{period}` alone would also match "….xlsx".
@router.get(
    "/monthly/{period}.xlsx",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}},
)
def get_monthly_workbook(runtime: RuntimeDep, period: str) -> Response:
    """The monthly report as an Excel workbook, one sheet per section."""
    report = build(runtime, period)
    return Response(
        render(report),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="report-{period}.xlsx"'},
    )


@router.get("/monthly/{period}", response_model=MonthlyReport)
def get_monthly_report(runtime: RuntimeDep, period: str) -> MonthlyReport:
    """The satisfaction measurement report of a period `YYYY-MM`.

    The period "2026-11" holds the records dated from the day after October's
    cutoff to November's (default: 2026-10-26 to 2026-11-25). Counts are
    defined in the docstrings of `services/reporting/domain/`.
    """
    return build(runtime, period)


@router.get("/periods", response_model=Periods)
def get_periods(runtime: RuntimeDep) -> Periods:
    """Periods in which a record, failed attempt, overdue visit, ticket step or
    CAPA is dated (planned visits alone, often years ahead, do not count)."""
    cutoff = cutoff_day(runtime.settings)
    with runtime.pool.connection() as conn:
        days = queries.active_days(conn)
    return Periods(cutoff_day=cutoff, periods=periods_of(days, cutoff))
