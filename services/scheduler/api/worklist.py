"""HTTP: what to do now, gathered into batches (集中回访), overdue first."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.kit.http import (
    READ_RESPONSES,
    AsOf,
    IsoDate,
    Limit,
    PageCursor,
    field_problem,
)
from services.kit.keys import READ, Principal
from services.kit.security import require
from services.kit.service import RuntimeDep
from services.scheduler import views
from services.scheduler.api.common import policy_of, today
from services.scheduler.domain.worklist import batch_key, gather_batches, page_of
from services.scheduler.models import BatchRead, Worklist

router = APIRouter(prefix="/v1", tags=["worklist"], responses=READ_RESPONSES)


@router.get("/worklist", response_model=Worklist)
def get_worklist(
    runtime: RuntimeDep,
    _: Annotated[Principal, Depends(require(READ))],
    *,
    as_of: AsOf = None,
    region: str | None = None,
    visitor: Annotated[
        str | None, Query(description="of the visit's latest attempt or record")
    ] = None,
    until: Annotated[
        IsoDate | None, Query(description="also gather visits due by this day")
    ] = None,
    limit: Annotated[Limit, Query(description="batches per page")] = 100,
    after: PageCursor = None,
) -> Worklist:
    """The due and overdue visits (and those due by `until`) in batches.

    A batch is one region and one channel, made on one day from `first_day`
    to `last_day`, so that no visit in it is made after its latest date.
    Escalated visits are not listed: they belong to whom they went to.
    Retail follow-ups are batched per store (`store_id`), never with
    industrial visits.

    A page holds up to `limit` whole batches (a batch is never split, so a
    page may hold more than `limit` visits); give its `next` as `after` for
    the following batches.
    """
    try:
        cursor = views.decode_batch_cursor(after) if after else None
    except views.BadPageCursorError:
        raise field_problem("after", "not a `next` given by this API") from None
    day = today(runtime, as_of)
    policy = policy_of(runtime)
    with runtime.pool.connection() as conn:
        if until is None or until <= day:
            # Only due and overdue visits: the page's batches only are read.
            rows, more = views.worklist_now(
                conn,
                as_of=day,
                policy=policy,
                region=region,
                visitor=visitor,
                limit=limit,
                after=cursor,
            )
        else:
            rows = views.open_visits(
                conn, region=region, visitor=visitor, until=max(day, until)
            )
            more = None
    row_of = {v.visit_id: row for v, row in rows}
    batches, more_gathered = page_of(
        gather_batches([v for v, _ in rows], day, until=until, policy=policy),
        limit,
        cursor,
    )
    more = more_gathered if more is None else more
    # Only the visits gathered are shown (not the escalated ones).
    reads = {
        v.visit_id: views.visit_read(row_of[v.visit_id], day, policy, v)
        for b in batches
        for v in b.visits
    }
    return Worklist(
        as_of=day,
        batches=[
            BatchRead(
                region=b.region,
                channel=b.channel,
                first_day=b.first_day,
                last_day=b.last_day,
                has_overdue=b.has_overdue,
                store_id=b.store_id,
                visits=[reads[v.visit_id] for v in b.visits],
            )
            for b in batches
        ],
        next=views.encode_batch_cursor(batch_key(batches[-1])) if more else None,
    )
