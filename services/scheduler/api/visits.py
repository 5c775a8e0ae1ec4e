"""HTTP: the visits, one or a filtered page, with history; the calendar feed."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.kit.http import (
    COMMAND_RESPONSES,
    READ_RESPONSES,
    AsOf,
    field_problem,
    not_found,
)
from services.kit.keys import READ, Principal
from services.kit.pii import shows_pii
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.scheduler import store, views
from services.scheduler.api.common import policy_of, today
from services.scheduler.ical import Lang, calendar_title, render_calendar
from services.scheduler.models import VisitDetail, VisitPage, VisitQuery

router = APIRouter(prefix="/v1", tags=["visits"], responses=READ_RESPONSES)

Reader = Annotated[Principal, Depends(require(READ))]


@router.get("/visits", response_model=VisitPage)
def get_visits(
    runtime: RuntimeDep, _: Reader, query: Annotated[VisitQuery, Query()]
) -> VisitPage:
    """Visits by due date (then id), their status derived for `as_of`."""
    if query.due_from and query.due_to and query.due_from > query.due_to:
        raise field_problem("due_to", "must not be before due_from")
    try:
        after = views.decode_page_cursor(query.cursor) if query.cursor else None
    except views.BadPageCursorError:
        raise field_problem("cursor", "not a `next` given by this API") from None
    day = today(runtime, query.as_of)
    with runtime.pool.connection() as conn:
        items = views.list_visits(
            conn,
            query,
            as_of=day,
            policy=policy_of(runtime),
            limit=query.limit + 1,
            after=after,
        )
    more = len(items) > query.limit
    items = items[: query.limit]
    return VisitPage(
        items=items, next=views.encode_page_cursor(items[-1]) if more else None
    )


@router.get("/visits.ics", response_class=Response)
def get_calendar(
    runtime: RuntimeDep,
    principal: Reader,
    *,
    visitor: Annotated[
        str | None, Query(description="of the visit's latest attempt or record")
    ] = None,
    region: str | None = None,
    as_of: AsOf = None,
    lang: Annotated[Lang, Query(description="zh (default) or en")] = "zh",
) -> Response:
    """The open visits as an iCalendar feed: an all-day event on each due date,
    titled and described in Chinese (`lang=en`: English), with the people to
    call and their phones (names and phones masked for a key without the
    `pii` scope)."""
    day = today(runtime, as_of)
    policy = policy_of(runtime)
    with runtime.pool.connection() as conn:
        rows = views.open_visits(conn, region=region, visitor=visitor)
        visits = [views.visit_read(row, day, policy, v) for v, row in rows]
        customers = sorted({v.customer_id for v in visits})
        names = store.customer_names(conn, customers)
        contacts = store.customer_contacts(conn, customers)
    body = render_calendar(
        visits,
        names,
        stamp=datetime.now(UTC),
        title=calendar_title(visitor, lang),
        contacts=contacts,
        lang=lang,
        pii=shows_pii(principal),
    )
    return Response(content=body, media_type="text/calendar; charset=utf-8")


@router.get(
    "/visits/{visit_id}",
    response_model=VisitDetail,
    responses={404: COMMAND_RESPONSES[404]},
)
def get_visit(
    runtime: RuntimeDep, _: Reader, visit_id: str, as_of: AsOf = None
) -> VisitDetail:
    """One visit, its status for `as_of`, and its history, oldest first."""
    with runtime.pool.connection() as conn:
        visit = views.one_visit(
            conn, visit_id, today(runtime, as_of), policy_of(runtime)
        )
        if visit is None:
            raise not_found("visit", visit_id)
        entries = views.history(conn, visit_id)
    return VisitDetail(**visit.model_dump(), history=entries)
