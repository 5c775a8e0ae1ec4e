"""The read model: every table of the views schema and its SQL, in one place.

Writes (async, the projection's cursor) evolve tickets and CAPAs from the
feedback topic's events through the pure domain, so an event the lifecycle
does not allow raises (and is dead-lettered) instead of bending the view.
They decide nothing: the command side (store.py) already did.
Reads (sync, the API's connection) flag SLA breaches and past-due CAPAs with
the domain's rules, not in SQL, so a filter on them is applied to rows as
they are read, a chunk at a time, until the page is full.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from schemas.envelope import Event
from schemas.feedback import (
    CapaOpened,
    CapaVerified,
    TicketAssigned,
    TicketOpened,
    TicketOverdue,
    TicketReopened,
    TicketResolved,
    TicketVerified,
)
from services.feedback import store
from services.feedback.domain import capa, tickets
from services.feedback.domain.capa import is_past_due
from services.feedback.domain.sla import (
    Sla,
    assignment_deadline,
    is_overdue,
    resolution_deadline,
)
from services.feedback.domain.tickets import Ticket
from services.feedback.models import CapaRead, HistoryEntry, TicketRead

Conn = psycopg.Connection[Any]
Cursor = psycopg.AsyncCursor[Any]
T = TypeVar("T")
CHUNK = 500

OPENED = """
INSERT INTO tickets (ticket_id, customer_id, complaint_id, visit_id, record_no,
    subject, description, customer_suggestion, informed, department, state,
    opened_on, form, items, resolutions, revisits, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, %s, 0, '{}', 1)
ON CONFLICT (ticket_id) DO NOTHING
"""
SELECT_TICKET = f"SELECT {store.TICKET_COLUMNS} FROM tickets WHERE ticket_id = %s"
UPDATE_TICKET = store.UPDATE_TICKET.replace("ticket_states", "tickets")
HISTORY = """
INSERT INTO ticket_history (event_id, ticket_id, type, actor, on_date, detail)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING
"""
ANNOUNCED = """
UPDATE tickets SET overdue_announced = array_append(overdue_announced, %s)
WHERE ticket_id = %s AND NOT (%s = ANY(overdue_announced))
"""
CAPA_OPENED = """
INSERT INTO capas (capa_id, subject, owner, action, opened_on, due_date,
    source_period, ticket_ids, review_id, state, opened_by, version)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, 1)
ON CONFLICT (capa_id) DO NOTHING
"""
SELECT_CAPA = f"SELECT {store.CAPA_COLUMNS} FROM capas WHERE capa_id = %s"
CAPA_VERIFIED = """
UPDATE capas SET state = %s, verified_on = %s, evidence = %s, verified_by = %s,
    version = version + 1 WHERE capa_id = %s
