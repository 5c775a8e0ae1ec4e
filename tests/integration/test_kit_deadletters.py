"""The dead-letter tool on the real broker: list, show, and replay after a
fix, idempotently (services/kit/deadletters.py)."""

import asyncio
import json
from pathlib import Path

import psycopg
import pytest
from prometheus_client import REGISTRY

from schemas.catalogue import LEDGER, AnyEvent
from schemas.codec import decode_obj
from schemas.envelope import Event
from services.kit import deadletters
from services.kit.db import VIEWS, migrate
from services.kit.producer import EventProducer
from services.kit.projection import Cursor, Projection
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.support.factories import installed
from tests.support.running import running, wait_for_offsets

pytestmark = pytest.mark.integration

SEEN_SQL = "CREATE TABLE seen (unit_id text PRIMARY KEY);"
fixed = {"value": False}


async def remember(cur: Cursor, event: AnyEvent) -> list[Event]:
    unit = event.payload.unit_id  # type: ignore[union-attr]
    if unit == "U-bad" and not fixed["value"]:
        msg = "a reference this release does not know yet"
        raise LookupError(msg)
    await cur.execute("INSERT INTO seen VALUES (%s) ON CONFLICT DO NOTHING", (unit,))
    return []


SEEN = Projection(name="ledger", topics=(LEDGER,), handle=remember)


def seen(settings: Settings, schema: str) -> list[str]:
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(f"SELECT unit_id FROM {schema}.seen ORDER BY 1")
        return [r[0] for r in rows.fetchall()]


def test_dead_letters_are_listed_shown_and_replayed_once_after_a_fix(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "001_seen.sql").write_text(SEEN_SQL)
    ensure_topics(
        settings.kafka_bootstrap, catalogue_topics(settings.topic_prefix), 1, 1
    )
    schema = settings.schema_for("seen")
    migrate(settings.database_url, schema, tmp_path, VIEWS)
    producer = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "t")
    producer.publish(
        [
            decode_obj(installed("C0", unit, "2026-03-01"))
            for unit in ("U-1", "U-bad", "U-2")
        ]
    )
    fixed["value"] = False
    before = REGISTRY.get_sample_value(
        "followup_events_dead_lettered_total",
        {"consumer": "ledger", "reason": "LookupError"},
    )

    async def consume(expected: int) -> None:
        async with running(SEEN, settings, schema, settings.store_schema_for("ledger")):
            await wait_for_offsets(settings, schema, expected)

    asyncio.run(consume(3))
    assert seen(settings, schema) == ["U-1", "U-2"]
    after = REGISTRY.get_sample_value(
        "followup_events_dead_lettered_total",
        {"consumer": "ledger", "reason": "LookupError"},
    )
    assert (after or 0) - (before or 0) == 1

    assert deadletters.run(settings, "ledger", tmp_path, ["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[-1] == "1 dead letter(s)"
    entry = json.loads(listed[0])
    assert entry["reason"].startswith("handler error: LookupError")
    assert entry["source"] == f"{settings.topic_prefix}.ledger[0]@1"

    assert deadletters.run(settings, "ledger", tmp_path, ["show", entry["ref"]]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["value"]["payload"]["unit_id"] == "U-bad"

    fixed["value"] = True  # the new release knows the reference
    assert deadletters.replay(settings, "ledger", tmp_path, None) == (1, 0)
    assert deadletters.replay(settings, "ledger", tmp_path, None) == (0, 1)
    producer.close()
    asyncio.run(consume(4))
    assert seen(settings, schema) == ["U-1", "U-2", "U-bad"]
