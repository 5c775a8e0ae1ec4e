"""The service centre's worklist: open visits gathered into batches (集中回访).

A batch is one region and one channel, made on one day, and no visit in it
may be made after its latest date (due + one month for industrial units).
Retail follow-ups are never batched with industrial visits: they belong to
the store's designated visitor (统一指定专人), so a batch of them is one
store's. So
a batch gathers visits whose [due, latest] windows share a day; a visit
already overdue can only be made at once, so its window is `as_of` itself.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from schemas.types import Channel, VisitStatus
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.status import visit_status
from services.scheduler.domain.visit import Visit


@dataclass(frozen=True)
class Batch:
    """Visits to make together on any day from `first_day` to `last_day`."""

    region: str | None
    channel: Channel
    visits: tuple[Visit, ...]  # overdue first, then by due date and id
    first_day: date
    last_day: date
    has_overdue: bool
    store_id: str | None = None  # a batch of one store's retail follow-ups


def _window(visit: Visit, as_of: date) -> tuple[date, date]:
    return max(visit.due_date, as_of), max(visit.latest_date, as_of)


def _batch(
    visits: list[Visit], as_of: date, policy: Policy, day: date, store_id: str | None
) -> Batch:
    overdue = {
        v.visit_id
        for v in visits
        if visit_status(v, as_of, policy) is VisitStatus.OVERDUE
    }
    ordered = sorted(
        visits, key=lambda v: (v.visit_id not in overdue, v.due_date, v.visit_id)
    )
    first_day = max(_window(v, as_of)[0] for v in visits)
    return Batch(
        visits[0].region,
        visits[0].channel,
        tuple(ordered),
        first_day,
        day,
        bool(overdue),
        store_id,
    )


def _stab(
    visits: list[Visit], as_of: date, policy: Policy, store_id: str | None
) -> list[Batch]:
    # Greedy interval stabbing: the window that closes first fixes the day,
    # and takes along every other window open on that day. Fewest batches.
    # The days only grow, so the windows are taken in order of their
    # opening: one pass over each order, not one pass per batch.
    by_end = sorted(
        visits, key=lambda v: (_window(v, as_of)[1], v.due_date, v.visit_id)
    )
    by_start = sorted(visits, key=lambda v: _window(v, as_of)[0])
    taken_ids: set[str] = set()
    batches = []
    i = 0
    for first in by_end:
        if first.visit_id in taken_ids:
            continue
        day = _window(first, as_of)[1]
        taken = []
        while i < len(by_start) and _window(by_start[i], as_of)[0] <= day:
            taken.append(by_start[i])
            taken_ids.add(by_start[i].visit_id)
            i += 1
        batches.append(_batch(taken, as_of, policy, day, store_id))
    return batches


def gather_batches(
    visits: Iterable[Visit],
    as_of: date,
    *,
    until: date | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> list[Batch]:
    """Batch the visits due or overdue on `as_of` (and due by `until`, if given).

    Escalated visits are left out: they belong to whom they were escalated to.
    Kinds outside `policy.batchable_kinds` (pre_power_on, trial_run,
    on_site_followup) are made one by one; `policy.retail_kinds` are batched
    per store, never with industrial visits. Batches with overdue visits
    first, then by earliest due date.
    """
    horizon = max(as_of, until or as_of)
    groups: dict[tuple[str, Channel, str, str | None], list[Visit]] = {}
    for visit in visits:
        status = visit_status(visit, as_of, policy)
        wanted = status in (VisitStatus.DUE, VisitStatus.OVERDUE) or (
            status is VisitStatus.PLANNED and visit.due_date <= horizon
        )
        if not wanted:
            continue
        alone = "" if visit.kind in policy.batchable_kinds else visit.visit_id
        # None: industrial; a store's id (or "") for its retail follow-ups.
        store = (visit.store_id or "") if visit.kind in policy.retail_kinds else None
        key = (visit.region or "", visit.channel, alone, store)
        groups.setdefault(key, []).append(visit)
    batches = [
        b
        for (_, _, _, store), group in groups.items()
        for b in _stab(group, as_of, policy, store or None)
    ]
    return sorted(batches, key=batch_key)


BatchKey = tuple[bool, date, str, str, str]


def batch_key(batch: Batch) -> BatchKey:
    """A batch's place in the worklist: overdue first, then by earliest due
    date, region, channel and first visit; no two batches share it."""
    return (
        not batch.has_overdue,
        min(v.due_date for v in batch.visits),
        batch.region or "",
        batch.channel,
        batch.visits[0].visit_id,
    )


def page_of(
    batches: list[Batch], limit: int, after: BatchKey | None = None
) -> tuple[list[Batch], bool]:
    """Up to `limit` whole batches after `after` (in `gather_batches`'
    order), and whether more follow."""
    rest = [b for b in batches if after is None or batch_key(b) > after]
    return rest[:limit], len(rest) > limit
