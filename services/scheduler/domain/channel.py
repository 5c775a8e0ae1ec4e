"""Phone or on site: domain.md's channel rules for one customer's visits."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from schemas.types import Channel, EscalationTarget, VisitKind
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.status import escalation_target
from services.scheduler.domain.visit import VisitPlan


def threshold_crossed_on(facts: CustomerFacts, policy: Policy) -> date | None:
    """The registration date of the contract that took the total to the threshold.

    Contracts are summed in the order they were registered (then by contract
    id, so that a tie is still deterministic); None while below it.
    """
    total = Decimal(0)
    for contract in sorted(
        facts.contracts.values(), key=lambda c: (c.registered_on, c.contract_id)
    ):
        total += contract.amount
        if total >= policy.on_site_threshold:
            return contract.registered_on
    return None


def _position(visit: VisitPlan) -> tuple[date, str]:
    return visit.due_date, visit.visit_id


def _done_after(facts: CustomerFacts, visit_id: str, day: date) -> bool:
    outcome = facts.outcomes.get(visit_id)
    return outcome is None or outcome.done_on > day


def visits_after_unresolved(
    facts: CustomerFacts, drafts: Sequence[VisitPlan]
) -> set[str]:
    """Ids of the visits that follow a record "not solvable by phone".

    "The next visit" is the first, by due date, of the visits that come after
    the recorded one in the schedule and were not yet made when the record
    was written: of the same unit for a unit's visit, of the whole customer
    for a retail follow-up or a revisit. An older visit still open does not
    count: the problem was found after it. The on-site follow-up the record
    plans is not "the next visit": the next one of the schedule is.
    """
    by_id = {d.visit_id: d for d in drafts}
    targets = set()
    for visit_id, outcome in facts.outcomes.items():
        if not outcome.unresolved_by_phone:
            continue
        recorded = by_id.get(visit_id)
        unit_id = outcome.unit_id or (recorded.unit_id if recorded else None)
        # A record of a visit the plan no longer has sits at its own date.
        after = _position(recorded) if recorded else (outcome.done_on, "")
        later = [
            d
            for d in drafts
            if (unit_id is None or d.unit_id == unit_id)
            and d.kind is not VisitKind.ON_SITE_FOLLOWUP
            and _position(d) > after
            and _done_after(facts, d.visit_id, outcome.done_on)
        ]
        if later:
            targets.add(min(later, key=_position).visit_id)
    return targets


def choose_channels(
    facts: CustomerFacts, drafts: Sequence[VisitPlan], policy: Policy
) -> dict[str, Channel]:
    """visit id -> channel. A done visit keeps the channel its record names.

    Without a recorded channel, a done visit is taken to have followed the
    rules as they stood: on site by the threshold only if done on or after
    the day it was crossed.
    """
    crossed = threshold_crossed_on(facts, policy)
    after_unresolved = visits_after_unresolved(facts, drafts)
    channels = {}
    for draft in drafts:
        outcome = facts.outcomes.get(draft.visit_id)
        if outcome is not None and outcome.channel is not None:
            channels[draft.visit_id] = outcome.channel
            continue
        by_threshold = crossed is not None and (
            outcome is None or outcome.done_on >= crossed
        )
        escalated_on_site = (
            outcome is None
            and facts.failed_attempts.get(draft.visit_id, 0)
            >= policy.max_failed_attempts
            and escalation_target(draft.kind) is EscalationTarget.ON_SITE
        )
        on_site = (
            draft.kind in policy.on_site_kinds
            or by_threshold
            or draft.visit_id in after_unresolved
            or escalated_on_site
        )
        channels[draft.visit_id] = Channel.ON_SITE if on_site else Channel.PHONE
    return channels