"""

TICKET_FILTERS = (
    "ticket_id",
    "customer_id",
    "department",
    "subject",
    "form",
    "status",
    "month",
)
# One statement per set of filters given, each condition a plain equality or
# range: a prepared statement's generic plan then still uses the index of its
# filter (`state`, `customer_id`, `form`, `opened_on`) in `ticket_id` order,
# which a `(%s IS NULL OR state = %s)` form does not let it do.
TICKET_CONDITIONS = {
    "ticket_id": "ticket_id = %(ticket_id)s",
    "customer_id": "customer_id = %(customer_id)s",
    "department": "department = %(department)s",
    "subject": "subject = %(subject)s",
    "form": "form = %(form)s",
    "status": "state = %(status)s",
    "month": "opened_on >= %(month_start)s AND opened_on < %(month_end)s",
    "after": "ticket_id > %(after)s",
}


def tickets_query(given: Iterable[str]) -> str:
    """The tickets matching the filters `given` (names of `TICKET_CONDITIONS`),
    by id, up to `%(limit)s`."""
    where = [TICKET_CONDITIONS[name] for name in TICKET_CONDITIONS if name in given]
    return (
        f"SELECT {store.TICKET_COLUMNS},"
        " complaint_id, visit_id, record_no, description, customer_suggestion"
        " FROM tickets"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY ticket_id LIMIT %(limit)s"
    )


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of a YYYY-MM month and of the next."""
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    return start, date(year + number // 12, number % 12 + 1, 1)


CAPA_FILTERS = (
    "capa_id",
    "customer_id",
    "department",
    "subject",
    "status",
    "ticket_id",
    "period",
    "review_id",
    "month",
)
CAPAS = f"""
SELECT {store.CAPA_COLUMNS}, source_period, ticket_ids, review_id
FROM capas c
WHERE (%(capa_id)s::text IS NULL OR capa_id = %(capa_id)s)
  AND (%(department)s::text IS NULL OR owner = %(department)s)
  AND (%(subject)s::text IS NULL OR subject = %(subject)s)
  AND (%(status)s::text IS NULL OR state = %(status)s)
  AND (%(ticket_id)s::text IS NULL OR %(ticket_id)s = ANY(ticket_ids))
  AND (%(period)s::text IS NULL OR source_period = %(period)s)
  AND (%(review_id)s::text IS NULL OR review_id = %(review_id)s)
  AND (%(month)s::text IS NULL OR to_char(opened_on, 'YYYY-MM') = %(month)s)
  AND (%(customer_id)s::text IS NULL OR EXISTS (
       SELECT 1 FROM tickets t
       WHERE t.ticket_id = ANY(c.ticket_ids) AND t.customer_id = %(customer_id)s))
  AND (%(after)s::text IS NULL OR capa_id > %(after)s)
ORDER BY capa_id
LIMIT %(limit)s
"""


# Writes: the projection's handlers, one per event type.

Step = TicketAssigned | TicketResolved | TicketVerified | TicketReopened


def _detail_of(event: Event) -> dict[str, Any]:
    """The payload as the history shows it, without the ids it is filed under."""
    data: dict[str, Any] = event.payload.model_dump(mode="json")
    for key in ("customer_id", "ticket_id"):
        data.pop(key, None)
    return data


def _detail(event: Event) -> Jsonb:
    return Jsonb(_detail_of(event))


async def _history(cur: Cursor, event: Event, ticket_id: str, on: date) -> None:
    await cur.execute(
        HISTORY,
        (event.event_id, ticket_id, event.type, event.actor, on, _detail(event)),
    )


def lifecycle(event: Step) -> tuple[date, Callable[[Ticket], Ticket]]:
    """A lifecycle event's date and its step (the domain's transition)."""
    match event:
        case TicketAssigned(payload=p):
            return p.assigned_on, lambda t: tickets.assign(
                t, p.department, p.assignee, p.assigned_on
            )
        case TicketResolved(payload=p):
            return p.resolved_on, lambda t: tickets.resolve(
                t, p.resolution, p.resolved_on
            )
        case TicketVerified(payload=p):
            return p.verified_on, lambda t: tickets.verify(
                t, p.record_no, p.verified_on
            )
        case TicketReopened(payload=p):
            return p.reopened_on, lambda t: tickets.reopen(
                t, p.record_no, p.reopened_on
            )
    raise TypeError(f"not a lifecycle step: {event.type}")


async def _evolve(cur: Cursor, event: Step) -> None:
    """Apply one lifecycle step to a ticket; raise if the lifecycle refuses it."""
    ticket_id = event.payload.ticket_id
    on, step = lifecycle(event)
    await cur.execute(SELECT_TICKET, (ticket_id,))
    row = await cur.fetchone()
    if row is None:
        raise LookupError(f"{event.type} for unknown ticket {ticket_id!r}")
    await cur.execute(
        UPDATE_TICKET, store.ticket_params(step(store.ticket_from(row).ticket))
    )
    await _history(cur, event, ticket_id, on)


def _opened_row(event: TicketOpened) -> dict[str, Any]:
    """The parameters of `OPENED` by name."""
    p = event.payload
    return {
        "ticket_id": p.ticket_id,
        "customer_id": p.customer_id,
        "complaint_id": p.complaint_id,
        "visit_id": p.visit_id,
        "record_no": p.record_no,
        "subject": p.subject,
        "description": p.description,
        "customer_suggestion": p.customer_suggestion,
        "informed": list(p.informed),
        "department": p.department,
        "opened_on": p.opened_on,
        "form": p.form,
        "items": list(p.items),
    }


async def ticket_opened(cur: Cursor, event: TicketOpened) -> None:
    p = event.payload
    await cur.execute(OPENED, tuple(_opened_row(event).values()))
    await _history(cur, event, p.ticket_id, p.opened_on)


async def ticket_assigned(cur: Cursor, event: TicketAssigned) -> None:
    await _evolve(cur, event)


async def ticket_resolved(cur: Cursor, event: TicketResolved) -> None:
    await _evolve(cur, event)


async def ticket_verified(cur: Cursor, event: TicketVerified) -> None:
    await _evolve(cur, event)


async def ticket_reopened(cur: Cursor, event: TicketReopened) -> None:
    await _evolve(cur, event)


async def ticket_overdue(cur: Cursor, event: TicketOverdue) -> None:
    p = event.payload
    await cur.execute(ANNOUNCED, (p.breach, p.ticket_id, p.breach))
    await _history(cur, event, p.ticket_id, p.announced_on)


def _capa_opened_row(event: CapaOpened) -> dict[str, Any]:
    """The parameters of `CAPA_OPENED` by name."""
    p = event.payload
    return {
        "capa_id": p.capa_id,
        "subject": p.subject,
        "owner": p.owner,
        "action": p.action,
        "opened_on": p.opened_on,
        "due_date": p.due_date,
        "source_period": p.source_period,
        "ticket_ids": list(p.ticket_ids),
        "review_id": p.review_id,
        "opened_by": event.actor,
    }


async def capa_opened(cur: Cursor, event: CapaOpened) -> None:
    await cur.execute(CAPA_OPENED, tuple(_capa_opened_row(event).values()))


def _verified(row: Sequence[Any], event: CapaVerified) -> dict[str, Any]:
    """`CAPA_VERIFIED`'s columns for a CAPA row (the domain refuses a second
    verification)."""
    p = event.payload
    verified = capa.verify(store.capa_from(row).capa, p.evidence, p.verified_on)
    return {
        "state": verified.state,
        "verified_on": p.verified_on,
        "evidence": p.evidence,
        "verified_by": event.actor,
    }


async def capa_verified(cur: Cursor, event: CapaVerified) -> None:
    """Verify a CAPA (the domain refuses a second verification)."""
    p = event.payload
    await cur.execute(SELECT_CAPA, (p.capa_id,))
    row = await cur.fetchone()
    if row is None:
        raise LookupError(f"capa_verified for unknown CAPA {p.capa_id!r}")
    await cur.execute(CAPA_VERIFIED, (*_verified(row, event).values(), p.capa_id))


# The set-based path: a batch's tickets and CAPAs read once, evolved in log
# order by the same steps, written back with one statement per table.

TICKET_TYPES = {
    "ticket_id": "text",
    "customer_id": "text",
    "complaint_id": "text",
    "visit_id": "text",
    "record_no": "text",
    "subject": "text",
    "description": "text",
    "customer_suggestion": "text",
    "informed": "text[]",
    "department": "text",
    "state": "text",
    "assignee": "text",
    "opened_on": "date",
    "first_assigned_on": "date",
    "assigned_on": "date",
    "resolution": "text",
    "resolved_on": "date",
    "resolutions": "integer",
    "verified_on": "date",
    "reopened_on": "date",
    "revisits": "text[]",
    "overdue_announced": "text[]",
    "version": "integer",
    "form": "text",
    "items": "text[]",
}
CAPA_TYPES = {
    "capa_id": "text",
    "subject": "text",
    "owner": "text",
    "action": "text",
    "opened_on": "date",
    "due_date": "date",
    "source_period": "text",
    "ticket_ids": "text[]",
    "state": "text",
    "verified_on": "date",
    "evidence": "text",
    "opened_by": "text",
    "verified_by": "text",
    "version": "integer",
    "review_id": "text",
}
HISTORY_TYPES = {
    "event_id": "uuid",
    "ticket_id": "text",
    "type": "text",
    "actor": "text",
    "on_date": "date",
    "detail": "jsonb",
}
_TICKET_NAMES = tuple(c.strip() for c in store.TICKET_COLUMNS.split(","))
_CAPA_NAMES = tuple(c.strip() for c in store.CAPA_COLUMNS.split(","))
# The columns `UPDATE_TICKET` sets from `store.ticket_params`, in its order.
_STEP_NAMES = tuple(re.findall(r"(\w+) = %s", UPDATE_TICKET.split("WHERE")[0]))


def _upsert(table: str, key: str, types: dict[str, str]) -> str:
    """Whole rows from a JSON array, each key once: inserted or replaced."""
    cols = list(types)
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)}"
        " FROM jsonb_to_recordset(%s) AS r("
        + ", ".join(f"{c} {t}" for c, t in types.items())
        + f") ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != key)
    )


