"""The ledger's application layer: accept facts, read the ledger.

Accepting facts publishes them straight to the log (department facts are
log-first: their only invariant is their event id); `publish` and `wait` are
passed in. Reads take a connection and let the domain shape the rows.
"""

from collections.abc import Callable, Sequence
from typing import Any

from schemas.envelope import Event
from services.kit.producer import Position
from services.ledger import views
from services.ledger.domain.facts import (
    OutsideScopeError,
    acted_by,
    conflicting,
    items_of,
    stores_outside,
    types_outside,
    validate,
)
from services.ledger.domain.lines import amount_shown, record_numbers
from services.ledger.models import Accepted, Contact, LedgerPage, LedgerRow, RetailOrder


class ConflictingFactsError(ValueError):
    """Event ids the ledger applied with other content (409)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} conflicting duplicate(s)")
        self.errors = errors


def accept_facts(
    *,
    body: Any,
    actor: str,
    may_append: frozenset[str],
    stores: frozenset[str] | None,
    publish: Callable[[Sequence[Event]], list[Position]],
    known: Callable[[Sequence[Any]], dict[Any, bytes]],
    record: Callable[[Sequence[Event]], None],
    wait_until_applied: Callable[[Sequence[Position]], bool] | None = None,
) -> Accepted:
    """Validate a whole batch as appended by `actor`, who may append the fact
    types `may_append` (deliveries: for `stores`, None: any), append it to the
    log, `record` it in the audit trail, optionally wait for the ledger to
    apply it. Everything is checked before anything is sent, so a refused
    batch (`OutsideScopeError`, `InvalidEventsError`, `TooManyFactsError`,
    `ConflictingFactsError`) appends nothing."""
    items = items_of(body)
    outside = types_outside(items, may_append)
    if outside:
        raise OutsideScopeError(outside)
    events = validate(acted_by(items, actor))
    outside = stores_outside(events, stores)
    if outside:
        raise OutsideScopeError(outside)
    clashes = conflicting(events, known([e.event_id for e in events]))
    if clashes:
        raise ConflictingFactsError(clashes)
    positions = publish(events)
    record(events)
    applied = wait_until_applied(positions) if wait_until_applied else None
    return Accepted(
        accepted=len(events), event_ids=[e.event_id for e in events], applied=applied
    )


def ledger_page(
    conn: views.Connection,
    *,
    customer_id: str | None,
    contract_id: str | None,
    after: str | None,
    limit: int,
) -> LedgerPage:
    """One page of the ledger's rows by unit id; `next` names the last row."""
    rows = views.ledger_lines(
        conn,
        customer_id=customer_id,
        contract_id=contract_id,
        after=after,
        limit=limit + 1,
    )
    items = [_ledger_row(r) for r in rows[:limit]]
    return LedgerPage(
        items=items, next=items[-1].unit_id if len(rows) > limit else None
    )


def retail_orders(
    conn: views.Connection, *, customer_id: str | None, store_id: str | None, limit: int
) -> list[RetailOrder]:
    """Retail orders with their record numbers."""
    return [
        RetailOrder(
            order_id=r.order_id,
            customer_id=r.customer_id,
            store_id=r.store_id,
            delivered_date=r.delivered_date,
            mode=r.mode,
            customer_name=r.customer_name,
            phone=r.phone,
            region=r.region,
            record_numbers=record_numbers(
                zip(r.record_nos, r.record_dates, strict=True)
            ),
        )
        for r in views.retail_orders(
            conn, customer_id=customer_id, store_id=store_id, limit=limit
        )
    ]


def _ledger_row(r: views.LedgerLineRow) -> LedgerRow:
    return LedgerRow(
        customer_id=r.customer_id,
        customer_name=r.customer_name,
        contract_id=r.contract_id,
        project_name=r.project_name,
        region=r.region,
        unit_id=r.unit_id,
        product_model=r.product_model,
        quantity=r.quantity,
        amount=amount_shown(
            unit_id=r.unit_id,
            first_unit_of_contract=r.first_unit_of_contract,
            amount=r.amount,
        ),
        ship_date=r.ship_date,
        installed_date=r.installed_date,
        power_on_date=r.power_on_date,
        company=r.company,
        supporting_equipment=bool(r.supporting_equipment),
        record_numbers=record_numbers(zip(r.record_nos, r.record_dates, strict=True)),
        power_contact=Contact(name=r.power_contact_name, phone=r.power_contact_phone),
        substation_contact=Contact(
            name=r.substation_contact_name, phone=r.substation_contact_phone
        ),
    )
