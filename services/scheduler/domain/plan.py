"""A customer's plan: every visit the rules ask for, given what is known."""

import hashlib
from dataclasses import replace
from datetime import date

from schemas.types import Channel, VisitKind
from services.scheduler.domain.channel import choose_channels
from services.scheduler.domain.facts import CustomerFacts, Unit
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.schedule import (
    Slot,
    followup_slot,
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


def _unit_region(facts: CustomerFacts, unit: Unit) -> str | None:
    # The region is the contract's; until the shipment names the contract,
    # the customer's own region stands in.
    contract = facts.contracts.get(unit.contract_id or "")
    return contract.region if contract else customer_region(facts)


# A derived id's limit (schemas.limits.MAX_DERIVED_ID).
MAX_VISIT_ID = 128


def followup_id(unit_id: str, record_no: str | None, recorded_on: date) -> str:
    """One on-site follow-up per record: named by the unit and the record
    (its date for a record kept before record numbers were). A name too
    long for a visit id ends in a digest of the record instead."""
    record = record_no or recorded_on.isoformat()
    name = f"{unit_id}:{VisitKind.ON_SITE_FOLLOWUP}:{record}"
    if len(name) <= MAX_VISIT_ID:
        return name
    digest = hashlib.sha256(record.encode()).hexdigest()[:24]
    return f"{unit_id}:{VisitKind.ON_SITE_FOLLOWUP}:{digest}"


def _followups(
    facts: CustomerFacts, policy: Policy, unit_drafts: list[VisitPlan]
) -> list[VisitPlan]:
    """An `on_site_followup` of the unit for each record "not solvable by phone".

    The unit is the record's (or its visit's, as planned), a unit the ledger
    told of and not supporting equipment. Records without a unit (a retail
    follow-up, a revisit) only turn the next visit on site.
    """
    by_id = {d.visit_id: d for d in unit_drafts}
    out = []
    for visit_id, outcome in sorted(facts.outcomes.items()):
        if not outcome.unresolved_by_phone:
            continue
        recorded = by_id.get(visit_id)
        unit_id = outcome.unit_id or (recorded.unit_id if recorded else None)
        if unit_id is None:
            continue
        unit = facts.units.get(unit_id)
        if unit is None or unit.supporting_equipment:
            continue
        out.append(
            _draft(
                facts,
                policy,
                followup_id(unit_id, outcome.record_no, outcome.done_on),
                followup_slot(outcome.done_on, policy),
                unit_id=unit_id,
                region=_unit_region(facts, unit),
                product_model=unit.product_model,
            )
        )
    return out


def _drafts(facts: CustomerFacts, policy: Policy) -> list[VisitPlan]:
    home = customer_region(facts)
    drafts: list[VisitPlan] = []
    for unit in facts.units.values():
        region = _unit_region(facts, unit)
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
    drafts += _followups(facts, policy, drafts)
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