TICKETS_UPSERT = _upsert("tickets", "ticket_id", TICKET_TYPES)
CAPAS_UPSERT = _upsert("capas", "capa_id", CAPA_TYPES)
# In log order (the history's `seq`); an event there already stays.
HISTORIES = (
    f"INSERT INTO ticket_history ({', '.join(HISTORY_TYPES)})"
    f" SELECT {', '.join(HISTORY_TYPES)} FROM ROWS FROM (jsonb_to_recordset(%s) AS ("
    + ", ".join(f"{c} {t}" for c, t in HISTORY_TYPES.items())
    + ")) WITH ORDINALITY ORDER BY ordinality ON CONFLICT (event_id) DO NOTHING"
)
SELECT_TICKETS = (
    f"SELECT {', '.join(TICKET_TYPES)} FROM tickets WHERE ticket_id = ANY(%s)"
)
SELECT_CAPAS = f"SELECT {', '.join(CAPA_TYPES)} FROM capas WHERE capa_id = ANY(%s)"


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"not JSON: {value!r}")


def _rows(rows: list[dict[str, Any]]) -> Jsonb:
    return Jsonb(
        rows, dumps=partial(json.dumps, default=_json_value, ensure_ascii=False)
    )


class _Batch:
    """The rows a batch touches, as one by one would leave them."""

    def __init__(
        self, tickets: dict[str, dict[str, Any]], capas: dict[str, dict[str, Any]]
    ) -> None:
        self.tickets = tickets
        self.capas = capas
        self.changed_tickets: set[str] = set()
        self.changed_capas: set[str] = set()
        self.history: list[dict[str, Any]] = []

    def _log(self, event: Event, ticket_id: str, on: date) -> None:
        self.history.append(
            {
                "event_id": event.event_id,
                "ticket_id": ticket_id,
                "type": event.type,
                "actor": event.actor,
                "on_date": on,
                "detail": _detail_of(event),
            }
        )

    def apply(self, event: Event) -> None:
        match event:
            case TicketOpened(payload=p):
                if p.ticket_id not in self.tickets:
                    row = dict.fromkeys(TICKET_TYPES) | _opened_row(event)
                    row |= {
                        "state": "open",
                        "resolutions": 0,
                        "revisits": [],
                        "overdue_announced": [],
                        "version": 1,
                    }
                    self.tickets[p.ticket_id] = row
                    self.changed_tickets.add(p.ticket_id)
                self._log(event, p.ticket_id, p.opened_on)
            case (
                TicketAssigned()
                | TicketResolved()
                | TicketVerified()
                | (TicketReopened())
            ):
                self._step(event)
            case TicketOverdue(payload=p):
                found = self.tickets.get(p.ticket_id)
                if found is not None and p.breach not in found["overdue_announced"]:
                    found["overdue_announced"] = [*found["overdue_announced"], p.breach]
                    self.changed_tickets.add(p.ticket_id)
                self._log(event, p.ticket_id, p.announced_on)
            case CapaOpened(payload=p):
                if p.capa_id not in self.capas:
                    row = dict.fromkeys(CAPA_TYPES) | _capa_opened_row(event)
                    self.capas[p.capa_id] = row | {"state": "open", "version": 1}
                    self.changed_capas.add(p.capa_id)
            case CapaVerified(payload=p):
                found = self.capas.get(p.capa_id)
                if found is None:
                    raise LookupError(f"capa_verified for unknown CAPA {p.capa_id!r}")
                found |= _verified([found[c] for c in _CAPA_NAMES], event)
                found["version"] += 1
                self.changed_capas.add(p.capa_id)

    def _step(self, event: Step) -> None:
        ticket_id = event.payload.ticket_id
        on, step = lifecycle(event)
        found = self.tickets.get(ticket_id)
        if found is None:
            raise LookupError(f"{event.type} for unknown ticket {ticket_id!r}")
        ticket = store.ticket_from([found[c] for c in _TICKET_NAMES]).ticket
        *params, _ = store.ticket_params(step(ticket))  # the last is the id
        found.update(zip(_STEP_NAMES, params, strict=True))
        found["version"] += 1
        self.changed_tickets.add(ticket_id)
        self._log(event, ticket_id, on)


