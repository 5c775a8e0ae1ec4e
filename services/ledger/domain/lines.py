"""The visit ledger's rows (顾客回访台帐), from facts that arrive in any order.

A product line (a shipped unit) is stated by three kinds of fact, each
setting only its own columns: shipped (contract, model, quantity, serial
numbers, ship date, supporting equipment (配套设备: shown, never visited)),
installed (installed date), powered-on (power-on date).
So kinds commute (a powered-on before its shipped builds the same row), and a
later fact of the same kind for the same unit is a correction and wins (one
customer's facts are ordered on one partition). The first fact of a unit
names its customer.

The contract amount belongs to the contract: it is shown once per contract,
on the contract's first line (lowest unit id), never repeated per line, so a
column of amounts sums to the contracts' total (domain.md, visit ledger).

A visit record is written back into the row it is about: its unit, else its
retail order, else its ticket, else its visit; a row lists its record
numbers by visit date, then number.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from schemas.ledger import Installed, PoweredOn, Shipped
from schemas.survey import VisitCompletedPayload

UnitFact = Shipped | Installed | PoweredOn

# The columns of its line that each kind of fact states (and only those).
COLUMNS: dict[type[UnitFact], tuple[str, ...]] = {
    Shipped: (
        "contract_id",
        "product_model",
        "quantity",
        "serial_numbers",
        "ship_date",
        "supporting_equipment",
    ),
    Installed: ("installed_date",),
    PoweredOn: ("power_on_date",),
}


@dataclass(frozen=True)
class ProductLine:
    """A product line's facts, as the ledger row shows them; None until stated."""

    unit_id: str
    customer_id: str
    contract_id: str | None = None
    product_model: str | None = None
    quantity: int | None = None
    serial_numbers: tuple[str, ...] = ()
    ship_date: date | None = None
    installed_date: date | None = None
    power_on_date: date | None = None
    supporting_equipment: bool | None = None


@dataclass(frozen=True)
class Statement:
    """What one fact states about its line: the columns of its kind."""

    kind: type[UnitFact]
    unit_id: str
    customer_id: str
    values: dict[str, Any]


def statement_of(fact: UnitFact) -> Statement:
    """The columns a unit fact sets on its line."""
    p = fact.payload
    values: dict[str, Any]
    match fact:
        case Shipped(payload=s):
            values = {
                "contract_id": s.contract_id,
                "product_model": s.product_model,
                "quantity": s.quantity,
                "serial_numbers": tuple(s.serial_numbers),
                "ship_date": s.ship_date,
                "supporting_equipment": s.supporting_equipment,
            }
        case Installed(payload=i):
            values = {"installed_date": i.installed_date}
        case PoweredOn(payload=o):
            values = {"power_on_date": o.power_on_date}
    return Statement(type(fact), p.unit_id, p.customer_id, values)


def evolve(line: ProductLine | None, fact: UnitFact) -> ProductLine:
    """The line after one more fact: its kind's columns replaced, the rest kept."""
    s = statement_of(fact)
    base = line or ProductLine(unit_id=s.unit_id, customer_id=s.customer_id)
    return replace(base, **s.values)


def latest_statements(
    facts: Iterable[UnitFact],
) -> dict[type[UnitFact], dict[str, Statement]]:
    """Per kind, the last statement per unit: kinds commute and the later fact
    of a kind wins, so applying only these builds the same lines as all."""
    latest: dict[type[UnitFact], dict[str, Statement]] = {k: {} for k in COLUMNS}
    for fact in facts:
        s = statement_of(fact)
        latest[s.kind][s.unit_id] = s
    return latest


def amount_shown(
    *, unit_id: str, first_unit_of_contract: str | None, amount: Decimal | None
) -> Decimal | None:
    """The contract amount on the contract's first line only, else None."""
    return amount if unit_id == first_unit_of_contract else None


def record_subject(record: VisitCompletedPayload) -> str:
    """The ledger row a visit record is written back into."""
    return record.unit_id or record.order_id or record.ticket_id or record.visit_id


def record_numbers(records: Iterable[tuple[str, date]]) -> list[str]:
    """Record numbers `(number, visited_on)` in the row's order: by visit date,
    then number."""
    return [no for no, _ in sorted(records, key=lambda r: (r[1], r[0]))]


def first_line(unit_ids: Sequence[str]) -> str | None:
    """The line of a contract that shows its amount: the lowest unit id."""
    return min(unit_ids, default=None)
