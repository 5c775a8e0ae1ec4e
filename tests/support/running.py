"""Running a projection in-process until it has applied what is on the log."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg

from services.kit.db import STORE, migrate
from services.kit.outbox import OutboxRelay
from services.kit.producer import EventProducer
from services.kit.projection import Projection, ProjectionRunner
from services.kit.settings import Settings


def applied_offsets(settings: Settings, schema: str) -> int:
    """How many records the read model has consumed, over all partitions."""
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            f"SELECT COALESCE(sum(next_offset), 0) FROM {schema}.consumer_positions"
        ).fetchone()
    return int(row[0]) if row else 0


async def wait_for_offsets(
    settings: Settings, schema: str, expected: int, timeout_s: float = 60
) -> None:
    """Wait until the stored positions add up to `expected` records."""
    deadline = time.monotonic() + timeout_s
    while True:
        done = await asyncio.to_thread(applied_offsets, settings, schema)
        if done >= expected:
            return
        if time.monotonic() > deadline:
            msg = f"read model applied {done} of {expected} records in {timeout_s}s"
            raise TimeoutError(msg)
        await asyncio.sleep(0.1)


@asynccontextmanager
async def running(
    projection: Projection,
    settings: Settings,
    schema: str,
    store_schema: str | None = None,
) -> AsyncIterator[ProjectionRunner]:
    """A projection runner and the outbox relay of its store schema (the kit's
    tables only, unless the caller migrated more) in tasks, stopped on exit."""
    store = store_schema or f"{schema}_store"
    await asyncio.to_thread(
        migrate, settings.database_url, store, Path(__file__).parent, STORE
    )
    producer = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    relay = OutboxRelay(
        settings.database_url, store, producer, service=projection.name, poll_s=0.02
    )
    runner = ProjectionRunner(projection, settings, schema, store, on_outbox=relay.wake)
    relaying = asyncio.create_task(relay.run())
    task = asyncio.create_task(runner.run())
    try:
        yield runner
    finally:
        await runner.stop()
        await asyncio.wait_for(task, timeout=30)
        await relay.stop()
        await asyncio.wait_for(relaying, timeout=30)
        producer.close()
