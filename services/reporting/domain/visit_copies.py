"""Reporting's copy of a visit, and how schedule facts change it (its lifecycle).

The schedule topic announces a visit planned, moved, cancelled and gone
overdue; the report counts visits by these (`domain/visits.py`). Whether a
visit was done comes from the survey's records, counted at report time, so
the copy holds only what the schedule said:

- planned: the visit's details as planned, and the visit applies again (a
  visit planned again after a cancellation, the same visit id re-derived
  from corrected facts, counts again); an overdue day already known stays;
- rescheduled: new due and latest dates and channel; a region or product
  model it carries was learnt late, and a null in it means "not known", so
  what the copy had stays;
- cancelled: the visit no longer applies (it leaves past reports too);
- superseded: the day a record of the unit closed it unvisited (it fell due
  before that record): it counts as missed. Its kind, due and latest dates
  fill in what a copy made before its plan lacks;
- overdue: the day it went overdue. The scheduler announces it once; should
  it announce again, the visit went overdue on the first day. Its kind and
  latest date fill in what a copy made before its plan lacks.

A fact may arrive before the visit's plan (in principle: a rebuild reads the
schedule topic in order, but the copy does not depend on it), so every fact
makes a copy if there is none, and every field is None until announced.
Other schedule facts (due and escalation announcements, thresholds) leave the
copy as it is.
"""

from dataclasses import dataclass, replace
from datetime import date

from schemas.catalogue import AnyEvent
from schemas.schedule import (
    VisitCancelled,
    VisitOverdue,
    VisitPlanned,
    VisitRescheduled,
    VisitSuperseded,
)

VisitFact = (
    VisitPlanned | VisitRescheduled | VisitCancelled | VisitOverdue | VisitSuperseded
)


@dataclass(frozen=True)
class VisitCopy:
    """A visit as the schedule announced it; fields are None until announced."""

    visit_id: str
    customer_id: str
    kind: str | None = None
    due_date: date | None = None
    latest_date: date | None = None
    channel: str | None = None
    region: str | None = None
    product_model: str | None = None
    unit_id: str | None = None
    order_id: str | None = None
    ticket_id: str | None = None
    cancelled: bool = False
    overdue_on: date | None = None
    superseded_on: date | None = None


def visit_id_of(event: AnyEvent) -> str | None:
    """The visit a schedule fact changes the copy of, else None."""
    match event:
        case (
            VisitPlanned()
            | VisitRescheduled()
            | VisitCancelled()
            | VisitOverdue()
            | VisitSuperseded()
        ):
            return event.payload.visit_id
        case _:
            return None


def evolve(copy: VisitCopy | None, event: AnyEvent) -> VisitCopy | None:
    """The copy after one more schedule fact (module docstring)."""
    match event:
        case VisitPlanned(payload=p):
            base = copy or VisitCopy(visit_id=p.visit_id, customer_id=p.customer_id)
            return replace(
                base,
                kind=p.kind,
                due_date=p.due_date,
                latest_date=p.latest_date,
                channel=p.channel,
                region=p.region,
                product_model=p.product_model,
                unit_id=p.unit_id,
                order_id=p.order_id,
                ticket_id=p.ticket_id,
                cancelled=False,
            )
        case VisitRescheduled(payload=p):
            base = copy or VisitCopy(visit_id=p.visit_id, customer_id=p.customer_id)
            return replace(
                base,
                due_date=p.due_date,
                latest_date=p.latest_date,
                channel=p.channel,
                region=p.region if p.region is not None else base.region,
                product_model=(
                    p.product_model
                    if p.product_model is not None
                    else base.product_model
                ),
            )
        case VisitCancelled(payload=p):
            base = copy or VisitCopy(visit_id=p.visit_id, customer_id=p.customer_id)
            return replace(base, cancelled=True)
        case VisitOverdue(payload=p):
            base = copy or VisitCopy(visit_id=p.visit_id, customer_id=p.customer_id)
            return replace(
                base,
                kind=base.kind if base.kind is not None else p.kind,
                latest_date=(
                    base.latest_date if base.latest_date is not None else p.latest_date
                ),
                overdue_on=min(
                    d for d in (base.overdue_on, p.announced_on) if d is not None
                ),
            )
        case VisitSuperseded(payload=p):
            base = copy or VisitCopy(visit_id=p.visit_id, customer_id=p.customer_id)
            return replace(
                base,
                kind=base.kind if base.kind is not None else p.kind,
                due_date=base.due_date if base.due_date is not None else p.due_date,
                latest_date=(
                    base.latest_date if base.latest_date is not None else p.latest_date
                ),
                superseded_on=p.superseded_on,
            )
        case _:
            return copy
