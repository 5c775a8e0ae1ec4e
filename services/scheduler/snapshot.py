"""A customer's `CustomerFacts` as JSON, the form it is stored in.

The scheduler keeps one JSONB snapshot per customer rather than its facts in
normalised tables: the domain reads and replaces the whole aggregate on every
event, and a what-if replays every customer's. Dates are ISO strings and
amounts decimal strings, so a round trip is exact.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from schemas.types import Channel, VisitKind
from services.scheduler.domain.facts import (
    Contract,
    CustomerFacts,
    Reopenings,
    RetailOrder,
    Unit,
    VisitOutcome,
)

Json = dict[str, Any]


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _must_day(value: str) -> date:
    return date.fromisoformat(value)


def dump_facts(facts: CustomerFacts) -> Json:
    """The snapshot of a customer's facts."""
    return {
        "customer_id": facts.customer_id,
        "contracts": {
            k: {
                "amount": str(c.amount),
                "registered_on": c.registered_on.isoformat(),
                "region": c.region,
            }
            for k, c in facts.contracts.items()
        },
        "units": {
            k: {
                "contract_id": u.contract_id,
                "product_model": u.product_model,
                "ship_date": _day(u.ship_date),
                "installed_date": _day(u.installed_date),
                "power_on_date": _day(u.power_on_date),
                "supporting_equipment": u.supporting_equipment,
            }
            for k, u in facts.units.items()
        },
        "orders": {
            k: {
                "store_id": o.store_id,
                "delivered_date": o.delivered_date.isoformat(),
                "region": o.region,
            }
            for k, o in facts.orders.items()
        },
        "resolutions": {
            k: [d.isoformat() for d in days] for k, days in facts.resolutions.items()
        },
        "reopenings": {
            k: {"record_nos": list(r.record_nos), "answered": r.answered}
            for k, r in facts.reopenings.items()
        },
        "outcomes": {
            k: {
                "done_on": o.done_on.isoformat(),
                "unresolved_by_phone": o.unresolved_by_phone,
                "channel": o.channel.value if o.channel is not None else None,
                "unit_id": o.unit_id,
                "record_no": o.record_no,
                "kind": o.kind.value if o.kind is not None else None,
            }
            for k, o in facts.outcomes.items()
        },
        "failed_attempts": dict(facts.failed_attempts),
    }


def load_facts(data: Json) -> CustomerFacts:
    """A customer's facts from their snapshot."""
    return CustomerFacts(
        customer_id=data["customer_id"],
        contracts={
            k: Contract(
                k, Decimal(c["amount"]), _must_day(c["registered_on"]), c["region"]
            )
            for k, c in data["contracts"].items()
        },
        units={
            k: Unit(
                k,
                contract_id=u["contract_id"],
                product_model=u["product_model"],
                ship_date=_parse_day(u["ship_date"]),
                installed_date=_parse_day(u["installed_date"]),
                power_on_date=_parse_day(u["power_on_date"]),
                # Snapshots written before the flag was kept have none.
                supporting_equipment=bool(u.get("supporting_equipment", False)),
            )
            for k, u in data["units"].items()
        },
        orders={
            k: RetailOrder(
                k, o["store_id"], _must_day(o["delivered_date"]), o["region"]
            )
            for k, o in data["orders"].items()
        },
        resolutions={
            k: tuple(_must_day(d) for d in days)
            for k, days in data["resolutions"].items()
        },
        # Snapshots written before reopenings were kept have none.
        reopenings={
            k: Reopenings(tuple(r["record_nos"]), int(r["answered"]))
            for k, r in data.get("reopenings", {}).items()
        },
        outcomes={
            k: VisitOutcome(
                _must_day(o["done_on"]),
                o["unresolved_by_phone"],
                Channel(o["channel"]) if o["channel"] is not None else None,
                o["unit_id"],
                o.get("record_no"),
                VisitKind(o["kind"]) if o.get("kind") is not None else None,
            )
            for k, o in data["outcomes"].items()
        },
        failed_attempts={k: int(n) for k, n in data["failed_attempts"].items()},
    )
