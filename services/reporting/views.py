"""The reporting read model's statements, every one of them, in one place.

Writes (async, for the projection) upsert the row of a fact's own identity
and set only the columns that fact knows, so a redelivered fact (even under a
new event id) changes nothing and facts of one visit or ticket may arrive in
any order across topics; a later fact of the same kind for the same row is a
correction and wins. A visit's copy is the exception: its lifecycle is the
domain's (`domain/visit_copies.py`), so it is read, evolved and written whole.

Reads (sync, for the report) only select by date, so that a report reads no
more than it needs; what counts as planned, done, late, open... is decided in
`domain/`.
"""

from collections.abc import Sequence
from dataclasses import astuple, fields
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic_core import to_json

from schemas.catalogue import AnyEvent
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
from schemas.ledger import ContractRegistered, Delivered, Shipped
from schemas.reporting import ReportReviewed
from schemas.survey import VisitAttemptFailed, VisitCompleted
from schemas.types import (
    AttemptFailure,
    ComplaintSubject,
    FeedbackForm,
    PostWarrantyService,
    Rating,
    ReportPart,
    SlaBreach,
    VisitKind,
)
from services.kit.projection import Cursor
from services.reporting.domain.complaints import (
    Capa,
    Step,
    Ticket,
    TicketStep,
    form_of,
)
from services.reporting.domain.dashboard import Filters
from services.reporting.domain.records import (
    UNKNOWN,
    Bounds,
    VisitRecord,
    retail_service_quality,
)
from services.reporting.domain.reviews import Review
from services.reporting.domain.satisfaction import TAG_AXES, Counted, DayScores, Tally
from services.reporting.domain.sla import Breach
from services.reporting.domain.visit_copies import VisitCopy, evolve, visit_id_of
from services.reporting.domain.visits import overdue_window

Connection = psycopg.Connection[Any]

VISIT_COLUMNS = ", ".join(f.name for f in fields(VisitCopy))

# -- writes (the projection) ---------------------------------------------------

VISIT_OF = f"SELECT {VISIT_COLUMNS} FROM visits WHERE visit_id = %s FOR UPDATE"
VISIT_UPSERT = (
    f"INSERT INTO visits ({VISIT_COLUMNS})"
    f" VALUES ({', '.join(['%s'] * len(fields(VisitCopy)))})"
    " ON CONFLICT (visit_id) DO UPDATE SET "
    + ", ".join(f"{f.name} = EXCLUDED.{f.name}" for f in fields(VisitCopy)[1:])
)
RECORD = """
INSERT INTO visit_records (record_no, customer_id, visit_id, kind, visited_on,
    visitor, channel, product_quality, service_quality, score, suggestions, needs,
    post_warranty_service, unit_id, order_id, store_id, ticket_id, product_model,
    region, opportunities)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
    %s)
ON CONFLICT (record_no) DO UPDATE SET customer_id = EXCLUDED.customer_id,
    visit_id = EXCLUDED.visit_id, kind = EXCLUDED.kind,
    visited_on = EXCLUDED.visited_on, visitor = EXCLUDED.visitor,
    channel = EXCLUDED.channel, product_quality = EXCLUDED.product_quality,
    service_quality = EXCLUDED.service_quality, score = EXCLUDED.score,
    suggestions = EXCLUDED.suggestions, needs = EXCLUDED.needs,
    post_warranty_service = EXCLUDED.post_warranty_service,
    unit_id = EXCLUDED.unit_id, order_id = EXCLUDED.order_id,
    store_id = EXCLUDED.store_id, ticket_id = EXCLUDED.ticket_id,
    product_model = EXCLUDED.product_model, region = EXCLUDED.region,
    opportunities = EXCLUDED.opportunities
"""
ATTEMPT = """
INSERT INTO failed_attempts (visit_id, attempt_no, customer_id, attempted_on, reason)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (visit_id, attempt_no) DO UPDATE SET
    attempted_on = EXCLUDED.attempted_on, reason = EXCLUDED.reason
"""
# An assignment applied before the opening (never on one partition, but
# cheap to allow) is the newer routing: the opening does not override it.
TICKET_OPENED = """
INSERT INTO tickets (ticket_id, customer_id, complaint_id, subject, department,
    opened_on, visit_id, record_no, form)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (ticket_id) DO UPDATE SET complaint_id = EXCLUDED.complaint_id,
    form = EXCLUDED.form,
    subject = EXCLUDED.subject, opened_on = EXCLUDED.opened_on,
    visit_id = EXCLUDED.visit_id, record_no = EXCLUDED.record_no,
    department = COALESCE(tickets.department, EXCLUDED.department)
"""
TICKET_ROUTED = """
INSERT INTO tickets (ticket_id, customer_id, department) VALUES (%s, %s, %s)
ON CONFLICT (ticket_id) DO UPDATE SET department = EXCLUDED.department
"""
TICKET_STEP = """
INSERT INTO ticket_steps (ticket_id, step, on_date, record_no) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""
CAPA_OPENED = """
INSERT INTO capas (capa_id, subject, owner, opened_on, due_date, source_period,
    review_id)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (capa_id) DO UPDATE SET subject = EXCLUDED.subject,
    review_id = EXCLUDED.review_id,
    owner = EXCLUDED.owner, opened_on = EXCLUDED.opened_on,
    due_date = EXCLUDED.due_date, source_period = EXCLUDED.source_period
"""
CAPA_VERIFIED = """
INSERT INTO capas (capa_id, verified_on) VALUES (%s, %s)
ON CONFLICT (capa_id) DO UPDATE SET verified_on = EXCLUDED.verified_on
"""
# A breach is announced once per ticket and kind; a redelivery, or the same
# breach announced again, keeps the first announcement.
SLA_BREACH = """
INSERT INTO sla_breaches (ticket_id, breach, department, subject, deadline,
    announced_on)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (ticket_id, breach) DO NOTHING
"""
UNIT = """
INSERT INTO units (unit_id, customer_id, product_model, contract_id)
VALUES (%s, %s, %s, %s)
ON CONFLICT (unit_id) DO UPDATE SET product_model = EXCLUDED.product_model,
    contract_id = EXCLUDED.contract_id
"""
CUSTOMER = """
INSERT INTO customers (customer_id, customer_name, region) VALUES (%s, %s, %s)
ON CONFLICT (customer_id) DO UPDATE SET
    customer_name = COALESCE(EXCLUDED.customer_name, customers.customer_name),
    region = COALESCE(EXCLUDED.region, customers.region)
