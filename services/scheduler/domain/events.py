"""What the scheduler learns about one customer, as domain events.

These carry only what the rules need; the I/O layer builds them from the
integration events in `schemas` (same names, past tense) and applies them to
the customer's `CustomerFacts` with `facts.apply_fact`. The customer id is not
repeated here: everything is partitioned, and applied, per customer.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from schemas.types import Channel, VisitKind


@dataclass(frozen=True)
class ContractRegistered:
    """A contract archived by production; `registered_on` is its business date."""

    contract_id: str
    amount: Decimal
    registered_on: date
    region: str


@dataclass(frozen=True)
class Shipped:
    """A product line (unit) left the factory."""

    unit_id: str
    contract_id: str
    product_model: str
    ship_date: date
    # 配套设备: outside the regulation's scope, no visits.
    supporting_equipment: bool = False


@dataclass(frozen=True)
class Installed:
    """A unit was installed and commissioned on site (安装调试)."""

    unit_id: str
    installed_date: date


@dataclass(frozen=True)
class PoweredOn:
    """First energisation (送电时间); a later one for the unit corrects the date."""

    unit_id: str
    power_on_date: date


@dataclass(frozen=True)
class Delivered:
    """A retail order was delivered and installed, or picked up."""

    order_id: str
    store_id: str
    delivered_date: date
    region: str | None = None


@dataclass(frozen=True)
class TicketResolved:
    """A department resolved a complaint ticket; the customer is re-visited."""

    ticket_id: str
    resolved_on: date


@dataclass(frozen=True)
class TicketReopened:
    """A dissatisfied re-visit (its record `record_no`) reopened the ticket."""

    ticket_id: str
    record_no: str


@dataclass(frozen=True)
class VisitCompleted:
    """A visit record closed a visit (an unplanned `service_visit` closes none)."""

    visit_id: str
    done_on: date
    unresolved_by_phone: bool = False
    channel: Channel | None = None
    unit_id: str | None = None
    record_no: str | None = None
    kind: VisitKind | None = None


@dataclass(frozen=True)
class VisitAttemptFailed:
    """An attempt at a visit failed (回访不成功); `attempt_no` counts from 1."""

    visit_id: str
    attempt_no: int


Fact = (
    ContractRegistered
    | Shipped
    | Installed
    | PoweredOn
    | Delivered
    | TicketResolved
    | TicketReopened
    | VisitCompleted
    | VisitAttemptFailed
)
