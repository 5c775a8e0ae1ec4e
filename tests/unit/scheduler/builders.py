"""Small builders that keep the scheduler tests in domain.md's words."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain import events
from services.scheduler.domain.facts import CustomerFacts, apply_facts
from services.scheduler.domain.visit import Visit, VisitPlan, open_visit

D = date.fromisoformat


def customer(*facts: events.Fact, customer_id: str = "c1") -> CustomerFacts:
    return apply_facts(CustomerFacts(customer_id), facts)


def contract(
    contract_id: str = "K1",
    amount: str = "100000",
    registered_on: str = "2026-01-05",
    region: str = "east",
) -> events.ContractRegistered:
    return events.ContractRegistered(
        contract_id, Decimal(amount), D(registered_on), region
    )


def shipped(unit_id: str, ship_date: str, contract_id: str = "K1") -> events.Shipped:
    return events.Shipped(unit_id, contract_id, "KYN28-12", D(ship_date))


def installed(unit_id: str, installed_date: str) -> events.Installed:
    return events.Installed(unit_id, D(installed_date))


def powered_on(unit_id: str, power_on_date: str) -> events.PoweredOn:
    return events.PoweredOn(unit_id, D(power_on_date))


def delivered(
    order_id: str, delivered_date: str, store_id: str = "S1", region: str = "north"
) -> events.Delivered:
    return events.Delivered(order_id, store_id, D(delivered_date), region)


def resolved(ticket_id: str, resolved_on: str) -> events.TicketResolved:
    return events.TicketResolved(ticket_id, D(resolved_on))


def reopened(ticket_id: str, record_no: str) -> events.TicketReopened:
    return events.TicketReopened(ticket_id, record_no)


def done(
    visit_id: str,
    done_on: str,
    *,
    unresolved_by_phone: bool = False,
    channel: Channel | None = None,
) -> events.VisitCompleted:
    return events.VisitCompleted(
        visit_id, D(done_on), unresolved_by_phone=unresolved_by_phone, channel=channel
    )


def failed(visit_id: str, attempt_no: int) -> events.VisitAttemptFailed:
    return events.VisitAttemptFailed(visit_id, attempt_no)


def unit_plan(
    plan: Iterable[VisitPlan], unit_id: str = "u1"
) -> dict[VisitKind, VisitPlan]:
    return {v.kind: v for v in plan if v.unit_id == unit_id}


def dates(
    plan: dict[VisitKind, VisitPlan],
) -> dict[VisitKind, tuple[str, str]]:
    return {
        kind: (v.due_date.isoformat(), v.latest_date.isoformat())
        for kind, v in plan.items()
    }


def stored(plan: Iterable[VisitPlan], done_ids: Iterable[str] = ()) -> dict[str, Visit]:
    """The read model after publishing `plan`, with `done_ids` closed."""
    closed = set(done_ids)
    out = {}
    for visit in plan:
        status = VisitStatus.DONE if visit.visit_id in closed else VisitStatus.PLANNED
        out[visit.visit_id] = replace(open_visit(visit), status=status)
    return out


def visit(
    visit_id: str = "u1:warranty_6m",
    due: str = "2026-06-01",
    latest: str = "2026-07-01",
    *,
    kind: VisitKind = VisitKind.WARRANTY_6M,
    channel: Channel = Channel.PHONE,
    status: VisitStatus = VisitStatus.PLANNED,
    region: str | None = "east",
    failed_attempts: int = 0,
) -> Visit:
    return Visit(
        "c1",
        visit_id,
        kind,
        D(due),
        D(latest),
        channel,
        status,
        region,
        failed_attempts,
    )