"""
# A contract's tags are the customer's as of its latest contract.
CONTRACT = """
INSERT INTO contracts (contract_id, customer_id, company) VALUES (%s, %s, %s)
ON CONFLICT (contract_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,
    company = EXCLUDED.company
"""
CUSTOMER_TAGS = f"""
UPDATE customers SET {", ".join(f"{axis} = %s" for axis in TAG_AXES)}
WHERE customer_id = %s
"""
REVIEW = """
INSERT INTO reviews (review_id, period, part, company, reviewer, reviewed_on,
    capa_needed, reason)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (review_id) DO UPDATE SET period = EXCLUDED.period,
    part = EXCLUDED.part, company = EXCLUDED.company,
    reviewer = EXCLUDED.reviewer, reviewed_on = EXCLUDED.reviewed_on,
    capa_needed = EXCLUDED.capa_needed, reason = EXCLUDED.reason
"""


async def apply_visit_fact(cur: Cursor, event: AnyEvent) -> None:
    """A visit planned, moved, cancelled or gone overdue: the copy evolves by
    `domain/visit_copies.py` and is written whole."""
    visit_id = visit_id_of(event)
    if visit_id is None:
        return
    await cur.execute(VISIT_OF, (visit_id,))
    row = await cur.fetchone()
    copy = VisitCopy(*row) if row else None
    evolved = evolve(copy, event)
    if evolved is not None and evolved != copy:
        await cur.execute(VISIT_UPSERT, astuple(evolved))


async def apply_record(cur: Cursor, event: VisitCompleted) -> None:
    """A visit record, with what the report classifies it by; a retail
    record's service quality by the retail standard (`domain/records.py`)."""
    p = event.payload
    service_quality = (
        retail_service_quality(p.service_quality, p.answers)
        if p.kind is VisitKind.RETAIL_FOLLOWUP
        else p.service_quality
    )
    await cur.execute(
        RECORD,
        (
            p.record_no,
            p.customer_id,
            p.visit_id,
            p.kind,
            p.visited_on,
            p.visitor,
            p.channel,
            p.product_quality,
            service_quality,
            p.score,
            p.suggestions,
            p.needs,
            [s.value for s in p.post_warranty_service],
            p.unit_id,
            p.order_id,
            p.store_id,
            p.ticket_id,
            p.product_model,
            p.region,
            p.opportunities,
        ),
    )


async def apply_attempt(cur: Cursor, event: VisitAttemptFailed) -> None:
    """A failed attempt, with its reason."""
    p = event.payload
    await cur.execute(
        ATTEMPT, (p.visit_id, p.attempt_no, p.customer_id, p.attempted_on, p.reason)
    )


async def apply_ticket_opened(cur: Cursor, event: TicketOpened) -> None:
    """A complaint's ticket opened."""
    p = event.payload
    await cur.execute(
        TICKET_OPENED,
        (
            p.ticket_id,
            p.customer_id,
            p.complaint_id,
            p.subject,
            p.department,
            p.opened_on,
            p.visit_id,
            p.record_no,
            p.form,
        ),
    )


async def apply_ticket_assigned(cur: Cursor, event: TicketAssigned) -> None:
    """A ticket routed to a department."""
    p = event.payload
    await cur.execute(TICKET_ROUTED, (p.ticket_id, p.customer_id, p.department))


async def apply_ticket_resolved(cur: Cursor, event: TicketResolved) -> None:
    """A ticket resolved, by the department that resolved it."""
    p = event.payload
    await cur.execute(TICKET_ROUTED, (p.ticket_id, p.customer_id, p.department))
    await cur.execute(TICKET_STEP, (p.ticket_id, Step.RESOLVED, p.resolved_on, ""))


async def apply_ticket_verified(cur: Cursor, event: TicketVerified) -> None:
    """A re-visit that closed the ticket."""
    p = event.payload
    await cur.execute(
        TICKET_STEP, (p.ticket_id, Step.VERIFIED, p.verified_on, p.record_no)
    )


async def apply_ticket_reopened(cur: Cursor, event: TicketReopened) -> None:
    """A re-visit that reopened the ticket."""
    p = event.payload
    await cur.execute(
        TICKET_STEP, (p.ticket_id, Step.REOPENED, p.reopened_on, p.record_no)
    )


async def apply_capa_opened(cur: Cursor, event: CapaOpened) -> None:
    """A corrective/preventive action opened by a review."""
    p = event.payload
    await cur.execute(
        CAPA_OPENED,
        (
            p.capa_id,
            p.subject,
            p.owner,
            p.opened_on,
            p.due_date,
            p.source_period,
            p.review_id,
        ),
    )


async def apply_capa_verified(cur: Cursor, event: CapaVerified) -> None:
    """A CAPA verified."""
    p = event.payload
    await cur.execute(CAPA_VERIFIED, (p.capa_id, p.verified_on))


async def apply_ticket_overdue(cur: Cursor, event: TicketOverdue) -> None:
    """A ticket missed its assignment or resolution deadline."""
    p = event.payload
    await cur.execute(
        SLA_BREACH,
        (p.ticket_id, p.breach, p.department, p.subject, p.deadline, p.announced_on),
    )


async def apply_unit(cur: Cursor, event: Shipped) -> None:
    """A unit's product model, for records that name none."""
    p = event.payload
    await cur.execute(UNIT, (p.unit_id, p.customer_id, p.product_model, p.contract_id))


async def apply_customer(cur: Cursor, event: ContractRegistered | Delivered) -> None:
    """A customer's name and region, when the fact names them."""
    p = event.payload
    await cur.execute(CUSTOMER, (p.customer_id, p.customer_name, p.region))


async def apply_contract(cur: Cursor, event: ContractRegistered) -> None:
    """A customer's name, region and tags, and the contract's company."""
    p = event.payload
    await apply_customer(cur, event)
    await cur.execute(CONTRACT, (p.contract_id, p.customer_id, p.company))
    tags = p.tags.model_dump(mode="json")
    await cur.execute(
        CUSTOMER_TAGS, (*(tags.get(axis) for axis in TAG_AXES), p.customer_id)
    )


async def apply_review(cur: Cursor, event: ReportReviewed) -> None:
    """A review of a part of a monthly report."""
    p = event.payload
    await cur.execute(
        REVIEW,
        (
            p.review_id,
            p.period,
            p.part,
            p.company,
            p.reviewer,
            p.reviewed_on,
            p.capa_needed,
            p.reason,
        ),
    )


# -- writes, set-based (a batch of events at once) ------------------------------
#
# The projection's fast path (`projection.apply_batch`): every table is written
# with one statement per batch, `INSERT ... SELECT ... FROM
# jsonb_populate_recordset(...)` (the table's own row type), and the rows are
# what the per-event statements above would leave. Each table's events are
# folded in Python in log order, as those statements' ON CONFLICT clauses do;
# tables whose statements set different columns per event kind (a visit's copy,
# tickets, CAPAs, customers) start from their stored rows, read once per batch.
# Tables never read one another, so folding table by table is exact.

Row = dict[str, Any]


def _batch_upsert(table: str, columns: str, key: str, update: str | None) -> str:
    """One table's batch statement; `update` None: the first row wins."""
    names = _names(columns)
    conflict = (
        "ON CONFLICT DO NOTHING"
        if update is None
        else f"ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in update.split(", "))
    )
    return (
        f"INSERT INTO {table} ({', '.join(names)})"
        f" SELECT {', '.join(names)}"
        f" FROM jsonb_populate_recordset(NULL::{table}, %s) WITH ORDINALITY"
        f" ORDER BY ordinality {conflict}"
    )


RECORD_COLUMNS = (
    "record_no, customer_id, visit_id, kind, visited_on, visitor, channel,"
    " product_quality, service_quality, score, suggestions, needs,"
    " post_warranty_service, unit_id, order_id, store_id, ticket_id,"
    " product_model, region, opportunities"
)
TICKET_COLUMNS = (
    "ticket_id, customer_id, complaint_id, subject, department, opened_on,"
    " visit_id, record_no, form"
)
CAPA_COLUMNS = (
    "capa_id, subject, owner, opened_on, due_date, source_period, review_id,"
    " verified_on"
)
CUSTOMER_COLUMNS = f"customer_id, customer_name, region, {', '.join(TAG_AXES)}"


def _names(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


def _rest(columns: str) -> str:
    return ", ".join(c.strip() for c in columns.split(",")[1:])


BATCH_WRITES = {
    "visits": _batch_upsert("visits", VISIT_COLUMNS, "visit_id", _rest(VISIT_COLUMNS)),
    "visit_records": _batch_upsert(
        "visit_records", RECORD_COLUMNS, "record_no", _rest(RECORD_COLUMNS)
    ),
    "failed_attempts": _batch_upsert(
        "failed_attempts",
        "visit_id, attempt_no, customer_id, attempted_on, reason",
        "visit_id, attempt_no",
        "attempted_on, reason",
    ),
    "tickets": _batch_upsert(
        "tickets", TICKET_COLUMNS, "ticket_id", _rest(TICKET_COLUMNS)
    ),
    # Every step in log order, repeats too: `seq` numbers them as applied.
    "ticket_steps": _batch_upsert(
        "ticket_steps", "ticket_id, step, on_date, record_no", "", None
    ),
    "capas": _batch_upsert("capas", CAPA_COLUMNS, "capa_id", _rest(CAPA_COLUMNS)),
    "sla_breaches": _batch_upsert(
        "sla_breaches",
        "ticket_id, breach, department, subject, deadline, announced_on",
        "",
        None,
    ),
    "units": _batch_upsert(
        "units",
        "unit_id, customer_id, product_model, contract_id",
        "unit_id",
        "product_model, contract_id",
    ),
    "customers": _batch_upsert(
        "customers", CUSTOMER_COLUMNS, "customer_id", _rest(CUSTOMER_COLUMNS)
    ),
    "contracts": _batch_upsert(
        "contracts",
        "contract_id, customer_id, company",
        "contract_id",
        "customer_id, company",
    ),
    "reviews": _batch_upsert(
        "reviews",
        "review_id, period, part, company, reviewer, reviewed_on, capa_needed, reason",
        "review_id",
        "period, part, company, reviewer, reviewed_on, capa_needed, reason",
    ),
}
BATCH_READS = {
    "tickets": f"SELECT {TICKET_COLUMNS} FROM tickets"
    " WHERE ticket_id = ANY(%s) FOR UPDATE",
    "capas": f"SELECT {CAPA_COLUMNS} FROM capas WHERE capa_id = ANY(%s) FOR UPDATE",
    "customers": f"SELECT {CUSTOMER_COLUMNS} FROM customers"
    " WHERE customer_id = ANY(%s) FOR UPDATE",
}
VISITS_OF = f"SELECT {VISIT_COLUMNS} FROM visits WHERE visit_id = ANY(%s) FOR UPDATE"
BATCH_READ_COLUMNS = {
    "tickets": _names(TICKET_COLUMNS),
    "capas": _names(CAPA_COLUMNS),
    "customers": _names(CUSTOMER_COLUMNS),
}


class Batch:
    """A batch's rows, table by table, as the per-event statements leave them.

    `read` the stored rows the batch's events touch, `fold` each event in log
    order (`projection.BATCH_FOLDS`), then `write`."""

    def __init__(self) -> None:
        self.visits: dict[str, VisitCopy | None] = {}
        self.stored_visits: dict[str, VisitCopy | None] = {}
        self.upserts: dict[str, dict[Any, Row]] = {
            table: {} for table in BATCH_WRITES if table not in FIRST_WINS
        }
        self.appends: dict[str, list[Row]] = {table: [] for table in FIRST_WINS}

    async def read(self, cur: Cursor, events: Sequence[AnyEvent]) -> None:
        """The stored rows of the tables that are read before folding."""
        keys: dict[str, set[str]] = {t: set() for t in ("visits", *BATCH_READS)}
        for event in events:
            match event:
                case TicketOpened() | TicketAssigned() | TicketResolved():
                    keys["tickets"].add(event.payload.ticket_id)
                case CapaOpened() | CapaVerified():
                    keys["capas"].add(event.payload.capa_id)
                case ContractRegistered() | Delivered():
                    keys["customers"].add(event.payload.customer_id)
                case _:
                    visit_id = visit_id_of(event)
                    if visit_id is not None:
                        keys["visits"].add(visit_id)
        # All in one round trip: each statement on its own cursor, fetched
        # once all are sent (the runner applies a batch in pipeline mode).
        reads = []
        if keys["visits"]:
            reads.append(("visits", VISITS_OF))
        reads += [(t, statement) for t, statement in BATCH_READS.items() if keys[t]]
        cursors = []
        for table, statement in reads:
            reader = cur.connection.cursor()
            await reader.execute(statement, (list(keys[table]),))
            cursors.append((table, reader))
        for table, reader in cursors:
            rows = await reader.fetchall()
            await reader.close()
            if table == "visits":
                self.visits = dict.fromkeys(keys["visits"])
                self.visits.update((row[0], VisitCopy(*row)) for row in rows)
                self.stored_visits = dict(self.visits)
            else:
                names = BATCH_READ_COLUMNS[table]
                self.upserts[table] = {
                    row[0]: dict(zip(names, row, strict=True)) for row in rows
                }

    async def write(self, cur: Cursor) -> None:
        """One statement per table the batch changed."""
        changed = [
            vars(copy)  # a dataclass's fields, by name
            for visit_id, copy in self.visits.items()
            if copy is not None and copy != self.stored_visits.get(visit_id)
        ]
        if changed:
            await cur.execute(BATCH_WRITES["visits"], (Jsonb(changed, to_json),))
        for table, rows in self.upserts.items():
            if rows:
                await cur.execute(
                    BATCH_WRITES[table], (Jsonb(list(rows.values()), to_json),)
                )
        for table, appended in self.appends.items():
            if appended:
                await cur.execute(BATCH_WRITES[table], (Jsonb(appended, to_json),))

    def upsert(self, table: str, key: Any, row: Row, update: Sequence[str]) -> Row:
        """An `INSERT ... ON CONFLICT DO UPDATE SET <update>` of one row."""
        rows = self.upserts[table]
        current = rows.get(key)
        if current is None:
            rows[key] = row
            return row
        for column in update:
            current[column] = row[column]
        return current


# Tables whose statement keeps what is there (ON CONFLICT DO NOTHING).
FIRST_WINS = ("ticket_steps", "sla_breaches")
_RECORD_REST = _rest(RECORD_COLUMNS).split(", ")


def fold_visit_fact(batch: Batch, event: AnyEvent) -> None:
    """`apply_visit_fact`: the copy evolves by `domain/visit_copies.py`."""
    visit_id = visit_id_of(event)
    if visit_id is not None:
        batch.visits[visit_id] = evolve(batch.visits.get(visit_id), event)


def fold_record(batch: Batch, event: VisitCompleted) -> None:
    """`apply_record`."""
    p = event.payload
    row = {
        "record_no": p.record_no,
        "customer_id": p.customer_id,
        "visit_id": p.visit_id,
        "kind": p.kind,
        "visited_on": p.visited_on,
        "visitor": p.visitor,
        "channel": p.channel,
        "product_quality": p.product_quality,
        "service_quality": (
            retail_service_quality(p.service_quality, p.answers)
            if p.kind is VisitKind.RETAIL_FOLLOWUP
            else p.service_quality
        ),
        "score": p.score,
        "suggestions": p.suggestions,
        "needs": p.needs,
        "post_warranty_service": [s.value for s in p.post_warranty_service],
        "unit_id": p.unit_id,
        "order_id": p.order_id,
        "store_id": p.store_id,
        "ticket_id": p.ticket_id,
        "product_model": p.product_model,
        "region": p.region,
        "opportunities": p.opportunities,
    }
    batch.upsert("visit_records", p.record_no, row, _RECORD_REST)


def fold_attempt(batch: Batch, event: VisitAttemptFailed) -> None:
    """`apply_attempt`."""
    p = event.payload
    row = {
        "visit_id": p.visit_id,
        "attempt_no": p.attempt_no,
        "customer_id": p.customer_id,
        "attempted_on": p.attempted_on,
        "reason": p.reason,
    }
    batch.upsert(
        "failed_attempts", (p.visit_id, p.attempt_no), row, ("attempted_on", "reason")
    )


def fold_ticket_opened(batch: Batch, event: TicketOpened) -> None:
    """`apply_ticket_opened`: a department already routed stays."""
    p = event.payload
    current = batch.upserts["tickets"].get(p.ticket_id)
    department = p.department
    if current is not None and current["department"] is not None:
        department = current["department"]
    row = {
        "ticket_id": p.ticket_id,
        "customer_id": p.customer_id,
        "complaint_id": p.complaint_id,
        "subject": p.subject,
        "department": department,
        "opened_on": p.opened_on,
        "visit_id": p.visit_id,
        "record_no": p.record_no,
        "form": p.form,
    }
    batch.upsert("tickets", p.ticket_id, row, _TICKET_OPENED_SETS)


_TICKET_OPENED_SETS = (
    "complaint_id",
    "form",
    "subject",
    "opened_on",
    "visit_id",
    "record_no",
    "department",
)


def _route(batch: Batch, ticket_id: str, customer_id: str, department: str) -> None:
    """TICKET_ROUTED; a ticket first known by its routing is a complaint's
    (the column's default) until its opening says otherwise."""
    row: Row = dict.fromkeys(BATCH_READ_COLUMNS["tickets"])
    row.update(
        ticket_id=ticket_id,
        customer_id=customer_id,
        department=department,
        form=FeedbackForm.COMPLAINT,
    )
    batch.upsert("tickets", ticket_id, row, ("department",))


def _step(batch: Batch, ticket_id: str, step: Step, on: date, record_no: str) -> None:
    batch.appends["ticket_steps"].append(
        {"ticket_id": ticket_id, "step": step, "on_date": on, "record_no": record_no}
    )


def fold_ticket_assigned(batch: Batch, event: TicketAssigned) -> None:
    """`apply_ticket_assigned`."""
    p = event.payload
    _route(batch, p.ticket_id, p.customer_id, p.department)


def fold_ticket_resolved(batch: Batch, event: TicketResolved) -> None:
    """`apply_ticket_resolved`."""
    p = event.payload
    _route(batch, p.ticket_id, p.customer_id, p.department)
    _step(batch, p.ticket_id, Step.RESOLVED, p.resolved_on, "")


def fold_ticket_verified(batch: Batch, event: TicketVerified) -> None:
    """`apply_ticket_verified`."""
    p = event.payload
    _step(batch, p.ticket_id, Step.VERIFIED, p.verified_on, p.record_no)


def fold_ticket_reopened(batch: Batch, event: TicketReopened) -> None:
    """`apply_ticket_reopened`."""
    p = event.payload
    _step(batch, p.ticket_id, Step.REOPENED, p.reopened_on, p.record_no)


def fold_ticket_overdue(batch: Batch, event: TicketOverdue) -> None:
    """`apply_ticket_overdue`: the first announcement of a breach stays."""
    p = event.payload
    batch.appends["sla_breaches"].append(
        {
            "ticket_id": p.ticket_id,
            "breach": p.breach,
            "department": p.department,
            "subject": p.subject,
            "deadline": p.deadline,
            "announced_on": p.announced_on,
        }
    )


_CAPA_OPENED_SETS = (
    "subject",
    "review_id",
    "owner",
    "opened_on",
    "due_date",
    "source_period",
)


def fold_capa_opened(batch: Batch, event: CapaOpened) -> None:
    """`apply_capa_opened`."""
    p = event.payload
    row = {
        "capa_id": p.capa_id,
        "subject": p.subject,
        "owner": p.owner,
        "opened_on": p.opened_on,
        "due_date": p.due_date,
        "source_period": p.source_period,
        "review_id": p.review_id,
        "verified_on": None,
    }
    batch.upsert("capas", p.capa_id, row, _CAPA_OPENED_SETS)


def fold_capa_verified(batch: Batch, event: CapaVerified) -> None:
    """`apply_capa_verified`."""
    p = event.payload
    row: Row = dict.fromkeys(BATCH_READ_COLUMNS["capas"])
    row.update(capa_id=p.capa_id, verified_on=p.verified_on)
    batch.upsert("capas", p.capa_id, row, ("verified_on",))


def fold_unit(batch: Batch, event: Shipped) -> None:
    """`apply_unit`."""
    p = event.payload
    row = {
        "unit_id": p.unit_id,
        "customer_id": p.customer_id,
        "product_model": p.product_model,
        "contract_id": p.contract_id,
    }
    batch.upsert("units", p.unit_id, row, ("product_model", "contract_id"))


def fold_customer(batch: Batch, event: ContractRegistered | Delivered) -> None:
    """`apply_customer`: a name or region not given keeps the known one."""
    p = event.payload
    row: Row = dict.fromkeys(BATCH_READ_COLUMNS["customers"])
    row.update(
        customer_id=p.customer_id, customer_name=p.customer_name, region=p.region
    )
    current = batch.upsert("customers", p.customer_id, row, ())
    if current is not row:
        if p.customer_name is not None:
            current["customer_name"] = p.customer_name
        if p.region is not None:
            current["region"] = p.region


def fold_contract(batch: Batch, event: ContractRegistered) -> None:
    """`apply_contract`."""
    p = event.payload
    fold_customer(batch, event)
    row = {
        "contract_id": p.contract_id,
        "customer_id": p.customer_id,
        "company": p.company,
    }
    batch.upsert("contracts", p.contract_id, row, ("customer_id", "company"))
    tags = p.tags.model_dump(mode="json")
    batch.upserts["customers"][p.customer_id].update(
        {axis: tags.get(axis) for axis in TAG_AXES}
    )


_REVIEW_SETS = (
    "period",
    "part",
    "company",
    "reviewer",
    "reviewed_on",
    "capa_needed",
    "reason",
)


def fold_review(batch: Batch, event: ReportReviewed) -> None:
    """`apply_review`."""
    p = event.payload
    row = {
        "review_id": p.review_id,
        "period": p.period,
        "part": p.part,
        "company": p.company,
        "reviewer": p.reviewer,
        "reviewed_on": p.reviewed_on,
        "capa_needed": p.capa_needed,
        "reason": p.reason,
    }
    batch.upsert("reviews", p.review_id, row, _REVIEW_SETS)


# -- reads (the report) --------------------------------------------------------

# The record's own product model and region first; else what the schedule
# planned the visit with; else what the ledger knows of the unit and customer.
RECORDS = """
SELECT r.record_no, r.customer_id, r.visit_id, r.kind, r.visited_on, r.score,
       r.product_quality, r.service_quality,
       COALESCE(r.product_model, v.product_model, u.product_model),
       COALESCE(r.region, v.region, c.region),
       r.suggestions, r.needs, r.post_warranty_service, v.latest_date,
       COALESCE(k.company, o.company),
       c.strength, c.decision_maker, c.interest, c.cooperation,
       r.channel, r.opportunities
FROM visit_records r
LEFT JOIN visits v ON v.visit_id = r.visit_id
LEFT JOIN units u ON u.unit_id = COALESCE(r.unit_id, v.unit_id)
LEFT JOIN contracts k ON k.contract_id = u.contract_id
LEFT JOIN customers c ON c.customer_id = r.customer_id
LEFT JOIN (
    SELECT customer_id,
           CASE WHEN count(DISTINCT company) = 1 THEN min(company) END AS company
    FROM contracts
    WHERE customer_id IN (
        SELECT customer_id FROM visit_records WHERE visited_on BETWEEN %s AND %s)
    GROUP BY customer_id
) o ON o.customer_id = r.customer_id
WHERE r.visited_on BETWEEN %s AND %s
ORDER BY r.visited_on, r.record_no
"""
# Overdue: by latest date, `domain/visits.overdue_window` (proven equal).
VISITS = f"""
SELECT {VISIT_COLUMNS} FROM visits
WHERE due_date BETWEEN %(start)s AND %(end)s
   OR (overdue_on IS NOT NULL
       AND latest_date BETWEEN %(late_from)s AND %(late_to)s)
   OR superseded_on BETWEEN %(start)s AND %(end)s
"""
ATTEMPTS = """
SELECT attempted_on, reason FROM failed_attempts
WHERE attempted_on BETWEEN %s AND %s
"""
# A ticket whose last step is a verification dated before the period adds
# nothing to it (neither activity nor an open ticket at its end): skipped.
TICKETS = """
SELECT t.ticket_id, t.department, t.opened_on, t.form, t.subject,
       COALESCE(array_agg(s.step ORDER BY s.seq) FILTER (WHERE s.seq IS NOT NULL),
                '{}'),
       COALESCE(array_agg(s.on_date ORDER BY s.seq) FILTER (WHERE s.seq IS NOT NULL),
                '{}')
FROM tickets t LEFT JOIN ticket_steps s ON s.ticket_id = t.ticket_id
WHERE t.opened_on <= %(end)s
GROUP BY t.ticket_id
HAVING t.opened_on >= %(start)s
    OR COALESCE(max(s.on_date) >= %(start)s, true)
    OR (array_agg(s.step ORDER BY s.on_date DESC, s.seq DESC))[1] <> 'verified'
"""
CAPAS = """
SELECT capa_id, owner, opened_on, verified_on, review_id, due_date FROM capas
WHERE (opened_on IS NULL OR opened_on <= %(end)s)
  AND (verified_on IS NULL OR verified_on >= %(start)s)
"""
# Breaches that happened (the day after the deadline) by `end`: those from
# `since` on, and earlier ones of the tickets named (resolved in the window).
BREACHES = """
SELECT b.ticket_id, b.breach, b.deadline, b.department, b.subject, t.form,
       t.subject, t.department
FROM sla_breaches b LEFT JOIN tickets t ON t.ticket_id = b.ticket_id
WHERE b.deadline < %(end)s
  AND (b.deadline >= %(since)s OR b.ticket_id = ANY(%(tickets)s))
ORDER BY b.deadline, b.ticket_id, b.breach
"""
SCORES = """
SELECT visited_on, kind, sum(score), count(*) FROM visit_records
WHERE visited_on BETWEEN %s AND %s GROUP BY visited_on, kind
"""
CUSTOMER_NAMES = """
SELECT customer_id, customer_name FROM customers
WHERE customer_id = ANY(%s) AND customer_name IS NOT NULL
"""
ACTIVE_DAYS = """
SELECT visited_on FROM visit_records
UNION SELECT attempted_on FROM failed_attempts
UNION SELECT latest_date + 1 FROM visits
    WHERE overdue_on IS NOT NULL AND latest_date IS NOT NULL
UNION SELECT superseded_on FROM visits WHERE superseded_on IS NOT NULL
UNION SELECT opened_on FROM tickets WHERE opened_on IS NOT NULL
UNION SELECT on_date FROM ticket_steps
UNION SELECT opened_on FROM capas WHERE opened_on IS NOT NULL
UNION SELECT verified_on FROM capas WHERE verified_on IS NOT NULL
"""
REVIEWS = """
SELECT review_id, period, part, company, reviewer, reviewed_on, capa_needed, reason
FROM reviews WHERE period = %s ORDER BY reviewed_on, review_id
"""
REVIEWED_CAPAS = """
SELECT capa_id, review_id FROM capas WHERE review_id = ANY(%s)
"""


def records(conn: Connection, bounds: Bounds) -> list[VisitRecord]:
    """The visit records dated in the period."""
    return [
        VisitRecord(
            record_no=r[0],
            customer_id=r[1],
            visit_id=r[2],
            kind=VisitKind(r[3]),
            visited_on=r[4],
            score=r[5],
            product_quality=Rating(r[6]) if r[6] else None,
            service_quality=Rating(r[7]) if r[7] else None,
            product_model=r[8],
            region=r[9],
            suggestions=r[10],
            needs=r[11],
            post_warranty_service=tuple(PostWarrantyService(s) for s in r[12]),
            latest_date=r[13],
            company=r[14],
            tags=dict(zip(TAG_AXES, r[15:19], strict=True)),
            channel=r[19],
            opportunities=r[20],
        )
        for r in conn.execute(RECORDS, (*bounds, *bounds))
    ]


def visits(conn: Connection, bounds: Bounds) -> list[VisitCopy]:
    """Visits due, gone overdue or superseded in the period."""
    late_from, late_to = overdue_window(bounds)
    rows = conn.execute(
        VISITS,
        {
            "start": bounds[0],
            "end": bounds[1],
            "late_from": late_from,
            "late_to": late_to,
        },
    ).fetchall()
    return [VisitCopy(*row) for row in rows]


def failures(conn: Connection, bounds: Bounds) -> list[tuple[date, AttemptFailure]]:
    """Failed attempts dated in the period, with their reasons."""
    rows = conn.execute(ATTEMPTS, bounds).fetchall()
    return [(on, AttemptFailure(reason)) for on, reason in rows]


def tickets(conn: Connection, bounds: Bounds) -> list[Ticket]:
    """Tickets that may count in the period, each with its steps in order."""
    rows = conn.execute(TICKETS, {"start": bounds[0], "end": bounds[1]}).fetchall()
    return [
        Ticket(
            ticket_id=ticket_id,
            department=department or UNKNOWN,
            opened_on=opened_on,
            steps=tuple(
                TicketStep(Step(s), on) for s, on in zip(steps, days, strict=True)
            ),
            form=form_of(
                FeedbackForm(form), ComplaintSubject(subject) if subject else None
            ),
        )
        for ticket_id, department, opened_on, form, subject, steps, days in rows
    ]


def capas(conn: Connection, bounds: Bounds) -> list[Capa]:
    """CAPAs opened by the period's end and not verified before it began."""
    rows = conn.execute(CAPAS, {"start": bounds[0], "end": bounds[1]}).fetchall()
    return [Capa(*row) for row in rows]


def breaches(conn: Connection, bounds: Bounds, ticket_ids: list[str]) -> list[Breach]:
    """SLA breaches that happened in `bounds`, and those before it of these
    tickets; each with the form and department the ticket counts as."""
    rows = conn.execute(
        BREACHES,
        {
            "end": bounds[1],
            "since": bounds[0] - timedelta(days=1),
            "tickets": ticket_ids,
        },
    ).fetchall()
    return [
        Breach(
            ticket_id=ticket_id,
            kind=SlaBreach(kind),
            deadline=deadline,
            department=department,
            form=form_of(
                FeedbackForm(form or FeedbackForm.COMPLAINT),
                ComplaintSubject(ticket_subject or subject),
            ),
            ticket_department=ticket_department,
        )
        for (
            ticket_id,
            kind,
            deadline,
            department,
            subject,
            form,
            ticket_subject,
            ticket_department,
        ) in rows
    ]


def day_scores(conn: Connection, first: date, last: date) -> list[DayScores]:
    """Scores summed per day and kind from `first` to `last`."""
    rows = conn.execute(SCORES, (first, last)).fetchall()
    return [
        DayScores(day, VisitKind(kind), int(total), n) for day, kind, total, n in rows
    ]


def customer_names(conn: Connection, customer_ids: list[str]) -> dict[str, str]:
    """Names the ledger knows for these customers."""
    return dict(conn.execute(CUSTOMER_NAMES, (customer_ids,)).fetchall())


def active_days(conn: Connection) -> list[date]:
    """Every day on which something the report counts happened."""
    return [row[0] for row in conn.execute(ACTIVE_DAYS).fetchall()]


def reviews(conn: Connection, period: str) -> list[Review]:
    """The period's reviews, by date."""
    return [
        Review(
            review_id=r[0],
            period=r[1],
            part=ReportPart(r[2]),
            company=r[3],
            reviewer=r[4],
            reviewed_on=r[5],
            capa_needed=r[6],
            reason=r[7],
        )
        for r in conn.execute(REVIEWS, (period,)).fetchall()
    ]


def reviewed_capas(conn: Connection, review_ids: list[str]) -> list[tuple[str, str]]:
    """(CAPA id, review id) of the CAPAs opened from these reviews."""
    rows = conn.execute(REVIEWED_CAPAS, (review_ids,)).fetchall()
    return [(capa_id, review_id) for capa_id, review_id in rows]


RECORD_NUMBERS = """
SELECT record_no FROM visit_records WHERE visited_on BETWEEN %s AND %s
ORDER BY record_no
"""


def record_numbers(conn: Connection, bounds: Bounds) -> list[str]:
    """The numbers of the records dated in the period."""
    return [row[0] for row in conn.execute(RECORD_NUMBERS, bounds).fetchall()]


def positions(conn: Connection, schema: str) -> list[dict[str, Any]]:
    """The read model's consumer positions (topic, partition, next offset),
    in `schema` (the views schema, named: the store has a table of that name)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT topic, partition, next_offset FROM {} ORDER BY topic, partition"
        ).format(sql.Identifier(schema, "consumer_positions"))
    ).fetchall()
    return [{"topic": t, "partition": p, "next_offset": o} for t, p, o in rows]


PositionKey = tuple[tuple[str, int, int], ...]
_POSITION_KEY = (
    "SELECT topic, partition, next_offset FROM consumer_positions"
    " ORDER BY topic, partition"
)


def position_key(conn: Connection) -> PositionKey:
    """The read model's consumer positions as the caller's snapshot sees them
    (the views schema first on the path): what the read model has applied,
    so an answer computed in that snapshot is valid while they are unchanged."""
    return tuple((t, p, o) for t, p, o in conn.execute(_POSITION_KEY).fetchall())


async def position_key_now(conn: psycopg.AsyncConnection[Any]) -> PositionKey:
    """`position_key` read by an asyncio connection in autocommit: the
    positions as of now (one statement, its own snapshot)."""
    cur = await conn.execute(_POSITION_KEY)
    return tuple((t, p, o) for t, p, o in await cur.fetchall())


# -- the dashboard's counts, in SQL ---------------------------------------------
#
# A record classified as `RECORDS` classifies it, a value it does not name
# being `UNKNOWN` (as `breakdown` keys and `Filters.keeps` compare it); the
# dashboard's filters (`Filters.criteria`) and the counts of `Counted` over
# those it keeps, grouped. Each is the domain's rule stated in SQL, proven
# equal to the domain on a varied data set
# (tests/integration/test_reporting_reads.py). A column a query does not
# read is not computed, and the customers' join it does not use is removed
# by the planner.


def _known(expression: str) -> str:
    return f"COALESCE(NULLIF({expression}, ''), '{UNKNOWN}')"


def _of_visit(column: str) -> str:
    # Scalar, not a join: inside COALESCE it runs only for a record that
    # does not name the value itself (most do), so a filter on region or
    # model does not probe a million visits (issue 11).
    return f"(SELECT v.{column} FROM visits v WHERE v.visit_id = r.visit_id)"


_VISIT_MODEL = _of_visit("product_model")
_UNIT_MODEL = (
    "(SELECT u.product_model FROM units u"
    f" WHERE u.unit_id = COALESCE(r.unit_id, {_of_visit('unit_id')}))"
)
_CUSTOMER_REGION = (
    "(SELECT c.region FROM customers c WHERE c.customer_id = r.customer_id)"
)
CLASSIFIED = f"""
SELECT r.record_no, r.customer_id, r.visit_id, r.kind, r.visited_on, r.score,
       r.product_quality, r.service_quality, r.suggestions, r.needs,
       r.post_warranty_service, {_of_visit("latest_date")} AS latest_date,
       {_known(f"COALESCE(r.product_model, {_VISIT_MODEL}, {_UNIT_MODEL})")}
           AS product_model,
       {_known(f"COALESCE(r.region, {_of_visit('region')}, {_CUSTOMER_REGION})")}
           AS region,
       {", ".join(f"{_known(f'c.{axis}')} AS {axis}" for axis in TAG_AXES)}
FROM visit_records r
LEFT JOIN customers c ON c.customer_id = r.customer_id
WHERE r.visited_on BETWEEN %(first)s AND %(last)s
"""
_RETAIL = f"kind = '{VisitKind.RETAIL_FOLLOWUP.value}'"
COUNTED = ", ".join(
    [
        "count(*)",
        *(
            f"count(*) FILTER (WHERE {axis} = '{rating.value}')"
            for axis in ("product_quality", "service_quality")
            for rating in Rating
        ),
        "COALESCE(sum(score), 0)",
        f"count(*) FILTER (WHERE {_RETAIL})",
        f"COALESCE(sum(score) FILTER (WHERE {_RETAIL}), 0)",
    ]
)
BREAKDOWN_AXES = ("product_model", "region", "kind", *TAG_AXES)
# Per day: the domain sums days into periods (`dashboard.counts_by_period`).
COUNTS_BY_DAY = """
SELECT visited_on, {counted}
FROM ({classified}) x
WHERE {kept}
GROUP BY visited_on
"""
COUNTS_BY_AXIS = """
SELECT {axis}, COALESCE({keys}), {counted}
FROM ({classified}) x
WHERE {kept}
GROUP BY GROUPING SETS ({sets})
"""
DONE_BY_REGION = """
SELECT region, count(DISTINCT visit_id),
       count(DISTINCT visit_id) FILTER (WHERE visited_on > latest_date)
FROM ({classified}) x
WHERE {kept}
GROUP BY region
"""
# `count_visits` over `VISITS`' rows: standing = not cancelled; planned by due
# date, overdue by the day after the latest date, missed by superseded day.
VISITS_BY_REGION = f"""
SELECT region, count(*) FILTER (WHERE planned), count(*) FILTER (WHERE overdue),
       count(*) FILTER (WHERE missed)
FROM (
    SELECT {_known("region")} AS region, {_known("product_model")} AS product_model,
           {_known("kind")} AS kind,
           cancelled IS NOT TRUE AND due_date BETWEEN %(start)s AND %(end)s
               AS planned,
           cancelled IS NOT TRUE AND overdue_on IS NOT NULL
               AND latest_date + 1 BETWEEN %(start)s AND %(end)s AS overdue,
           cancelled IS NOT TRUE AND superseded_on BETWEEN %(start)s AND %(end)s
               AS missed
    FROM visits
    WHERE due_date BETWEEN %(start)s AND %(end)s
       OR (overdue_on IS NOT NULL
           AND latest_date BETWEEN %(late_from)s AND %(late_to)s)
       OR superseded_on BETWEEN %(start)s AND %(end)s
) x
WHERE {{kept}}
GROUP BY region
"""
FAILURES_BY_REASON = """
SELECT reason, count(*) FROM failed_attempts
WHERE attempted_on BETWEEN %s AND %s GROUP BY reason
"""
# Those that may state a suggestion or a need (`suggestions_and_needs`
# decides, on stripped text): a superset, read with only what it lists.
SUGGESTING = """
SELECT record_no, customer_id, visit_id, kind, visited_on, score, suggestions,
       needs, post_warranty_service
FROM ({classified}) x
WHERE {kept}
  AND (suggestions <> '' OR needs <> '' OR cardinality(post_warranty_service) > 0)
ORDER BY visited_on, record_no
"""


def _kept(
    wanted: dict[str, str], params: dict[str, Any], allowed: Sequence[str]
) -> sql.Composable:
    """The filters' criteria as a WHERE clause over the classified columns."""
    clauses: list[sql.Composable] = [sql.SQL("true")]
    for n, (name, value) in enumerate(sorted(wanted.items())):
        if name not in allowed:
            continue
        params[f"wanted_{n}"] = value
        clauses.append(
            sql.SQL("{} = {}").format(
                sql.Identifier(name), sql.Placeholder(f"wanted_{n}")
            )
        )
    return sql.SQL(" AND ").join(clauses)


def _counted(row: Sequence[Any]) -> Counted:
    n, ps, pn, pd, ss, sn, sd, total, retail, retail_total = row
    return Counted(
        records=n,
        product_quality=Tally(ps, pn, pd),
        service_quality=Tally(ss, sn, sd),
        score_total=int(total),
        retail_records=retail,
        retail_score_total=int(retail_total),
    )


def _classified_query(template: str, filters: Filters, **parts: Any) -> Any:
    params: dict[str, Any] = {}
    kept = _kept(filters.criteria(), params, BREAKDOWN_AXES)
    query = sql.SQL(template).format(classified=sql.SQL(CLASSIFIED), kept=kept, **parts)
    return query, params


def counts_by_day(
    conn: Connection, bounds: Bounds, filters: Filters
) -> list[tuple[date, Counted]]:
    """`count` of the records of each day in `bounds` that the filters keep
    (days without any left out)."""
    query, params = _classified_query(COUNTS_BY_DAY, filters, counted=sql.SQL(COUNTED))
    params.update(first=bounds[0], last=bounds[1])
    return [(row[0], _counted(row[1:])) for row in conn.execute(query, params)]


def counts_by_axis(
    conn: Connection, bounds: Bounds, filters: Filters
) -> dict[str, dict[str, Counted]]:
    """`count` of the period's records the filters keep, by each of
    `BREAKDOWN_AXES` (product model, region, kind, each tag axis)."""
    axis = sql.SQL("CASE {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN GROUPING({}) = 0 THEN {}").format(
                sql.Identifier(name), sql.Literal(name)
            )
            for name in BREAKDOWN_AXES
        )
    )
    names = sql.SQL(", ").join(sql.Identifier(name) for name in BREAKDOWN_AXES)
    sets = sql.SQL(", ").join(
        sql.SQL("({})").format(sql.Identifier(name)) for name in BREAKDOWN_AXES
    )
    query, params = _classified_query(
        COUNTS_BY_AXIS,
        filters,
        axis=axis,
        keys=names,
        sets=sets,
        counted=sql.SQL(COUNTED),
    )
    params.update(first=bounds[0], last=bounds[1])
    found: dict[str, dict[str, Counted]] = {name: {} for name in BREAKDOWN_AXES}
    for row in conn.execute(query, params):
        found[row[0]][row[1]] = _counted(row[2:])
    return found


