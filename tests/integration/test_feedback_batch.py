"""The feedback read model is the same whether its events are applied one by
one (`apply`, the runner's slow path) or a batch at a time (`apply_batch`):
every table, every column (the history's order too), for a realistic mix of
ticket and CAPA lifecycles from several partitions interleaved, with several
steps of one ticket in a batch, redeliveries and repeated announcements. A
batch with an event the lifecycle refuses raises, as that event alone does."""

import asyncio
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from bench.mix import event_mix
from schemas.catalogue import AnyEvent
from schemas.envelope import Event
from schemas.feedback import (
    TicketOpened,
    TicketOverdue,
    TicketOverduePayload,
    TicketResolved,
)
from schemas.types import SlaBreach
from services.feedback import views
from services.feedback.domain.errors import TransitionNotAllowed
from services.feedback.domain.sla import DEFAULT_SLA
from services.feedback.projection import apply, apply_batch
from services.kit.db import VIEWS, connect, connect_async, migrate
from services.kit.settings import Settings
from tests.support.tables import Rows, table_rows

pytestmark = pytest.mark.integration

CLOCK = date(2026, 11, 30)

MIGRATIONS = Path(__file__).parents[2] / "services" / "feedback" / "migrations"
TABLES = {"tickets": "ticket_id", "ticket_history": "seq", "capas": "capa_id"}
PARTITIONS = 3


def overdue(opened: TicketOpened, breach: SlaBreach) -> TicketOverdue:
    p = opened.payload
    return TicketOverdue(
        source="feedback",
        actor="sla",
        payload=TicketOverduePayload(
            customer_id=p.customer_id,
            ticket_id=p.ticket_id,
            department=p.department,
            subject=p.subject,
            breach=breach,
            deadline=p.opened_on + timedelta(days=2),
            announced_on=p.opened_on + timedelta(days=3),
        ),
    )


