"""Due and latest dates of each kind of visit (domain.md's schedule rules)."""

from dataclasses import dataclass
from datetime import date, timedelta

from schemas.types import VisitKind
from services.scheduler.domain.calendar import (
    add_months,
    monday_after_week_of,
    sunday_of_week,
)
from services.scheduler.domain.facts import RetailOrder, Unit
from services.scheduler.domain.policy import Anchor, PastWarrantyEnd, Policy


@dataclass(frozen=True)
class Slot:
    """When one visit is to be made: due on `due_date`, overdue after `latest_date`."""

    kind: VisitKind
    due_date: date
    latest_date: date


def warranty_end(unit: Unit, policy: Policy) -> date | None:
    """End of the 质保期: the earlier of power-on + 12 and ship + 18 months.

    Unknown before power-on. While the shipment is not yet reported (a
    powered-on can arrive first), power-on + 12 months stands in; the shipped
    fact may then bring the end forward, and the plan moves with it.
    """
    if unit.power_on_date is None:
        return None
    by_power_on = add_months(unit.power_on_date, policy.warranty_months_from_power_on)
    if unit.ship_date is None:
        return by_power_on
    by_ship = add_months(unit.ship_date, policy.warranty_months_from_ship)
    return min(by_power_on, by_ship)


def unit_slots(unit: Unit, policy: Policy) -> list[Slot]:
    """The industrial visits that the unit's known facts allow, in table order.

    Supporting equipment (配套设备) is outside the regulation's scope: none.
    """
    if unit.supporting_equipment:
        return []
    power_on = unit.power_on_date
    end = warranty_end(unit, policy)
    anchors = {
        Anchor.INSTALLED: unit.installed_date,
        Anchor.POWER_ON: power_on,
        Anchor.WARRANTY_END: end,
    }
    slots = []
    for row in policy.industrial_schedule:
        start = anchors[row.anchor]
        if start is None:
            continue
        due = add_months(start, row.months)
        if end is not None and due > end:
            if row.past_warranty_end is PastWarrantyEnd.DROP:
                continue
            if row.past_warranty_end is PastWarrantyEnd.CAP:
                due = end
        # Power-on more than 18 months after shipping ends the warranty before
        # the unit ever ran: no visit of a running unit is due before it runs.
        if (
            row.anchor is not Anchor.INSTALLED
            and power_on is not None
            and due < power_on
        ):
            continue
        latest = add_months(due, policy.industrial_tolerance_months)
        slots.append(Slot(row.kind, due, latest))
    return slots


def retail_slot(order: RetailOrder) -> Slot:
    """Due the Monday after the delivery week; overdue after that week's Sunday."""
    due = monday_after_week_of(order.delivered_date)
    return Slot(VisitKind.RETAIL_FOLLOWUP, due, sunday_of_week(due))


def revisit_slots(resolved_on: tuple[date, ...], policy: Policy) -> list[Slot]:
    """One revisit per resolution: due that day, overdue 7 days after it."""
    tolerance = timedelta(days=policy.revisit_tolerance_days)
    return [Slot(VisitKind.REVISIT, d, d + tolerance) for d in resolved_on]


def followup_slot(recorded_on: date, policy: Policy) -> Slot:
    """An on-site follow-up of a problem the phone could not solve: due the
    policy's days after the record, overdue its tolerance after that."""
    due = recorded_on + timedelta(days=policy.on_site_followup_days)
    latest = due + timedelta(days=policy.on_site_followup_tolerance_days)
    return Slot(VisitKind.ON_SITE_FOLLOWUP, due, latest)
