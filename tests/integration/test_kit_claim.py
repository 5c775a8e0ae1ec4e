"""The runner's claim of a batch's event ids (`ProjectionRunner._claim`, one
statement): fresh ids are claimed once, resends of the same content are
duplicates, the same id with other content is dead-lettered whether the
other content came earlier in the batch or was applied before, and ids
applied before fingerprints existed count as duplicates."""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from schemas.codec import decode_obj, fingerprint
from services.kit.db import VIEWS, connect_async, migrate
from services.kit.projection import ProjectionRunner
from services.kit.settings import Settings
from tests.support.factories import installed

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "ledger" / "migrations"


def fact(unit: str, on: str, event_id: Any = None) -> Any:
    wire = installed("C1", unit, on)
    if event_id is not None:
        wire["event_id"] = str(event_id)
    return decode_obj(wire)


def test_one_claim_keeps_fresh_and_same_content_and_refuses_other_content(
    settings: Settings,
) -> None:
    schema = settings.schema_for("ledger")
    migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
    new = fact("U1", "2026-03-01")
    changed_in_batch = fact("U1", "2026-03-02", new.event_id)
    stored = fact("U2", "2026-03-01")
    stored_changed = fact("U2", "2026-03-05", stored.event_id)
    legacy = fact("U3", "2026-03-01")
    other = fact("U4", "2026-03-01")
    before = fact("U5", "2026-03-01")
    before_changed = fact("U5", "2026-03-07", before.event_id)
    batch = [
        new,
        new,
        changed_in_batch,
        stored,
        stored_changed,
        legacy,
        other,
        before_changed,
    ]
    records = [f"record {i}" for i in range(len(batch))]

    async def claim() -> tuple[list[Any], set[Any], list[Any]]:
        conn = await connect_async(settings.database_url, schema)
        try:
            async with conn.transaction(), conn.cursor() as cur:
                await cur.execute(
                    "INSERT INTO applied_events (event_id, fingerprint)"
                    " VALUES (%s, %s), (%s, NULL), (%s, %s)",
                    (
                        stored.event_id,
                        fingerprint(stored),
                        legacy.event_id,
                        before.event_id,
                        fingerprint(before),
                    ),
                )
                dead: list[Any] = []
                kept, fresh = await ProjectionRunner._claim(
                    cur, list(zip(records, batch, strict=True)), dead
                )
                cur2 = await cur.execute(
                    "SELECT event_id, fingerprint FROM applied_events"
                )
                rows = await cur2.fetchall()
                return kept, fresh, [dead, {r[0]: r[1] for r in rows}]
        finally:
            await conn.close()

    kept, fresh, (dead, table) = asyncio.run(claim())
    assert [r for r, _ in kept] == [
        "record 0",  # fresh
        "record 1",  # the same content again: kept, a duplicate
        "record 3",  # applied before with this content
        "record 5",  # applied before fingerprints existed
        "record 6",  # fresh
    ]
    assert fresh == {new.event_id, other.event_id}
    # other content than earlier in the batch, than applied before (with and
    # without the first content in the batch)
    assert [r for r, _ in dead] == ["record 2", "record 4", "record 7"]
    assert all(reason.startswith("conflicting duplicate: ") for _, reason in dead)
    # the first content is what is stored for a fresh id; nothing else moved
    assert bytes(table[new.event_id]) == fingerprint(new)
    assert bytes(table[stored.event_id]) == fingerprint(stored)
    assert table[legacy.event_id] is None
    assert bytes(table[before.event_id]) == fingerprint(before)
    assert len(table) == 5
