"""A customer's plan: every visit the rules ask for, given what is known."""

from dataclasses import replace

from schemas.types import Channel
from services.scheduler.domain.channel import choose_channels
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.schedule import (
    Slot,
    retail_slot,
    revisit_slots,
    unit_slots,
)
from services.scheduler.domain.visit import VisitPlan


def customer_region(facts: CustomerFacts) -> str | None:
    """The customer's region when its contracts and orders name only one."""
    regions = {c.region for c in facts.contracts.values()}
    regions |= {o.region for o in facts.orders.values() if o.region is not None}
    return regions.pop() if len(regions) == 1 else None


def _draft(
    facts: CustomerFacts, policy: Policy, visit_id: str, slot: Slot, **refs: str | None
) -> VisitPlan:
    # PHONE until `choose_channels` has seen the whole plan.
    return VisitPlan(
        customer_id=facts.customer_id,
        visit_id=visit_id,
        kind=slot.kind,
        due_date=slot.due_date,
        latest_date=slot.latest_date,
        channel=Channel.PHONE,
        policy_version=policy.version,
        **refs,
    )


def _drafts(facts: CustomerFacts, policy: Policy) -> list[VisitPlan]:
    home = customer_region(facts)
    drafts = []
    for unit in facts.units.values():
        # The region is the contract's; until the shipment names the
        # contract, the customer's own region stands in.
        contract = facts.contracts.get(unit.contract_id or "")
        region = contract.region if contract else home
        drafts += [
            _draft(
                facts,
                policy,
                f"{unit.unit_id}:{slot.kind}",
                slot,
                unit_id=unit.unit_id,
                region=region,
                product_model=unit.product_model,
            )
            for slot in unit_slots(unit, policy)
        ]
    for order in facts.orders.values():
        slot = retail_slot(order)
        drafts.append(
            _draft(
                facts,
                policy,
                f"{order.order_id}:{slot.kind}",
                slot,
                order_id=order.order_id,
                store_id=order.store_id,
                region=order.region or home,
            )
        )
    for ticket_id, resolved_on in facts.resolutions.items():
        for n, slot in enumerate(revisit_slots(resolved_on, policy), start=1):
            drafts.append(
                _draft(
                    facts,
                    policy,
                    f"{ticket_id}:{slot.kind}:{n}",
                    slot,
                    ticket_id=ticket_id,
                    region=home,
                )
            )
    return drafts


def plan_customer(
    facts: CustomerFacts, policy: Policy = DEFAULT_POLICY
) -> list[VisitPlan]:
    """Every visit the rules ask for, done ones included, by due date then id.

    A visit whose due date has passed is planned all the same (it is due or
    overdue at once); `reconcile` decides what is new, moved or cancelled.
    """
    drafts = _drafts(facts, policy)
    channels = choose_channels(facts, drafts, policy)
    planned = [replace(d, channel=channels[d.visit_id]) for d in drafts]
    return sorted(planned, key=lambda v: (v.due_date, v.visit_id))
