"""`/v1/reports`: the monthly satisfaction measurement report, JSON and XLSX."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.kit.http import PERIOD_PATTERN, READ_RESPONSES, field_problem
from services.kit.service import RuntimeDep
from services.reporting import handlers
from services.reporting.domain.periods import PeriodError, parse_period
from services.reporting.models import MonthlyReport, Periods
from services.reporting.settings import cutoff_day
from services.reporting.workbook import MEDIA_TYPE, render

router = APIRouter(prefix="/v1/reports", tags=["reporting"])

# Checked by the domain (`parse_period`), so a bad one gets the one 422 body
# naming the rule it breaks; the pattern is documented, not enforced here.
ReportPeriod = Annotated[
    str,
    Path(
        description="a report period YYYY-MM: the 26th of the previous month to "
        "the 25th of this one, under the default cutoff day",
        json_schema_extra={"pattern": PERIOD_PATTERN},
    ),
]
REFUSALS = READ_RESPONSES


def _report(runtime: RuntimeDep, period: str) -> MonthlyReport:
    try:
        parse_period(period)
    except PeriodError as exc:
        raise field_problem("period", str(exc)) from None
    with runtime.pool.connection() as conn:
        return handlers.monthly_report(
            conn, period=period, cutoff_day=cutoff_day(runtime.settings)
        )


# Declared before the JSON route: `{period}` alone would also match "….xlsx".
@router.get(
    "/monthly/{period}.xlsx",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **REFUSALS},
)
def get_monthly_workbook(runtime: RuntimeDep, period: ReportPeriod) -> Response:
    """The monthly report as an Excel workbook, one sheet per section."""
    return Response(
        render(_report(runtime, period)),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="report-{period}.xlsx"'},
    )


@router.get("/monthly/{period}", response_model=MonthlyReport, responses=REFUSALS)
def get_monthly_report(runtime: RuntimeDep, period: ReportPeriod) -> MonthlyReport:
    """The satisfaction measurement report of a period `YYYY-MM`.

    The period "2026-11" holds the records dated from the day after October's
    cutoff to November's (default: 2026-10-26 to 2026-11-25). Counts are
    defined in the docstrings of `services/reporting/domain/`.
    """
    return _report(runtime, period)


@router.get("/periods", response_model=Periods)
def get_periods(runtime: RuntimeDep) -> Periods:
    """Periods in which a record, failed attempt, overdue visit, ticket step or
    CAPA is dated (planned visits alone, often years ahead, do not count)."""
    with runtime.pool.connection() as conn:
        return handlers.activity_periods(conn, cutoff_day=cutoff_day(runtime.settings))
