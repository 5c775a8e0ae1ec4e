"""The scheduler's application layer: its reaction to other services' facts,
the daily tick, and the policy what-if. I/O is passed in (a cursor or a
connection in the caller's transaction); the rules are the domain's.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import psycopg

from schemas.catalogue import AnyEvent
from schemas.envelope import Event
from schemas.types import VisitStatus
from services.kit.outbox import enqueue, rows_of
from services.scheduler import store
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.status import announcements
from services.scheduler.domain.step import take_fact
from services.scheduler.domain.visit import Visit
from services.scheduler.domain.whatif import PlanDifference, diff_plans
from services.scheduler.events import derived_events, notice_event
from services.scheduler.translate import (
    business_date,
    contacts,
    customer_name,
    to_fact,
)

log = logging.getLogger(__name__)

Conn = psycopg.Connection[Any]


class Reactions:
    """The scheduler's decision on each fact of the ledger, survey and
    feedback, bound to the policy the plans are made under."""

    def __init__(self, policy: Policy, timezone: str) -> None:
        self.policy = policy
        self.timezone = timezone

    async def __call__(
        self, cur: psycopg.AsyncCursor[Any], event: AnyEvent
    ) -> Sequence[Event]:
        """Translate, load the customer, take the fact, save; the events it
        derives go to the outbox in the same transaction (the kit's runner)."""
        await store.save_contacts(cur, contacts(event))
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
            cur, outcome, customer, customer_name=customer_name(event)
        )
        return derived


@dataclass(frozen=True)
class Announced:
    """One notice the tick gave."""

    visit: Visit
    notice: VisitStatus  # DUE or OVERDUE
    event: Event


def tick(conn: Conn, as_of: date, *, topic_prefix: str) -> list[Announced]:
    """Announce every due and overdue visit of `as_of` not announced before.

    Runs in the caller's transaction: the announcements and their outbox rows
    commit together, and concurrent ticks wait for each other, so each visit
    is announced due once and overdue once whoever ticks and however often.
    """
    store.lock_tick(conn)
    visits = {v.visit_id: v for v in store.pending_visits(conn, as_of)}
    already = store.announced(conn, list(visits))
    found = [
        Announced(
            visits[visit_id], notice, notice_event(visits[visit_id], notice, as_of)
        )
        for visit_id, notice in announcements(visits.values(), as_of, already)
    ]
    store.record_announcements(
        conn, [(a.visit.visit_id, a.notice, as_of, a.event.event_id) for a in found]
    )
    enqueue(conn, rows_of([a.event for a in found], topic_prefix))
    if found:
        log.info(
            "tick announced", extra={"as_of": as_of.isoformat(), "count": len(found)}
        )
    return found


@dataclass(frozen=True)
class WhatIfAnswer:
    changed: Policy
    customers: int
    differences: list[PlanDifference]


def what_if(
    conn: Conn,
    current: Policy,
    overrides: Mapping[str, Any],
    *,
    customer_id: str | None,
    include_done: bool,
) -> WhatIfAnswer:
    """Replay the customers' facts (the store's) under changed policy numbers.

    Visits already done are left out unless `include_done`: a record closed
    them whatever the policy would have said.
    """
    suffix = ",".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    changed = replace(
        current, version=f"{current.version}+what-if:{suffix}", **overrides
    )
    facts = store.customers_facts(conn, customer_id)
    done = set() if include_done else store.done_visit_ids(conn)
    return WhatIfAnswer(
        changed=changed,
        customers=len(facts),
        differences=[
            d for d in diff_plans(facts, current, changed) if d.visit_id not in done
        ],
    )