def done_by_region(
    conn: Connection, bounds: Bounds, filters: Filters
) -> dict[str, tuple[int, int]]:
    """Per region: visits done and done late by the period's records the
    filters keep (`count_visits`' done and done_late)."""
    query, params = _classified_query(DONE_BY_REGION, filters)
    params.update(first=bounds[0], last=bounds[1])
    return {region: (done, late) for region, done, late in conn.execute(query, params)}


def visits_by_region(
    conn: Connection, bounds: Bounds, filters: Filters
) -> dict[str, tuple[int, int, int]]:
    """Per region: (planned, overdue, missed) of `visits` (`count_visits`)
    among those whose region, product model and kind the filters keep."""
    late_from, late_to = overdue_window(bounds)
    params: dict[str, Any] = {
        "start": bounds[0],
        "end": bounds[1],
        "late_from": late_from,
        "late_to": late_to,
    }
    kept = _kept(filters.criteria(), params, ("region", "product_model", "kind"))
    query = sql.SQL(VISITS_BY_REGION).format(kept=kept)
    return {
        r: (planned, late, missed)
        for r, planned, late, missed in conn.execute(query, params)
    }


def failures_by_reason(conn: Connection, bounds: Bounds) -> dict[str, int]:
    """Failed attempts dated in the period, counted by reason."""
    return dict(conn.execute(FAILURES_BY_REASON, bounds).fetchall())


def suggesting(conn: Connection, bounds: Bounds, filters: Filters) -> list[VisitRecord]:
    """The period's records the filters keep that may state a suggestion or a
    need, with what `suggestions_and_needs` reads of them."""
    query, params = _classified_query(SUGGESTING, filters)
    params.update(first=bounds[0], last=bounds[1])
    return [
        VisitRecord(
            record_no=r[0],
            customer_id=r[1],
            visit_id=r[2],
            kind=VisitKind(r[3]),
            visited_on=r[4],
            score=r[5],
            suggestions=r[6],
            needs=r[7],
            post_warranty_service=tuple(PostWarrantyService(s) for s in r[8]),
        )
        for r in conn.execute(query, params)
    ]
