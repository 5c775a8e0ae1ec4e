"""`/v1/reports`: the monthly satisfaction measurement report, JSON and XLSX,
and its reviews (评审)."""

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from services.kit.audit import audited
from services.kit.command import run_command
from services.kit.http import (
    COMMAND_RESPONSES,
    PERIOD_PATTERN,
    READ_RESPONSES,
    IdempotencyKey,
    Refusal,
    Wait,
    field_problem,
    unavailable,
)
from services.kit.keys import ADMIN, READ, REVIEW_REPORTS, Principal
from services.kit.security import AUTH_RESPONSES, require
from services.kit.service import RuntimeDep
from services.reporting import handlers
from services.reporting.api.cached import cached
from services.reporting.domain.periods import PeriodError, parse_period
from services.reporting.models import (
    FrozenRead,
    MonthlyReport,
    Periods,
    ReviewCreate,
    ReviewRecorded,
)
from services.reporting.printing import MEDIA_TYPE as PDF
from services.reporting.printing import (
    PrinterMissingError,
    render_html,
    render_pdf,
)
from services.reporting.settings import cutoff_day
from services.reporting.workbook import MEDIA_TYPE, render

router = APIRouter(prefix="/v1/reports", tags=["reporting"], responses=AUTH_RESPONSES)
Reader = Annotated[Principal, Depends(require(READ))]
Reviewer = Annotated[Principal, Depends(require(REVIEW_REPORTS))]
Admin = Annotated[Principal, Depends(require(ADMIN))]
Live = Annotated[
    bool,
    Query(description="recompute from the read model instead of the frozen report"),
]

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


def _frozen(runtime: RuntimeDep, period: str) -> MonthlyReport | None:
    """The frozen report of a closed period, None when it was not frozen."""
    with runtime.pool.connection() as conn:
        return handlers.report_as_handed_out(
            conn, period=period, cutoff_day=cutoff_day(runtime.settings)
        )


def _report(runtime: RuntimeDep, period: str, *, live: bool = False) -> MonthlyReport:
    """The frozen report of a closed period (unless `live`), else the live one."""
    _checked(period)
    cutoff = cutoff_day(runtime.settings)
    if not live:
        frozen = _frozen(runtime, period)
        if frozen is not None:
            return frozen
    with runtime.pool.connection() as conn:
        return handlers.monthly_report(conn, period=period, cutoff_day=cutoff)


# Declared before the JSON route: `{period}` alone would also match "….pdf".
@router.get(
    "/monthly/{period}.pdf",
    response_class=Response,
    responses={
        200: {"content": {PDF: {}}},
        **REFUSALS,
        503: {"model": Refusal, "description": "no headless Chromium on this host"},
    },
)
def get_monthly_pdf(
    runtime: RuntimeDep, _: Reader, period: ReportPeriod, live: Live = False
) -> Response:
    """The monthly report as a PDF in Chinese (顾客满意度测量报告), printed from
    the print view by headless Chromium."""
    report = _report(runtime, period, live=live)
    try:
        pdf = render_pdf(report)
    except PrinterMissingError as exc:
        raise unavailable(str(exc), retry_after_s=3600) from None
    return Response(
        pdf,
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="report-{period}.pdf"'},
    )


@router.get(
    "/monthly/{period}/print",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **REFUSALS},
)
def get_monthly_print_view(
    runtime: RuntimeDep, _: Reader, period: ReportPeriod, live: Live = False
) -> Response:
    """The monthly report as an HTML page to print, in Chinese, with the
    sections of domain.md (the frozen report, its distribution and amendments
    for a closed period)."""
    return HTMLResponse(render_html(_report(runtime, period, live=live)))


# Declared before the JSON route: `{period}` alone would also match "….xlsx".
@router.get(
    "/monthly/{period}.xlsx",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **REFUSALS},
)
def get_monthly_workbook(
    runtime: RuntimeDep,
    _: Reader,
    period: ReportPeriod,
    live: Live = False,
    lang: Annotated[
        Literal["zh", "en"],
        Query(description="labels: Chinese (default) or English"),
    ] = "zh",
) -> Response:
    """The monthly report as an Excel workbook, one sheet per section, its
    labels in Chinese (or English with `lang=en`)."""
    return Response(
        render(_report(runtime, period, live=live), lang=lang),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="report-{period}.xlsx"'},
    )


@router.get("/monthly/{period}", response_model=MonthlyReport, responses=REFUSALS)
async def get_monthly_report(
    runtime: RuntimeDep, _: Reader, period: ReportPeriod, live: Live = False
) -> MonthlyReport | Response:
    """The satisfaction measurement report of a period `YYYY-MM`.

    The period "2026-11" holds the records dated from the day after October's
    cutoff to November's (default: 2026-10-26 to 2026-11-25). Counts are
    defined in the docstrings of `services/reporting/domain/`.

    A closed period's report is the one frozen the day after its cutoff, as
    handed out (`frozen`: when, its hash, the log positions it was built from,
    who received it), with `amendments`: records dated in the period that
    arrived later, listed, never counted into it. `live=true` recomputes.
    """
    _checked(period)
    if not live:
        frozen = await run_in_threadpool(_frozen, runtime, period)
        if frozen is not None:
            return frozen
    cutoff = cutoff_day(runtime.settings)
    return await cached(
        runtime,
        ("report", period, cutoff),
        partial(handlers.monthly_report, period=period, cutoff_day=cutoff),
    )


@router.post(
    "/monthly/{period}/freeze",
    response_model=FrozenRead,
    responses=REFUSALS,
)
def post_freeze(runtime: RuntimeDep, _: Admin, period: ReportPeriod) -> FrozenRead:
    """Freeze the period's report now (the daily job does it the day after the
    cutoff); when it is frozen already, the first freeze stands and is
    answered."""
    _checked(period)
    with runtime.pool.connection() as conn:
        kept = handlers.freeze(
            conn,
            period=period,
            cutoff_day=cutoff_day(runtime.settings),
            views_schema=runtime.schema,
            frozen_on=runtime.settings.today(),
            now=datetime.now(UTC),
        )
    return handlers.frozen_read(kept)


@router.get("/periods", response_model=Periods)
def get_periods(runtime: RuntimeDep, _: Reader) -> Periods:
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
    principal: Reviewer,
    *,
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
        actor=principal.actor,
    )
    return run_command(
        runtime,
        scope="reporting.record_review",
        request={"period": period, "body": body.model_dump(mode="json")},
        key=key,
        decide=audited(
            principal,
            partial(
                handlers.record_review,
                command=command,
                cutoff_day=cutoff_day(runtime.settings),
            ),
        ),
        answer_type=ReviewRecorded,
        status_code=status.HTTP_201_CREATED,
        wait=wait,
    )
