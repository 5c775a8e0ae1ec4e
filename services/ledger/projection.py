"""The visit ledger's projection: which view statement each event applies.

The ledger derives no events. Unit facts also have a set-based batch path
(one statement per kind, `views.apply_unit_facts`); everything else applies
one event at a time, in log order.
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
    """Unit facts set-based (their kinds commute), the last contract fact per
    contract, then the rest one by one in log order (each its own table)."""
    unit_facts: list[UnitFact] = []
    contracts: dict[str, ContractRegistered] = {}  # the later one wins
    rest: list[AnyEvent] = []
    for event in events:
        if isinstance(event, Shipped | Installed | PoweredOn):
            unit_facts.append(event)
        elif isinstance(event, ContractRegistered):
            contracts[event.payload.contract_id] = event
        else:
            rest.append(event)
    await views.apply_unit_facts(cur, unit_facts)
    for event in [*contracts.values(), *rest]:
        await apply(cur, event)
    return ()


PROJECTION = Projection(
    name="ledger", topics=(LEDGER, SURVEY), handle=apply, handle_batch=apply_batch
)
