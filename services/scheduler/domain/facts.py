"""What is known about one customer (the aggregate), built by applying facts.

Facts arrive out of order and duplicated. Each kind of fact fills its own
fields, so shipped / installed / powered-on of a unit commute and a duplicate
changes nothing; a later fact about the same thing (a corrected power-on date)
replaces the earlier one, in the per-customer order the caller guarantees.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar, assert_never

from schemas.types import Channel, VisitKind
from services.scheduler.domain import events
from services.scheduler.domain.policy import UNPLANNED_KINDS


@dataclass(frozen=True)
class Contract:
    contract_id: str
    amount: Decimal
    registered_on: date
    region: str


@dataclass(frozen=True)
class Unit:
    """A product line; its fields fill in as the departments report them."""

    unit_id: str
    contract_id: str | None = None
    product_model: str | None = None
    ship_date: date | None = None
    installed_date: date | None = None
    power_on_date: date | None = None
    # 配套设备 (as the latest shipment says): no visits.
    supporting_equipment: bool = False


@dataclass(frozen=True)
class RetailOrder:
    order_id: str
    store_id: str
    delivered_date: date
    region: str | None = None


@dataclass(frozen=True)
class VisitOutcome:
    """What a visit record said; `channel` is the one it was really made by.

    `record_no` and `kind` are unknown (None) in snapshots written before
    they were kept."""

    done_on: date
    unresolved_by_phone: bool = False
    channel: Channel | None = None
    unit_id: str | None = None
    record_no: str | None = None
    kind: VisitKind | None = None


@dataclass(frozen=True)
class Reopenings:
    """The records that reopened a ticket, and how many were resolved since."""

    record_nos: tuple[str, ...] = ()
    answered: int = 0

    @property
    def pending(self) -> bool:
        """Reopened and not resolved again yet."""
        return len(self.record_nos) > self.answered


@dataclass(frozen=True)
class CustomerFacts:
    """Everything the scheduler knows about one customer. Never mutated."""

    customer_id: str
    contracts: Mapping[str, Contract] = field(default_factory=dict)
    units: Mapping[str, Unit] = field(default_factory=dict)
    orders: Mapping[str, RetailOrder] = field(default_factory=dict)
    # ticket id -> one date per resolution, ascending: one revisit each. A
    # date repeats when the ticket was reopened and resolved again that day.
    resolutions: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    # ticket id -> its reopenings (the records that reopened it) and how many
    # of them a resolution has answered since.
    reopenings: Mapping[str, Reopenings] = field(default_factory=dict)
    outcomes: Mapping[str, VisitOutcome] = field(default_factory=dict)
    # visit id -> highest attempt number reported failed (= failures so far).
    failed_attempts: Mapping[str, int] = field(default_factory=dict)


_V = TypeVar("_V")


def _put(mapping: Mapping[str, _V], key: str, value: _V) -> dict[str, _V]:
    return {**mapping, key: value}


def _unit(facts: CustomerFacts, unit_id: str) -> Unit:
    return facts.units.get(unit_id) or Unit(unit_id)


def _resolved(facts: CustomerFacts, fact: events.TicketResolved) -> CustomerFacts:
    """One more revisit per resolution, whatever its date.

    A resolution answering a reopening is a new one even on the date of the
    last (issue 7, failure 4: keyed by date, it planned nothing and the ticket
    stayed resolved forever). Otherwise a resolution on a known date is the
    same one resent and adds nothing; on a new date it is a new one.
    """
    known = facts.resolutions.get(fact.ticket_id, ())
    reopened = facts.reopenings.get(fact.ticket_id, Reopenings())
    if reopened.pending:
        reopened = replace(reopened, answered=len(reopened.record_nos))
    elif fact.resolved_on in known:
        return facts
    dates = tuple(sorted((*known, fact.resolved_on)))
    return replace(
        facts,
        resolutions=_put(facts.resolutions, fact.ticket_id, dates),
        reopenings=(
            _put(facts.reopenings, fact.ticket_id, reopened)
            if reopened.record_nos
            else facts.reopenings
        ),
    )


def apply_fact(facts: CustomerFacts, fact: events.Fact) -> CustomerFacts:
    """Return the customer's facts with `fact` taken into account."""
    match fact:
        case events.ContractRegistered():
            contract = Contract(
                fact.contract_id, fact.amount, fact.registered_on, fact.region
            )
            return replace(
                facts, contracts=_put(facts.contracts, fact.contract_id, contract)
            )
        case events.Shipped():
            unit = replace(
                _unit(facts, fact.unit_id),
                contract_id=fact.contract_id,
                product_model=fact.product_model,
                ship_date=fact.ship_date,
                supporting_equipment=fact.supporting_equipment,
            )
            return replace(facts, units=_put(facts.units, fact.unit_id, unit))
        case events.Installed():
            unit = replace(
                _unit(facts, fact.unit_id), installed_date=fact.installed_date
            )
            return replace(facts, units=_put(facts.units, fact.unit_id, unit))
        case events.PoweredOn():
            unit = replace(_unit(facts, fact.unit_id), power_on_date=fact.power_on_date)
            return replace(facts, units=_put(facts.units, fact.unit_id, unit))
        case events.Delivered():
            order = RetailOrder(
                fact.order_id, fact.store_id, fact.delivered_date, fact.region
            )
            return replace(facts, orders=_put(facts.orders, fact.order_id, order))
        case events.TicketResolved():
            return _resolved(facts, fact)
        case events.TicketReopened():
            reopened = facts.reopenings.get(fact.ticket_id, Reopenings())
            if fact.record_no in reopened.record_nos:
                return facts  # the same reopening, resent
            reopened = replace(
                reopened, record_nos=(*reopened.record_nos, fact.record_no)
            )
            return replace(
                facts, reopenings=_put(facts.reopenings, fact.ticket_id, reopened)
            )
        case events.VisitCompleted():
            if fact.kind in UNPLANNED_KINDS:
                # An unplanned visit (6.2.7) closes no planned visit and
                # changes no plan: the scheduler has nothing to learn from it.
                return facts
            outcome = VisitOutcome(
                fact.done_on,
                fact.unresolved_by_phone,
                fact.channel,
                fact.unit_id,
                fact.record_no,
                fact.kind,
            )
            return replace(facts, outcomes=_put(facts.outcomes, fact.visit_id, outcome))
        case events.VisitAttemptFailed():
            # The highest attempt number, not a running count: a redelivered
            # failure must not count twice, and order does not matter.
            seen = max(facts.failed_attempts.get(fact.visit_id, 0), fact.attempt_no)
            return replace(
                facts, failed_attempts=_put(facts.failed_attempts, fact.visit_id, seen)
            )
        case _:
            assert_never(fact)


def apply_facts(facts: CustomerFacts, new: Iterable[events.Fact]) -> CustomerFacts:
    """Apply facts in the order given (the customer's event order)."""
    for fact in new:
        facts = apply_fact(facts, fact)
    return facts