async def apply_batch(cur: Cursor, events: Sequence[Event]) -> None:
    """The events of a batch (of the handlers' types), in log order, as the
    handlers above one by one would leave the tables; raises where one of them
    would (the runner then applies the batch one by one, isolating that one)."""
    mine = list(events)
    if not mine:
        return
    ticket_ids = sorted(
        {t for e in mine if (t := getattr(e.payload, "ticket_id", None)) is not None}
    )
    capa_ids = sorted(
        {e.payload.capa_id for e in mine if isinstance(e, CapaOpened | CapaVerified)}
    )
    found_tickets: dict[str, dict[str, Any]] = {}
    found_capas: dict[str, dict[str, Any]] = {}
    if ticket_ids:
        await cur.execute(SELECT_TICKETS, (ticket_ids,))
        for row in await cur.fetchall():
            found_tickets[row[0]] = dict(zip(TICKET_TYPES, row, strict=True))
    if capa_ids:
        await cur.execute(SELECT_CAPAS, (capa_ids,))
        for row in await cur.fetchall():
            found_capas[row[0]] = dict(zip(CAPA_TYPES, row, strict=True))
    batch = _Batch(found_tickets, found_capas)
    for event in mine:
        batch.apply(event)
    if batch.changed_tickets:
        rows = [batch.tickets[t] for t in sorted(batch.changed_tickets)]
        await cur.execute(TICKETS_UPSERT, (_rows(rows),))
    if batch.history:
        await cur.execute(HISTORIES, (_rows(batch.history),))
    if batch.changed_capas:
        rows = [batch.capas[c] for c in sorted(batch.changed_capas)]
        await cur.execute(CAPAS_UPSERT, (_rows(rows),))


