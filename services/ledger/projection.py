"""The visit ledger's projection: which view statement each event applies.

The ledger derives no events. A batch is applied set-based, one statement
per kind of fact (`apply_batch`); one event at a time (`apply`) is the slow
path that isolates a failing event.
"""

from collections.abc import Sequence

from schemas.catalogue import LEDGER, SURVEY, AnyEvent
from schemas.envelope import Event
from schemas.ledger import ContractRegistered, Delivered, Installed, PoweredOn, Shipped
from schemas.survey import VisitCompleted
from services.kit.projection import Cursor, Projection, ViewHandler, by_event_type
from services.ledger import views
from services.ledger.domain.lines import UnitFact

HANDLERS: dict[type[Event], ViewHandler] = {
    ContractRegistered: views.apply_contract,
    Shipped: views.apply_unit_fact,
    Installed: views.apply_unit_fact,
    PoweredOn: views.apply_unit_fact,
    Delivered: views.apply_delivered,
    VisitCompleted: views.apply_record,
    # other survey events do not touch the ledger
}


apply = by_event_type(HANDLERS)


async def apply_batch(cur: Cursor, events: Sequence[AnyEvent]) -> Sequence[Event]:
    """Every kind set-based, one statement each (each writes its own table,
    so their order does not matter): unit facts (their kinds commute), the
    last contract fact per contract, deliveries and visit records; any other
    event (none today) one by one in log order."""
    unit_facts: list[UnitFact] = []
    contracts: list[ContractRegistered] = []
    deliveries: list[Delivered] = []
    records: list[VisitCompleted] = []
    rest: list[AnyEvent] = []
    for event in events:
        if isinstance(event, Shipped | Installed | PoweredOn):
            unit_facts.append(event)
        elif isinstance(event, ContractRegistered):
            contracts.append(event)
        elif isinstance(event, Delivered):
            deliveries.append(event)
        elif isinstance(event, VisitCompleted):
            records.append(event)
        else:
            rest.append(event)
    await views.apply_unit_facts(cur, unit_facts)
    await views.apply_contracts(cur, contracts)
    await views.apply_deliveries(cur, deliveries)
    await views.apply_records(cur, records)
    for event in rest:
        await apply(cur, event)
    return ()


PROJECTION = Projection(
    name="ledger", topics=(LEDGER, SURVEY), handle=apply, handle_batch=apply_batch
)
