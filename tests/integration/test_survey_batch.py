"""The survey's read model is the same whether its events are applied one by
one (`apply`, the runner's slow path) or a batch at a time (`apply_batch`):
every table, every column, for a realistic mix of schedule and survey events
arriving out of order across the two topics, with several events of one visit
in a batch and events delivered twice."""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bench.mix import event_mix
from schemas.catalogue import AnyEvent
from schemas.envelope import Event
from schemas.schedule import VisitCancelled, VisitCancelledPayload, VisitPlanned
from services.kit.db import VIEWS, connect_async, migrate
from services.kit.settings import Settings
from services.survey.projection import apply, apply_batch
from tests.support.tables import Rows, table_rows

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "survey" / "migrations"
TABLES = {
    "visits": "visit_id",
    "visit_records": "record_no",
    "attempts": "visit_id, attempt_no",
    "complaints": "complaint_id",
}
SCHEDULE = ("visit_planned", "visit_rescheduled", "visit_cancelled", "visit_escalated")
SURVEY = ("visit_completed", "visit_attempt_failed", "complaint_raised")


def log() -> list[Event]:
    """The mix's schedule and survey events, the two topics out of step (the
    survey's by up to 40 events ahead of the schedule's), some delivered
    twice, and a visit cancelled, planned again and recorded, all at once."""
    mixed = [e for e in event_mix(6000) if e.type in SCHEDULE + SURVEY]
    schedule = [e for e in mixed if e.type in SCHEDULE]
    survey = [e for e in mixed if e.type in SURVEY]
    out: list[Event] = []
    while schedule or survey:
        out.extend(survey[:40])
        del survey[:40]
        out.extend(schedule[:25])
        del schedule[:25]
    out.extend(out[100:130])  # redelivered
    planned = next(e for e in out if isinstance(e, VisitPlanned))
    p = planned.payload
    cancel = VisitCancelled(
        source="scheduler",
        actor="tester",
        payload=VisitCancelledPayload(
            customer_id=p.customer_id, visit_id=p.visit_id, reason="duplicate"
        ),
    )
    out.extend([cancel, planned, cancel, planned])
    return out


async def project(
    settings: Settings, schema: str, events: list[Any], size: int | None
) -> None:
    conn = await connect_async(settings.database_url, schema)
    try:
        if size is None:
            for event in events:
                async with conn.transaction(), conn.cursor() as cur:
                    await apply(cur, event)
        else:
            for start in range(0, len(events), size):
                async with conn.transaction(), conn.cursor() as cur:
                    await apply_batch(cur, events[start : start + size])
    finally:
        await conn.close()


def tables(settings: Settings, schema: str) -> Rows:
    return table_rows(settings, schema, TABLES)


def test_batches_of_any_size_write_the_rows_one_by_one_writes(
    settings: Settings,
) -> None:
    events: list[AnyEvent] = log()  # type: ignore[assignment]
    assert {e.type for e in events} == set(SCHEDULE + SURVEY)
    results = {}
    for size in (None, 1, 7, 500):
        schema = settings.schema_for(f"survey_{size or 'each'}")
        migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
        asyncio.run(project(settings, schema, events, size))
        results[size] = tables(settings, schema)
    expected = results[None]
    assert all(len(rows) > 20 for rows in expected.values()), {
        t: len(r) for t, r in expected.items()
    }
    statuses = {row[12] for row in expected["visits"]}
    assert statuses >= {"open", "done", "cancelled"}, statuses
    for size in (1, 7, 500):
        for table in TABLES:
            assert results[size][table] == expected[table], (size, table)