# Reads: the API's pages.


def page(
    chunks: Callable[[str | None], list[T]],
    keep: Callable[[T], bool],
    key: Callable[[T], str],
    limit: int,
    size: int = CHUNK,
) -> tuple[list[T], str | None]:
    """Up to `limit` items that `keep` accepts, and the cursor of the next page;
    `chunks` reads `size` rows at a time."""
    items: list[T] = []
    for item in _all(chunks, key, size):
        if not keep(item):
            continue
        if len(items) == limit:
            return items, key(items[-1])
        items.append(item)
    return items, None


def _all(
    chunks: Callable[[str | None], list[T]], key: Callable[[T], str], size: int
) -> Iterator[T]:
    after: str | None = None
    while True:
        chunk = chunks(after)
        yield from chunk
        if len(chunk) < size:
            return
        after = key(chunk[-1])


def ticket_read(row: tuple[Any, ...], as_of: date, sla: Sla) -> TicketRead:
    """A row of `TICKETS` with its SLA deadlines and breaches as of `as_of`."""
    found = store.ticket_from(row)
    t = found.ticket
    extra = len(_TICKET_NAMES)
    complaint_id, visit_id, record_no, description, suggestion = row[extra:]
    return TicketRead(
        ticket_id=t.ticket_id,
        customer_id=found.customer_id,
        complaint_id=complaint_id,
        visit_id=visit_id,
        record_no=record_no,
        subject=t.subject,
        form=t.form,
        items=list(t.items),
        description=description,
        customer_suggestion=suggestion,
        department=t.department,
        informed=list(t.informed),
        status=t.state,
        assignee=t.assignee,
        opened_on=t.opened_on,
        first_assigned_on=t.first_assigned_on,
        assigned_on=t.assigned_on,
        resolution=t.resolution,
        resolved_on=t.resolved_on,
        resolutions=t.resolutions,
        verified_on=t.verified_on,
        reopened_on=t.reopened_on,
        revisits=list(t.revisits),
        assign_by=assignment_deadline(t, sla),
        resolve_by=resolution_deadline(t, sla),
        overdue=is_overdue(t, as_of, sla),
        version=found.version,
    )


