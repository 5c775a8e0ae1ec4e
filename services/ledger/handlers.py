"""The ledger's application layer: accept facts, read the ledger.

Accepting facts publishes them straight to the log (department facts are
log-first: their only invariant is their event id); `publish` and `wait` are
passed in. Reads take a connection and let the domain shape the rows.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from schemas.envelope import Event
from schemas.limits import MAX_BATCH_ITEMS
from services.kit.producer import Position
from services.ledger import views
from services.ledger.domain.facts import (
    InvalidEventsError,
    OutsideScopeError,
    acted_by,
    conflicting,
    items_of,
    stores_outside,
    types_outside,
    validate,
)
from services.ledger.domain.imports import Problem, Row, located, wire_of
from services.ledger.domain.lines import amount_shown, record_numbers
from services.ledger.models import (
    Accepted,
    Contact,
    ImportProblem,
    ImportReport,
    LedgerPage,
    LedgerRow,
    OrderPage,
    RetailOrder,
)


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


class ImportRefusedError(ValueError):
    """A file with problems, imported for real: nothing appended (422)."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.problems)} problem(s)")
        self.report = report

    @property
    def detail(self) -> list[dict[str, Any]]:
        """The kit's 422 items: the row as `item`, the column as `field`."""
        return [
            {
                "item": p.row,
                "field": p.column or "(file)",
                "rule": p.rule,
                "sheet": p.sheet,
            }
            for p in self.report.problems
        ]


def import_rows(
    *,
    rows: Sequence[Row],
    problems: Sequence[Problem],
    actor: str,
    may_append: frozenset[str],
    stores: frozenset[str] | None,
    dry_run: bool,
    source: str,
    publish: Callable[[Sequence[Event]], list[Position]],
    known: Callable[[Sequence[Any]], dict[Any, bytes]],
    record: Callable[[Sequence[Event]], None],
    wait_until_applied: Callable[[Sequence[Position]], bool],
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> tuple[ImportReport, list[Problem]]:
    """Import a file's rows all or nothing: every row is checked as
    `accept_facts` checks a batch (the key's fact types and stores, the
    contracts, ids seen before with other content) before any is appended;
    rows imported before (same content, so same event id) are skipped; the
    rest go to the log `MAX_BATCH_ITEMS` at a time, and the answer waits
    until the ledger applied them (so importing the file again finds them).
    Returns the report and the problems located by sheet, row and column
    (for the marked workbook).
    """
    found = list(problems)
    items = acted_by([wire_of(r, source) for r in rows], actor)
    outside = types_outside(items, may_append)
    if outside:
        raise OutsideScopeError(outside)
    events: list[Event] = []
    try:
        events = validate(items)
    except InvalidEventsError as exc:
        found.extend(located(rows, exc.errors))
    if events:
        outside = stores_outside(events, stores)
        if outside:
            raise OutsideScopeError(outside)
    seen = known([e.event_id for e in events])
    found.extend(located(rows, conflicting(events, seen)))
    fresh = [e for e in events if e.event_id not in seen]
    appended: dict[str, int] = {}
    report = ImportReport(
        dry_run=dry_run,
        rows=len(rows),
        facts=dict(Counter(r.fact for r in rows)),
        problems=[ImportProblem(**vars(p)) for p in found],
        appended=appended,
        already=len(events) - len(fresh) if not found else 0,
    )
    if found and not dry_run:
        raise ImportRefusedError(report)
    if dry_run or found:
        return report, found
    positions: list[Position] = []
    for start in range(0, len(fresh), MAX_BATCH_ITEMS):
        chunk = fresh[start : start + MAX_BATCH_ITEMS]
        positions.extend(publish(chunk))
        record(chunk)
        for event in chunk:
            appended[event.type] = appended.get(event.type, 0) + 1
        progress(start + len(chunk), len(fresh))
    if positions:
        wait_until_applied(positions)
    return report.model_copy(update={"appended": appended}), found


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
    conn: views.Connection,
    *,
    customer_id: str | None,
    store_id: str | None,
    after: str | None,
    limit: int,
) -> OrderPage:
    """One page of retail orders with their record numbers, by order id;
    `next` names the last order."""
    rows = views.retail_orders(
        conn, customer_id=customer_id, store_id=store_id, after=after, limit=limit + 1
    )
    items = [
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
        for r in rows[:limit]
    ]
    return OrderPage(
        items=items, next=items[-1].order_id if len(rows) > limit else None
    )


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
