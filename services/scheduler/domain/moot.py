"""Moot visits: a record supersedes the unit's open visits that fell due
before it (domain.md: a trial-run visit still open when the 6-month visit is
made is moot). They leave the worklist as `superseded` and count as missed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.visit import VisitPlan


@dataclass(frozen=True)
class Supersession:
    """Which record made a visit moot."""

    by_visit_id: str
    by_record_no: str | None  # None: a record kept before numbers were
    on: date  # the record's date


@dataclass(frozen=True, order=True)
class _Record:
    done_on: date
    visit_id: str
    unit_id: str
    record_no: str | None


def _unit_records(
    facts: CustomerFacts, plan: Sequence[VisitPlan], policy: Policy
) -> list[_Record]:
    by_id = {p.visit_id: p for p in plan}
    records = []
    for visit_id, outcome in facts.outcomes.items():
        recorded = by_id.get(visit_id)
        unit_id = outcome.unit_id or (recorded.unit_id if recorded else None)
        kind = outcome.kind or (recorded.kind if recorded else None)
        if unit_id is None or kind not in policy.superseding_kinds:
            continue
        records.append(_Record(outcome.done_on, visit_id, unit_id, outcome.record_no))
    return sorted(records, key=lambda r: (r.done_on, r.visit_id))


def supersessions(
    facts: CustomerFacts, plan: Sequence[VisitPlan], policy: Policy
) -> dict[str, Supersession]:
    """visit id -> the earliest record of its unit made after its due date,
    for every visit of the plan that no record closed.

    Strictly after: a visit due on the day of the record is not moot. Only
    the unit's own visits (schedule and on-site follow-ups) are superseded,
    by records of the kinds `policy.superseding_kinds`.
    """
    records = _unit_records(facts, plan, policy)
    out = {}
    for visit in plan:
        if visit.unit_id is None or visit.visit_id in facts.outcomes:
            continue
        later = next(
            (
                r
                for r in records
                if r.unit_id == visit.unit_id and visit.due_date < r.done_on
            ),
            None,
        )
        if later is not None:
            out[visit.visit_id] = Supersession(
                later.visit_id, later.record_no, later.done_on
            )
    return out