def tickets_page(
    conn: Conn,
    *,
    as_of: date,
    sla: Sla,
    overdue: bool | None = None,
    after: str | None = None,
    limit: int = 100,
    **filters: str | None,
) -> tuple[list[TicketRead], str | None]:
    """A page of tickets by id; `filters` are those of `TICKET_CONDITIONS`.

    Without the `overdue` filter (applied in Python) every row read is kept,
    so `limit` + 1 rows are read (the one more tells that a next page exists);
    with it, chunks of `CHUNK`."""
    params: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
    unknown = set(params) - set(TICKET_FILTERS)
    if unknown:
        raise TypeError(f"not a ticket filter: {sorted(unknown)}")
    if "month" in params:
        params["month_start"], params["month_end"] = month_bounds(params["month"])
    size = CHUNK if overdue is not None else limit + 1

    def chunk(start: str | None) -> list[TicketRead]:
        cursor = start or after
        query = tickets_query([*params, *(["after"] if cursor else [])])
        rows = conn.execute(query, params | {"after": cursor, "limit": size}).fetchall()
        return [ticket_read(r, as_of, sla) for r in rows]

    return page(
        chunk,
        lambda t: overdue is None or bool(t.overdue) == overdue,
        lambda t: t.ticket_id,
        limit,
        size,
    )


def history(conn: Conn, ticket_id: str) -> list[HistoryEntry]:
    """Every event applied to the ticket, in the order applied, with its actor."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT event_id, type, actor, on_date AS on, detail FROM ticket_history"
            " WHERE ticket_id = %s ORDER BY seq",
            (ticket_id,),
        ).fetchall()
    return [HistoryEntry.model_validate(r) for r in rows]


def capa_read(row: tuple[Any, ...], as_of: date) -> CapaRead:
    """A row of `CAPAS`, flagged when still open after its due date."""
    found = store.capa_from(row)
    c = found.capa
    return CapaRead(
        capa_id=c.capa_id,
        subject=c.subject,
        owner=c.owner,
        action=c.action,
        opened_on=c.opened_on,
        due_date=c.due_date,
        source_period=row[-3],
        ticket_ids=list(row[-2]),
        review_id=row[-1],
        status=c.state,
        verified_on=c.verified_on,
        evidence=c.evidence,
        past_due=is_past_due(c, as_of),
        version=found.version,
    )


def capas_page(
    conn: Conn,
    *,
    as_of: date,
    overdue: bool | None = None,
    after: str | None = None,
    limit: int = 100,
    **filters: str | None,
) -> tuple[list[CapaRead], str | None]:
    """A page of CAPAs by id; `filters` are the columns of `CAPAS`' WHERE."""
    params: dict[str, Any] = dict.fromkeys(CAPA_FILTERS) | filters

    def chunk(start: str | None) -> list[CapaRead]:
        rows = conn.execute(
            CAPAS, params | {"after": start or after, "limit": CHUNK}
        ).fetchall()
        return [capa_read(r, as_of) for r in rows]

    return page(
        chunk,
        lambda c: overdue is None or c.past_due == overdue,
        lambda c: c.capa_id,
        limit,
    )
