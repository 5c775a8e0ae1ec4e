"""The sample: a few dozen customers with contracts, shipments, installations,
power-ons and retail deliveries, dated relative to "today" so that visits are
due, overdue and planned whatever day the demo runs.

Event ids are derived from the facts, so running the demo twice appends the
same facts again and every service recognises them as already applied.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

REGIONS = ("华东 east", "华北 north", "华南 south", "西南 southwest")
MODELS = ("KYN28-12", "XGN15-12", "GGD-0.4", "SCB13-1000")
SURNAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang")


@dataclass(frozen=True)
class Sample:
    """What the demo sends: ledger facts, as the departments would."""

    facts: list[dict[str, Any]]
    industrial_customers: int
    retail_customers: int
    units: int


def _event(type_: str, payload: dict[str, Any], source: str) -> dict[str, Any]:
    identity = f"followup-demo|{type_}|{sorted(payload.items())}"
    return {
        "event_id": str(uuid5(NAMESPACE_URL, identity)),
        "type": type_,
        "version": 1,
        "source": source,
        "actor": "demo",
        "payload": payload,
    }


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(100000000, 999999999)}"


def build(today: date, seed: int = 7) -> Sample:
    """Contracts, units and orders of 24 industrial and 8 retail customers."""
    rng = random.Random(seed)
    facts: list[dict[str, Any]] = []
    units = 0
    for c in range(1, 25):
        customer = f"C{c:03d}"
        region = REGIONS[c % len(REGIONS)]
        # The first three customers are large: their contracts add up to more
        # than 3,000,000, so every visit of theirs is on site.
        contracts = 2 if c <= 3 else rng.choice((1, 1, 2))
        for k in range(1, contracts + 1):
            contract_id = f"K{c:03d}-{k}"
            amount = (
                rng.randint(1_600_000, 2_400_000)
                if c <= 3
                else rng.randint(150_000, 1_200_000)
            )
            facts.append(
                _event(
                    "contract_registered",
                    {
                        "customer_id": customer,
                        "customer_name": f"{region[:2]}电力 {customer}",
                        "contract_id": contract_id,
                        "project_name": f"{customer} 变电站 {k} 期",
                        "amount": f"{amount}.00",
                        "region": region,
                        "power_contact": {
                            "name": f"{rng.choice(SURNAMES)} Wei",
                            "phone": _phone(rng),
                        },
                        "substation_contact": {
                            "name": f"{rng.choice(SURNAMES)} Fang",
                            "phone": _phone(rng),
                        },
                    },
                    "erp-production",
                )
            )
            for u in range(1, rng.choice((1, 2)) + 1):
                unit = f"U{c:03d}-{k}-{u}"
                units += 1
                shipped = today - timedelta(days=rng.randint(20, 600))
                facts.append(
                    _event(
                        "shipped",
                        {
                            "customer_id": customer,
                            "contract_id": contract_id,
                            "unit_id": unit,
                            "product_model": rng.choice(MODELS),
                            "quantity": rng.randint(1, 12),
                            "ship_date": shipped.isoformat(),
                        },
                        "erp-production",
                    )
                )
                installed = shipped + timedelta(days=rng.randint(7, 25))
                if installed <= today:
                    facts.append(
                        _event(
                            "installed",
                            {
                                "customer_id": customer,
                                "unit_id": unit,
                                "installed_date": installed.isoformat(),
                            },
                            "after-sales",
                        )
                    )
                powered = installed + timedelta(days=rng.randint(3, 30))
                if powered <= today:
                    facts.append(
                        _event(
                            "powered_on",
                            {
                                "customer_id": customer,
                                "unit_id": unit,
                                "power_on_date": powered.isoformat(),
                            },
                            "after-sales",
                        )
                    )
    for r in range(1, 9):
        customer = f"R{r:03d}"
        delivered = today - timedelta(days=rng.randint(3, 20))
        facts.append(
            _event(
                "delivered",
                {
                    "customer_id": customer,
                    "store_id": f"S{r % 3 + 1:02d}",
                    "order_id": f"O{r:04d}",
                    "delivered_date": delivered.isoformat(),
                    "mode": rng.choice(("delivery", "delivery", "pickup")),
                    "customer_name": f"{rng.choice(SURNAMES)} 女士",
                    "phone": _phone(rng),
                    "region": REGIONS[r % len(REGIONS)],
                },
                "retail-pos",
            )
        )
    # The weekly batch arrives in no particular order, as it does on Fridays.
    rng.shuffle(facts)
    return Sample(facts=facts, industrial_customers=24, retail_customers=8, units=units)
