"""What-if: how plans would differ under another policy (e.g. a new threshold).

Pure replay: the same facts planned under both policies, compared visit by
visit. Done visits are compared too, so the answer also says what would have
been different in the past; filter on the caller's side if only open ones
matter.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.visit import VisitPlan


class Difference(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"  # due or latest date differs
    CHANNEL_CHANGED = "channel_changed"


@dataclass(frozen=True)
class PlanDifference:
    """One difference of one visit; a visit both moved and re-channelled has two."""

    customer_id: str
    visit_id: str
    difference: Difference
    current: VisitPlan | None
    changed: VisitPlan | None


def _compare(current: VisitPlan | None, changed: VisitPlan | None) -> list[Difference]:
    if current is None:
        return [Difference.ADDED]
    if changed is None:
        return [Difference.REMOVED]
    found = []
    if (current.due_date, current.latest_date) != (
        changed.due_date,
        changed.latest_date,
    ):
        found.append(Difference.MOVED)
    if current.channel != changed.channel:
        found.append(Difference.CHANNEL_CHANGED)
    return found


def diff_plans(
    facts_by_customer: Mapping[str, CustomerFacts],
    current_policy: Policy,
    changed_policy: Policy,
) -> list[PlanDifference]:
    """Every difference, by customer id, then visit id, then kind of difference."""
    out = []
    for customer_id in sorted(facts_by_customer):
        facts = facts_by_customer[customer_id]
        current = {v.visit_id: v for v in plan_customer(facts, current_policy)}
        changed = {v.visit_id: v for v in plan_customer(facts, changed_policy)}
        for visit_id in sorted(current.keys() | changed.keys()):
            before, after = current.get(visit_id), changed.get(visit_id)
            out += [
                PlanDifference(customer_id, visit_id, kind, before, after)
                for kind in _compare(before, after)
            ]
    return out
