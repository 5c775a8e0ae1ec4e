"""From the stored visits and a fresh plan to the changes to publish.

Done and superseded visits never change and are never cancelled. An open
visit (escalated included: it stays open until a record closes it) moves when
its dates or channel changed, and is cancelled when the plan no longer has
it. A cancelled visit that comes back is planned again. A region or product
model learnt after the visit was planned (facts arrive out of order) is
published as a move too, so that the survey and reporting copies of the visit
learn it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from schemas.types import VisitStatus
from services.scheduler.domain.visit import (
    FINAL,
    Visit,
    VisitPlan,
    is_open,
    open_visit,
)


@dataclass(frozen=True)
class Planned:
    """A visit to publish as planned (new, or back after a cancellation)."""

    visit: VisitPlan


@dataclass(frozen=True)
class Rescheduled:
    """An open visit whose dates, channel, region or product model changed."""

    visit: VisitPlan
    previous_due_date: date
    reason: str


@dataclass(frozen=True)
class Cancelled:
    """An open visit the plan no longer has (a corrected fact, or a new policy)."""

    customer_id: str
    visit_id: str
    due_date: date
    reason: str


Change = Planned | Rescheduled | Cancelled


def _what_moved(stored: Visit, planned: VisitPlan) -> str:
    moved = [
        f"{name} {old} -> {new}"
        for name, old, new in (
            ("due_date", stored.due_date, planned.due_date),
            ("latest_date", stored.latest_date, planned.latest_date),
            ("channel", stored.channel, planned.channel),
        )
        if old != new
    ]
    details = [
        name
        for name, old, new in (
            ("region", stored.region, planned.region),
            ("product_model", stored.product_model, planned.product_model),
        )
        if old != new
    ]
    if details:
        moved.append(f"details changed: {', '.join(details)}")
    return "; ".join(moved)


def _order(change: Change) -> tuple[date, str]:
    if isinstance(change, Cancelled):
        return change.due_date, change.visit_id
    return change.visit.due_date, change.visit.visit_id


def reconcile(
    stored: Mapping[str, Visit], planned: Iterable[VisitPlan]
) -> list[Change]:
    """The changes that bring `stored` in line with `planned`, by due date, id."""
    wanted = {p.visit_id: p for p in planned}
    changes: list[Change] = []
    for visit_id, plan in wanted.items():
        current = stored.get(visit_id)
        if current is None or current.status is VisitStatus.CANCELLED:
            changes.append(Planned(plan))
        elif current.status not in FINAL:
            moved = _what_moved(current, plan)
            if moved:
                changes.append(Rescheduled(plan, current.due_date, moved))
    changes += [
        Cancelled(
            visit.customer_id,
            visit.visit_id,
            visit.due_date,
            f"{visit.kind} no longer applies to the known facts",
        )
        for visit in stored.values()
        if visit.visit_id not in wanted and is_open(visit)
    ]
    return sorted(changes, key=_order)


def apply_changes(
    stored: Mapping[str, Visit], changes: Iterable[Change]
) -> dict[str, Visit]:
    """The stored visits after `changes`, as a read model would record them."""
    after = dict(stored)
    for change in changes:
        if isinstance(change, Cancelled):
            after[change.visit_id] = replace(
                after[change.visit_id], status=VisitStatus.CANCELLED
            )
        elif isinstance(change, Rescheduled):
            after[change.visit.visit_id] = replace(
                after[change.visit.visit_id],
                due_date=change.visit.due_date,
                latest_date=change.visit.latest_date,
                channel=change.visit.channel,
                region=change.visit.region,
                product_model=change.visit.product_model,
            )
        else:
            previous = after.get(change.visit.visit_id)
            failures = previous.failed_attempts if previous else 0
            after[change.visit.visit_id] = open_visit(change.visit, failures)
    return after
