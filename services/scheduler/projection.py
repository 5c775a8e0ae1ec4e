"""The scheduler's read model and the events it derives.

Per event: translate it into the domain's fact (most events translate to
nothing), load the customer's facts and stored visits, `take_fact`, write the
outcome and return the derived events; the kit publishes them before the
batch's transaction commits. The schedule topic is not consumed: what the
scheduler published follows from what it consumed.
"""

from collections.abc import Sequence

from schemas.catalogue import FEEDBACK, LEDGER, SURVEY, AnyEvent
from schemas.envelope import Event
from services.kit.projection import Cursor, Projection
from services.scheduler import store
from services.scheduler.derive import derived_events
from services.scheduler.domain.policy import Policy
from services.scheduler.step import take_fact
from services.scheduler.translate import business_date, customer_name, to_fact


class ScheduleProjection:
    """The projection's handler, bound to the policy the plans are made under."""

    def __init__(self, policy: Policy, timezone: str) -> None:
        self.policy = policy
        self.timezone = timezone

    async def __call__(self, cur: Cursor, event: AnyEvent) -> Sequence[Event]:
        fact = to_fact(event, self.timezone)
        if fact is None:
            return ()
        # Every event the rules read is keyed by its customer.
        customer = await store.load_customer(cur, event.key)
        outcome = take_fact(customer.facts, customer.visits, fact, self.policy)
        derived = derived_events(
            outcome,
            event,
            on=business_date(event, self.timezone),
            policy=self.policy,
        )
        await store.save_customer(
            cur,
            outcome,
            customer,
            cause=event,
            derived=derived,
            customer_name=customer_name(event),
        )
        return derived


def schedule_projection(policy: Policy, timezone: str) -> Projection:
    """The scheduler's projection of the ledger, survey and feedback topics."""
    return Projection(
        name="scheduler",
        topics=(LEDGER, SURVEY, FEEDBACK),
        handle=ScheduleProjection(policy, timezone),
    )
