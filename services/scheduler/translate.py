"""From the integration events on the log to the domain's facts.

The domain's events carry only what the rules need. A contract's date is the
business date of its registration (`occurred_at` in the company's time zone):
the threshold counts from the day the company knew of the contract, which is
when production archived it. Events the rules do not need (complaints, a
ticket's steps other than its resolution and reopening, CAPAs, the
scheduler's own) translate to None.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from schemas.catalogue import AnyEvent
from schemas.envelope import Event
from schemas.feedback import TicketReopened, TicketResolved
from schemas.ledger import ContractRegistered, Delivered, Installed, PoweredOn, Shipped
from schemas.survey import VisitAttemptFailed, VisitCompleted
from services.scheduler.domain import events


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date of an instant in the company's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def to_fact(event: AnyEvent, timezone: str) -> events.Fact | None:
    """The domain fact an event reports, or None if the rules ignore it."""
    match event:
        case ContractRegistered(payload=p):
            return events.ContractRegistered(
                p.contract_id,
                p.amount,
                local_date(event.occurred_at, timezone),
                p.region,
            )
        case Shipped(payload=p):
            return events.Shipped(
                p.unit_id,
                p.contract_id,
                p.product_model,
                p.ship_date,
                supporting_equipment=p.supporting_equipment,
            )
        case Installed(payload=p):
            return events.Installed(p.unit_id, p.installed_date)
        case PoweredOn(payload=p):
            return events.PoweredOn(p.unit_id, p.power_on_date)
        case Delivered(payload=p):
            return events.Delivered(p.order_id, p.store_id, p.delivered_date, p.region)
        case TicketResolved(payload=p):
            return events.TicketResolved(p.ticket_id, p.resolved_on)
        case TicketReopened(payload=p):
            return events.TicketReopened(p.ticket_id, p.record_no)
        case VisitCompleted(payload=p):
            return events.VisitCompleted(
                p.visit_id,
                p.visited_on,
                unresolved_by_phone=p.unresolved_by_phone,
                channel=p.channel,
                unit_id=p.unit_id,
                record_no=p.record_no,
                kind=p.kind,
            )
        case VisitAttemptFailed(payload=p):
            return events.VisitAttemptFailed(p.visit_id, p.attempt_no)
        case _:
            return None


def business_date(event: Event, timezone: str) -> date:
    """The day the fact happened: its payload's date, else its `occurred_at`."""
    match event:
        case Shipped(payload=p):
            return p.ship_date
        case Installed(payload=p):
            return p.installed_date
        case PoweredOn(payload=p):
            return p.power_on_date
        case Delivered(payload=p):
            return p.delivered_date
        case TicketResolved(payload=p):
            return p.resolved_on
        case TicketReopened(payload=p):
            return p.reopened_on
        case VisitCompleted(payload=p):
            return p.visited_on
        case VisitAttemptFailed(payload=p):
            return p.attempted_on
        case _:
            return local_date(event.occurred_at, timezone)


def customer_name(event: Event) -> str | None:
    """The customer's name, when the event carries it (for summaries)."""
    match event:
        case ContractRegistered(payload=p):
            return p.customer_name
        case Delivered(payload=p):
            return p.customer_name
        case _:
            return None


# (customer id, contract or order id, role, name, phone)
ContactRow = tuple[str, str, str, str | None, str]


def contacts(event: Event) -> list[ContactRow]:
    """The people to call that the event names (for the calendar feed)."""
    match event:
        case ContractRegistered(payload=p):
            return [
                (p.customer_id, p.contract_id, role, c.name, c.phone)
                for role, c in (
                    ("power", p.power_contact),
                    ("substation", p.substation_contact),
                )
            ]
        case Delivered(payload=p) if p.phone is not None:
            return [(p.customer_id, p.order_id, "retail", p.customer_name, p.phone)]
        case _:
            return []
