"""The dashboard (`/dashboard`): its page and static files, ECharts from
npm's `node_modules` (never a CDN), and the JSON it reads
(`/v1/dashboard/...`, one endpoint per widget; counts defined in
`domain/dashboard.py`)."""

from collections.abc import Callable, Hashable
from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel

from services.kit.http import PERIOD_PATTERN, READ_RESPONSES, field_problem
from services.kit.keys import READ, Principal
from services.kit.security import AUTH_RESPONSES, require
from services.kit.service import Runtime, RuntimeDep
from services.reporting import handlers
from services.reporting.api.cached import cached
from services.reporting.domain.dashboard import FilterError, Filters
from services.reporting.domain.periods import PeriodError, parse_period
from services.reporting.labels import LABELS
from services.reporting.models import (
    DashboardBreakdowns,
    DashboardCards,
    DashboardFeedback,
    DashboardSuggestions,
    DashboardTrend,
    DashboardVisits,
)
from services.reporting.settings import cutoff_day

WEB = Path(__file__).resolve().parent.parent / "web"
ECHARTS = WEB / "node_modules" / "echarts" / "dist" / "echarts.min.js"
ASSETS = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
}


api = APIRouter(prefix="/v1/dashboard", tags=["dashboard"], responses=AUTH_RESPONSES)
page = APIRouter(tags=["dashboard"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require(READ))]


def _period(period: str) -> str:
    try:
        parse_period(period)
    except PeriodError as exc:
        raise field_problem("period", str(exc)) from None
    return period


DashboardPeriod = Annotated[
    str,
    Query(
        description="a report period YYYY-MM",
        json_schema_extra={"pattern": PERIOD_PATTERN},
    ),
]


async def _filters(
    region: Annotated[str | None, Query(max_length=200)] = None,
    product_model: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    tag: Annotated[
        str | None, Query(max_length=200, description="customer tag axis:value")
    ] = None,
) -> Filters:
    try:
        return Filters(region=region, product_model=product_model, kind=kind, tag=tag)
    except FilterError as exc:
        raise field_problem("tag", str(exc)) from None


FiltersDep = Annotated[Filters, Depends(_filters)]


async def _widget(
    runtime: Runtime,
    name: str,
    compute: Callable[..., BaseModel],
    period: str,
    **params: Hashable,
) -> Response:
    """Widget `name`'s answer for `period` and `params` (handlers.`compute`
    given them and the cutoff day), from the response cache."""
    cutoff = cutoff_day(runtime.settings)
    return await cached(
        runtime,
        (name, _period(period), cutoff, *params.items()),
        partial(compute, period=period, cutoff_day=cutoff, **params),
    )


@api.get("/cards", response_model=DashboardCards, responses=READ_RESPONSES)
async def get_cards(
    runtime: RuntimeDep, _: Reader, period: DashboardPeriod, filters: FiltersDep
) -> Response:
    """Product- and service-quality satisfied shares and the retail mean
    score, each with the previous period's and the change (widget 1)."""
    return await _widget(
        runtime, "cards", handlers.dashboard_cards, period, filters=filters
    )


@api.get("/trend", response_model=DashboardTrend, responses=READ_RESPONSES)
async def get_trend(
    runtime: RuntimeDep, _: Reader, period: DashboardPeriod, filters: FiltersDep
) -> Response:
    """The three card figures over the 12 periods ending with `period` (widget 2)."""
    return await _widget(
        runtime, "trend", handlers.dashboard_trend, period, filters=filters
    )


@api.get("/breakdowns", response_model=DashboardBreakdowns, responses=READ_RESPONSES)
async def get_breakdowns(
    runtime: RuntimeDep, _: Reader, period: DashboardPeriod, filters: FiltersDep
) -> Response:
    """Satisfaction by product model, region, visit kind and each customer
    tag axis (widget 3)."""
    return await _widget(
        runtime, "breakdowns", handlers.dashboard_breakdowns, period, filters=filters
    )


@api.get("/visits", response_model=DashboardVisits, responses=READ_RESPONSES)
async def get_visits(
    runtime: RuntimeDep, _: Reader, period: DashboardPeriod, filters: FiltersDep
) -> Response:
    """Visits planned, done, done late, overdue and missed per region, and
    failed attempts by reason (widget 4)."""
    return await _widget(
        runtime, "visits", handlers.dashboard_visits, period, filters=filters
    )


@api.get("/feedback", response_model=DashboardFeedback, responses=READ_RESPONSES)
async def get_feedback(
    runtime: RuntimeDep, _: Reader, period: DashboardPeriod
) -> Response:
    """Complaints, service requests, problem reports and suggestion forms by
    department, open ones by age, complaints' SLA compliance and breaches,
    and CAPAs (widgets 5 and 6; not filtered).

    `sla` (complaints only; the SLAs are feedback's, its breaches the
    `ticket_overdue` it announces): a breach happens the day after its
    deadline and counts in that day's period, for the department the ticket
    is routed to; `resolved` = complaints resolved in the period,
    `resolved_within_sla` = those with no breach (assignment or resolution)
    on or before the period's last day, `compliance` = resolved_within_sla /
    resolved (null when none was resolved); `trend` = the same, overall, for
    the 12 periods ending with this one.

    `capas.past_due`: CAPAs still open (not verified) at the period's last
    day, that day being after their due date; listed in `past_due_capas`,
    the longest overdue first, with the days past due at that day."""
    return await _widget(runtime, "feedback", handlers.dashboard_feedback, period)


@api.get("/suggestions", response_model=DashboardSuggestions, responses=READ_RESPONSES)
async def get_suggestions(
    runtime: RuntimeDep,
    _: Reader,
    period: DashboardPeriod,
    filters: FiltersDep,
    q: Annotated[str | None, Query(max_length=200, description="search")] = None,
) -> Response:
    """The suggestions and needs of the period, searchable (widget 7)."""
    return await _widget(
        runtime,
        "suggestions",
        handlers.dashboard_suggestions,
        period,
        filters=filters,
        search=q,
    )


@api.get("/labels")
def get_labels(_: Reader) -> dict[str, dict[str, str]]:
    """The reader's words for every code, Chinese and English."""
    return {lang: dict(words) for lang, words in LABELS.items()}


@page.get("/dashboard")
def get_dashboard() -> FileResponse:
    """The dashboard page (it asks for an API key, kept in the tab's session)."""
    return FileResponse(WEB / "index.html", media_type="text/html")


@page.get("/dashboard/")
def get_dashboard_slash() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@page.get("/dashboard/static/{name}")
def get_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no asset {name}")
    return FileResponse(WEB / name, media_type=ASSETS[name])


@page.get("/dashboard/vendor/echarts.min.js")
def get_echarts() -> FileResponse:
    """Apache ECharts as npm installed it (`make web`: npm ci)."""
    if not ECHARTS.exists():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "ECharts is not installed: run `make web` "
            "(npm ci in services/reporting/web)",
        )
    return FileResponse(ECHARTS, media_type="text/javascript")
