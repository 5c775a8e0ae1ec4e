"""`/v1/reports`: the monthly satisfaction measurement report, JSON and XLSX,
and its reviews (评审)."""

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from services.kit.command import run_command
from services.kit.http import (
    COMMAND_RESPONSES,
    PERIOD_PATTERN,
    READ_RESPONSES,
    IdempotencyKey,
    Wait,
    field_problem,
)
from services.kit.service import RuntimeDep
from services.reporting import handlers
from services.reporting.domain.periods import PeriodError, parse_period
from services.reporting.models import (
    MonthlyReport,
    Periods,
    ReviewCreate,
    ReviewRecorded,
)
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


def _checked(period: str) -> None:
    try:
        parse_period(period)
    except PeriodError as exc:
        raise field_problem("period", str(exc)) from None


def _report(runtime: RuntimeDep, period: str) -> MonthlyReport:
    _checked(period)
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
def get_monthly_workbook(
    runtime: RuntimeDep,
    period: ReportPeriod,
    lang: Annotated[
        Literal["zh", "en"],
        Query(description="labels: Chinese (default) or English"),
    ] = "zh",
) -> Response:
    """The monthly report as an Excel workbook, one sheet per section, its
    labels in Chinese (or English with `lang=en`)."""
    return Response(
        render(_report(runtime, period), lang=lang),
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


@router.post(
    "/monthly/{period}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewRecorded,
    responses=COMMAND_RESPONSES,
)
def post_review(
    runtime: RuntimeDep,
    period: ReportPeriod,
    body: ReviewCreate,
    wait: Wait = False,
    key: IdempotencyKey = None,
) -> ReviewRecorded:
    """Record the review (评审) of one part of the period's report: the
    product-quality part by a producing company (`company`), the service-quality
    and suggestions parts by the quality department; who, when, whether a CAPA
    is needed and why. Published as `report_reviewed`; the report lists it,
    with the CAPAs opened with its `review_id`."""
    _checked(period)
    command = handlers.RecordReview(
        period=period,
        part=body.part,
        company=body.company,
        reviewer=body.reviewer,
        reviewed_on=body.reviewed_on or runtime.settings.today(),
        capa_needed=body.capa_needed,
        reason=body.reason,
        actor=body.reviewer,
    )
    return run_command(
        runtime,
        scope="reporting.record_review",
        request={"period": period, "body": body.model_dump(mode="json")},
        key=key,
        decide=partial(
            handlers.record_review,
            command=command,
            cutoff_day=cutoff_day(runtime.settings),
        ),
        answer_type=ReviewRecorded,
        status_code=status.HTTP_201_CREATED,
        wait=wait,
    )
