"""A projection fed poison among good facts applies every good one and
dead-letters every bad one with its reason, in one run (issue: what the API
accepts, every consumer applies).

    .venv/bin/python -m bench.poison --events 100000      # 1 % poison
    .venv/bin/python -m bench.poison --quick               # 5,000 events

On a fresh uniquely prefixed topic: N valid ledger facts with 1 % poison mixed
in at random places — undecodable bytes, JSON that is no event of the
catalogue, 100,000 nested brackets, and resent ids with other content
(conflicting duplicates) — then the real ledger projection (kit
ProjectionRunner) from an empty schema until its positions cover the topic.
Verdict: applied event ids = good facts, dead letters = poison, each with its
reason; the run fails otherwise. The schemas and topics are removed at the end.
"""

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from kafka.admin import KafkaAdminClient

from bench.ledger_events import ledger_events
from bench.rates import Progress
from schemas.catalogue import LEDGER
from schemas.codec import encode
from services.kit import kafka_auth
from services.kit.db import STORE, VIEWS, connect_async, drop_schema, migrate
from services.kit.projection import ProjectionRunner, reason_kind
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from services.ledger.projection import PROJECTION
from services.ledger.service import SERVICE

FORGEABLE = ("installed", "powered_on")


def _poison(rng: random.Random) -> tuple[bytes, bytes]:
    """One bad record (key, value) of a kind drawn at random."""
    kind = rng.randrange(3)
    if kind == 0:
        return b"C-poison", b"\xff\xfe not json at all"
    if kind == 1:
        return b"C-poison", b'{"type": "shipped", "version": 1, "payload": {}}'
    return b"C-poison", b"[" * 100_000


def _forged(original: Any) -> tuple[bytes, bytes]:
    """The same event id sent again with other content (a day later)."""
    data = original.model_dump(mode="json")
    field = "installed_date" if original.type == "installed" else "power_on_date"
    data["payload"][field] = (
        date.fromisoformat(data["payload"][field]) + timedelta(days=1)
    ).isoformat()
    return original.key.encode(), json.dumps(data).encode()


async def _produce(
    settings: Settings, records: list[tuple[bytes, bytes]]
) -> dict[int, int]:
    producer = AIOKafkaProducer(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=50,
        max_request_size=4 * 1024 * 1024,
    )
    await producer.start()
    topic = LEDGER.full_name(settings.topic_prefix)
    try:
        acks = [await producer.send(topic, key=k, value=v) for k, v in records]
        ends: dict[int, int] = {}
        for meta in await asyncio.gather(*acks):
            ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
        return ends
    finally:
        await producer.stop()


async def _project(settings: Settings, ends: dict[int, int], total: int) -> float:
    schema = settings.schema_for("ledger")
    store = settings.store_schema_for("ledger")
    migrate(settings.database_url, schema, SERVICE.migrations, VIEWS)
    migrate(settings.database_url, store, SERVICE.migrations, STORE)
    runner = ProjectionRunner(PROJECTION, settings, schema, store)
    watcher = await connect_async(settings.database_url, schema)
    progress = Progress("read model", total)
    topic = LEDGER.full_name(settings.topic_prefix)
    started = time.perf_counter()
    task = asyncio.create_task(runner.run())
    try:
        while True:
            cur = await watcher.execute(
                "SELECT partition, next_offset FROM consumer_positions"
                " WHERE topic = %s",
                (topic,),
            )
            stored: dict[int, int] = dict(await cur.fetchall())
            progress.update(sum(min(stored.get(p, 0), e) for p, e in ends.items()))
            if all(stored.get(p, 0) >= e for p, e in ends.items()):
                return time.perf_counter() - started
            if task.done():
                task.result()
                raise RuntimeError("projection runner stopped before catching up")
            await asyncio.sleep(0.05)
    finally:
        await runner.stop()
        await asyncio.wait_for(task, 30)
        await watcher.close()


def _verdict(settings: Settings) -> tuple[int, Counter[str]]:
    with psycopg.connect(settings.database_url) as conn:
        applied = conn.execute(
            f'SELECT count(*) FROM "{settings.schema_for("ledger")}".applied_events'
        ).fetchone()
        rows = conn.execute(
            "SELECT headers FROM"
            f' "{settings.store_schema_for("ledger")}".outbox WHERE event_id IS NULL'
        ).fetchall()
    reasons: Counter[str] = Counter()
    for (headers,) in rows:
        reason = dict(headers).get("dlq.reason", "")
        reasons[reason_kind(reason)] += 1
    return (applied[0] if applied else 0), reasons


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.poison")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--poison-share", type=float, default=0.01)
    parser.add_argument("--quick", action="store_true", help="5,000 events")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.events
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(topic_prefix=prefix, schema_prefix=f"{prefix}_")
    kafka_auth.configure(settings)
    rng = random.Random(7)
    good = ledger_events(n)
    records = [(e.key.encode(), encode(e)) for e in good]
    bad = round(n * args.poison_share)
    forgeable = [i for i, e in enumerate(good) if e.type in FORGEABLE]
    for _ in range(bad):
        if rng.random() < 0.25:
            # a conflicting duplicate comes after the fact whose id it takes
            # (the same customer: the same partition, so it is read after it)
            index = rng.choice(forgeable)
            at = rng.randrange(index + 1, len(good) + 1)
            records.insert(at + (len(records) - len(good)), _forged(good[index]))
        else:
            records.insert(rng.randrange(len(records) + 1), _poison(rng))
    print(f"prefix {prefix}: {n:,} good facts, {bad:,} poison records")
    ensure_topics(settings.kafka_bootstrap, catalogue_topics(prefix), 6, 1)
    try:
        ends = asyncio.run(_produce(settings, records))
        seconds = asyncio.run(_project(settings, ends, len(records)))
        applied, reasons = _verdict(settings)
    finally:
        for schema in (
            settings.schema_for("ledger"),
            settings.store_schema_for("ledger"),
        ):
            drop_schema(settings.database_url, schema)
        admin = KafkaAdminClient(
            **kafka_auth.options(), bootstrap_servers=settings.kafka_bootstrap
        )
        admin.delete_topics(catalogue_topics(prefix))
        admin.close()
    dead = sum(reasons.values())
    print("\n| records | good applied | dead-lettered | by reason | seconds | rate |")
    print("|---:|---:|---:|---|---:|---:|")
    by_reason = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
    print(
        f"| {len(records):,} | {applied:,} of {n:,} | {dead:,} of {bad:,} |"
        f" {by_reason} | {seconds:.1f} | {len(records) / seconds:,.0f}/s |"
    )
    if applied != n or dead != bad:
        print("FAILED: every good fact applied and every poison dead-lettered")
        return 1
    print("every good fact applied, every poison record dead-lettered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