def log() -> list[Event]:
    """The mix's feedback events from three partitions (by key, each in its
    order) interleaved in uneven chunks, SLA announcements (one made twice,
    one for a ticket not known), a ticket opened twice, and redeliveries."""
    mixed: list[Event] = [
        e for e in event_mix(20000) if e.type.startswith(("ticket_", "capa_"))
    ]
    opened = [e for e in mixed if isinstance(e, TicketOpened)]
    for i, ticket in enumerate(opened[:60]):
        breach = SlaBreach.ASSIGNMENT if i % 2 else SlaBreach.RESOLUTION
        at = mixed.index(ticket) + 1 + i % 5
        mixed[at:at] = [overdue(ticket, breach) for _ in range(1 + i % 3 // 2)]
    mixed.append(overdue(opened[0], SlaBreach.RESOLUTION))
    mixed.append(opened[1].model_copy(update={"event_id": uuid4()}))
    parts: list[list[Event]] = [[] for _ in range(PARTITIONS)]
    for e in mixed:
        parts[zlib.crc32(e.key.encode()) % PARTITIONS].append(e)
    out: list[Event] = []
    chunk = 0
    while any(parts):
        chunk += 1
        part = parts[chunk % PARTITIONS]
        out.extend(part[: 3 + chunk % 17])
        del part[: 3 + chunk % 17]
    out.extend(out[50:90])  # redelivered
    return out


def claimed(events: list[Any]) -> list[Any]:
    """What the runner hands on: an event id once (it claims ids)."""
    seen: set[Any] = set()
    fresh = []
    for e in events:
        if e.event_id not in seen:
            seen.add(e.event_id)
            fresh.append(e)
    return fresh


async def project(
    settings: Settings, schema: str, events: list[Any], size: int | None
) -> None:
    conn = await connect_async(settings.database_url, schema)
    try:
        if size is None:
            for event in claimed(events):
                async with conn.transaction(), conn.cursor() as cur:
                    await apply(cur, event)
        else:
            fresh = claimed(events)
            for start in range(0, len(fresh), size):
                async with conn.transaction(), conn.cursor() as cur:
                    await apply_batch(cur, fresh[start : start + size])
    finally:
        await conn.close()


def tables(settings: Settings, schema: str) -> Rows:
    return table_rows(settings, schema, TABLES)


def test_batches_of_any_size_write_the_rows_one_by_one_writes(
    settings: Settings,
) -> None:
    events = log()
    types = {e.type for e in events}
    assert types >= {"ticket_opened", "ticket_reopened", "ticket_overdue"}, types
    assert types >= {"ticket_verified", "capa_opened", "capa_verified"}, types
    results = {}
    for size in (None, 1, 7, 500):
        schema = settings.schema_for(f"feedback_{size or 'each'}")
        migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
        asyncio.run(project(settings, schema, events, size))
        results[size] = tables(settings, schema)
    expected = results[None]
    assert len(expected["tickets"]) > 200
    assert len(expected["capas"]) > 40
    states = {row[10] for row in expected["tickets"]}
    assert states >= {"verified", "reopened", "resolved", "assigned"}, states
    assert any(row[21] for row in expected["tickets"])  # announced
    for size in (1, 7, 500):
        for table in TABLES:
            assert results[size][table] == expected[table], (size, table)


def test_a_batch_with_a_refused_step_raises_as_the_step_alone_does(
    settings: Settings,
) -> None:
    events = [e for e in log() if e.type.startswith("ticket_")]
    resolved = next(e for e in events if isinstance(e, TicketResolved))
    until = events.index(resolved) + 1
    again = resolved.model_copy(update={"event_id": uuid4()})
    twice: list[AnyEvent] = [*events[:until], again]  # type: ignore[list-item]
    schema = settings.schema_for("feedback_refused")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)

    async def run() -> None:
        conn = await connect_async(settings.database_url, schema)
        try:
            with pytest.raises(TransitionNotAllowed):
                async with conn.transaction(), conn.cursor() as cur:
                    await apply_batch(cur, twice)
            async with conn.transaction(), conn.cursor() as cur:
                await apply_batch(cur, twice[:-1])
            with pytest.raises(TransitionNotAllowed):
                async with conn.transaction(), conn.cursor() as cur:
                    await apply(cur, twice[-1])
            unknown = resolved.payload.model_copy(update={"ticket_id": "T-x"})
            step = resolved.model_copy(update={"payload": unknown})
            async with conn.transaction(), conn.cursor() as cur:
                with pytest.raises(LookupError):
                    await apply_batch(cur, [step])
        finally:
            await conn.close()

    asyncio.run(run())


def test_ticket_pages_match_their_filters_and_a_status_reads_its_index(
    settings: Settings,
) -> None:
    schema = settings.schema_for("feedback_pages")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    asyncio.run(project(settings, schema, log(), 500))
    with connect(settings.database_url, schema) as conn:
        every, _ = views.tickets_page(conn, as_of=CLOCK, sla=DEFAULT_SLA, limit=100_000)
        months = sorted({t.opened_on.isoformat()[:7] for t in every})
        filters: list[dict[str, Any]] = [
            {"status": "open"},
            {"status": "verified"},
            {"month": months[len(months) // 2]},
            {"month": months[-1], "status": "assigned"},
            {"customer_id": every[3].customer_id},
            {"department": every[5].department, "subject": every[5].subject},
        ]
        for chosen in filters:
            wanted = [
                t.ticket_id
                for t in every
                if all(
                    (t.opened_on.isoformat()[:7] if k == "month" else getattr(t, k))
                    == v
                    for k, v in chosen.items()
                )
            ]
            got: list[str] = []
            cursor = None
            while True:
                page, cursor = views.tickets_page(
                    conn, as_of=CLOCK, sla=DEFAULT_SLA, limit=7, after=cursor, **chosen
                )
                got += [t.ticket_id for t in page]
                if cursor is None:
                    break
            assert got == wanted, chosen
            assert wanted or chosen.keys() == {"month", "status"}, chosen
        # The plan a prepared statement keeps after five runs, whatever status.
        query = views.tickets_query(["status", "after"])
        for name, number in (("status", 1), ("after", 2), ("limit", 3)):
            query = query.replace(f"%({name})s", f"${number}")
        conn.execute(f"PREPARE page (text, text, int) AS {query}")
        conn.execute("SET plan_cache_mode = force_generic_plan")
        plan = conn.execute("EXPLAIN EXECUTE page ('open', 'T', 51)").fetchall()
    assert "Index Scan using tickets_state" in str(plan), plan
