"""A realistic stream of ledger facts: many customers, each with contracts,
the product lines shipped for them, their installation and their power-on.

The facts are ordered by business date across customers, as departments
report them, so a unit's row is touched again weeks of log later (not only
within one batch). Seeded, so every run produces the same mix.
"""

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TypedDict

from schemas.envelope import Event
from schemas.ledger import (
    Contact,
    ContractRegistered,
    ContractRegisteredPayload,
    CustomerTags,
    Installed,
    InstalledPayload,
    PoweredOn,
    PoweredOnPayload,
    Shipped,
    ShippedPayload,
)
from schemas.types import Cooperation, DecisionMaker, Interest, Strength

PRODUCTION = "production-erp"
AFTER_SALES = "after-sales-system"
REGIONS = ("east", "north", "south", "west", "central", "northeast", "southwest")
MODELS = ("KYN28-12", "KYN61-40.5", "XGN15-12", "GCS-0.4", "SCB13-1000/10")
FIRST_DAY = date(2021, 1, 4)
WINDOW_DAYS = 3 * 365


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(1, 10)), tzinfo=UTC)


class Envelope(TypedDict):
    """The envelope fields a department fills in."""

    occurred_at: datetime
    recorded_at: datetime
    source: str
    actor: str


def _envelope(day: date, source: str, rng: random.Random) -> Envelope:
    # Departments report in weekly batches, so recorded_at trails the fact.
    occurred = _at(day, rng)
    recorded = occurred + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 8))
    return Envelope(
        occurred_at=occurred,
        recorded_at=recorded,
        source=source,
        actor=f"{source}-clerk-{rng.randint(1, 20)}",
    )


def _tags(rng: random.Random) -> CustomerTags:
    if rng.random() < 0.4:
        return CustomerTags()
    return CustomerTags(
        strength=rng.choice(list(Strength)),
        decision_maker=rng.choice(list(DecisionMaker)),
        interest=rng.choice(list(Interest)),
        cooperation=rng.choice(list(Cooperation)),
    )


def _unit_facts(
    rng: random.Random, customer: str, contract: str, line: int, signed: date
) -> Iterator[tuple[date, Event]]:
    unit = f"{contract}-L{line}"
    shipped = signed + timedelta(days=rng.randint(20, 90))
    quantity = rng.randint(1, 12)
    fact: Event = Shipped(
        **_envelope(shipped, PRODUCTION, rng),
        payload=ShippedPayload(
            customer_id=customer,
            contract_id=contract,
            unit_id=unit,
            product_model=rng.choice(MODELS),
            quantity=quantity,
            serial_numbers=[f"{unit}-{i:03d}" for i in range(quantity)],
            ship_date=shipped,
        ),
    )
    yield shipped, fact
    if rng.random() > 0.95:
        return  # still on its way, or not yet reported
    installed = shipped + timedelta(days=rng.randint(7, 60))
    fact = Installed(
        **_envelope(installed, AFTER_SALES, rng),
        payload=InstalledPayload(
            customer_id=customer, unit_id=unit, installed_date=installed
        ),
    )
    yield installed, fact
    if rng.random() > 0.9:
        return
    powered = installed + timedelta(days=rng.randint(3, 45))
    # A few power-on dates are corrected by a later fact of the same kind.
    days = [powered]
    if rng.random() < 0.02:
        days.append(powered + timedelta(days=rng.randint(1, 10)))
    for day in days:
        fact = PoweredOn(
            **_envelope(day, AFTER_SALES, rng),
            payload=PoweredOnPayload(
                customer_id=customer, unit_id=unit, power_on_date=day
            ),
        )
        yield day, fact


def _customer_facts(rng: random.Random, number: int) -> Iterator[tuple[date, Event]]:
    customer = f"C{number:06d}"
    name = f"客户{number:06d}电力有限公司"
    tags = _tags(rng)
    region = rng.choice(REGIONS)
    for c in range(rng.choices((1, 2, 3), weights=(70, 22, 8))[0]):
        contract = f"{customer}-K{c}"
        signed = FIRST_DAY + timedelta(days=rng.randrange(WINDOW_DAYS))
        fact = ContractRegistered(
            **_envelope(signed, PRODUCTION, rng),
            payload=ContractRegisteredPayload(
                customer_id=customer,
                customer_name=name,
                contract_id=contract,
                project_name=f"{name} 110kV变电站工程 {c + 1}期",
                amount=Decimal(rng.randint(5_000_000, 900_000_000)) / 100,
                region=region,
                power_contact=Contact(name="李伟", phone=f"138{number:08d}"),
                substation_contact=Contact(name="王芳", phone=f"139{number:08d}"),
                signed_on=signed,
                tags=tags,
            ),
        )
        yield signed, fact
        for line in range(rng.randint(1, 5)):
            yield from _unit_facts(rng, customer, contract, line, signed)


def ledger_events(count: int, seed: int = 2024) -> list[Event]:
    """`count` valid ledger facts over as many customers as it takes."""
    rng = random.Random(seed)
    timeline: list[tuple[date, int, Event]] = []
    customer = 0
    while len(timeline) < count:
        for day, event in _customer_facts(rng, customer):
            # The sequence number keeps one customer's same-day facts in order.
            timeline.append((day, len(timeline), event))
        customer += 1
    timeline.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in timeline[:count]]
