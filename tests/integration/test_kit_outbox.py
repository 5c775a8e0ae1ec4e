"""The kit's command path on the real broker and database: the outbox relay,
idempotency keys and the periodic-job helper.

Each test works in its own store schema (the kit's store tables only).
"""

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import psycopg
import pytest
from fastapi import HTTPException
from kafka import KafkaConsumer

from schemas.codec import decode, decode_obj
from services.kit import idempotency, kafka_auth
from services.kit.db import STORE, connect, migrate
from services.kit.jobs import DailyJob, due_dates, run_due
from services.kit.outbox import OutboxRelay, OutboxRow, enqueue, rows_of
from services.kit.producer import EventProducer
from services.kit.service import Runtime
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.support.factories import installed

pytestmark = pytest.mark.integration


@pytest.fixture
def store(settings: Settings) -> str:
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        1,
    )
    name = settings.store_schema_for("kit")
    migrate(settings.database_url, name, Path(__file__).parent, STORE)
    return name


@pytest.fixture
def producer(settings: Settings) -> Iterator[EventProducer]:
    p = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    yield p
    p.close()


def facts(n: int) -> list[Any]:
    return [decode_obj(installed(f"C{i % 3}", f"U{i}", "2026-03-01")) for i in range(n)]


def topic_records(settings: Settings, topic: str, expected: int) -> list[Any]:
    consumer = KafkaConsumer(
        f"{settings.topic_prefix}.{topic}",
        **kafka_auth.options_for(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    try:
        records = []
        for record in consumer:
            records.append(record)
            if len(records) >= expected + 50:
                break
        return records
    finally:
        consumer.close()


def relay_for(settings: Settings, store: str, producer: EventProducer) -> OutboxRelay:
    return OutboxRelay(settings.database_url, store, producer, service="kit")


def relay_once(settings: Settings, store: str, producer: EventProducer) -> int:
    """One round of a relay over the store's outbox; how many rows it sent."""

    async def round_() -> int:
        conn = await psycopg.AsyncConnection.connect(
            settings.database_url, options=f"-c search_path={store}", autocommit=True
        )
        try:
            return await relay_for(settings, store, producer).relay_once(conn)
        finally:
            await conn.close()

    return asyncio.run(round_())


def test_the_relay_publishes_in_order_and_marks_where_each_landed(
    settings: Settings, store: str, producer: EventProducer
) -> None:
    events = facts(12)
    with connect(settings.database_url, store) as conn:
        enqueue(conn, rows_of(events, settings.topic_prefix))
        conn.commit()

    assert relay_once(settings, store, producer) == 12
    with connect(settings.database_url, store) as conn:
        unsent = conn.execute(
            'SELECT count(*) FROM outbox WHERE sent_at IS NULL OR "offset" IS NULL'
        ).fetchone()
    assert unsent == (0,)
    on_log = [decode(r.value).event_id for r in topic_records(settings, "ledger", 12)]
    assert sorted(map(str, on_log)) == sorted(str(e.event_id) for e in events)
    # per customer (one partition each), the log keeps the outbox order
    for customer in ("C0", "C1", "C2"):
        mine = [str(e.event_id) for e in events if e.key == customer]
        seen = [
            str(decode(r.value).event_id)
            for r in topic_records(settings, "ledger", 12)
            if r.key == customer.encode()
        ]
        assert seen == mine


def test_a_row_the_broker_refuses_for_good_does_not_block_the_rows_behind_it(
    settings: Settings, store: str, producer: EventProducer
) -> None:
    topic = f"{settings.topic_prefix}.ledger"
    huge = OutboxRow(
        event_id=uuid.uuid4(), topic=topic, key=b"C0", value=b"x" * 3_000_000
    )
    after = rows_of(facts(1), settings.topic_prefix)
    with connect(settings.database_url, store) as conn:
        enqueue(conn, [huge, *after])
        conn.commit()

    assert relay_once(settings, store, producer) == 1
    with connect(settings.database_url, store) as conn:
        rows = conn.execute(
            "SELECT sent_at IS NOT NULL, failed FROM outbox ORDER BY seq"
        ).fetchall()
    assert rows[0][0] is False
    assert "TooLarge" in rows[0][1]
    assert rows[1] == (True, None)


def test_only_one_relay_of_a_service_publishes_at_a_time(
    settings: Settings, store: str, producer: EventProducer
) -> None:
    async def scenario() -> tuple[bool, bool]:
        first, second = (relay_for(settings, store, producer) for _ in range(2))
        tasks = [asyncio.create_task(r.run()) for r in (first, second)]
        await asyncio.sleep(1.5)
        leaders = (first.leader, second.leader)
        for r in (first, second):
            await r.stop()
        await asyncio.gather(*tasks)
        return leaders

    assert sorted(asyncio.run(scenario())) == [False, True]


def test_a_key_replays_its_answer_and_refuses_another_request(
    settings: Settings, store: str
) -> None:
    digest = idempotency.fingerprint("kit.test", {"a": 1})
    with connect(settings.database_url, store) as conn, conn.transaction():
        assert idempotency.claim(conn, "kit.test", "k1", digest) is None
        idempotency.remember(conn, "kit.test", "k1", 201, {"answer": 42})
    with connect(settings.database_url, store) as conn, conn.transaction():
        assert idempotency.claim(conn, "kit.test", "k1", digest) == {"answer": 42}
        other = idempotency.fingerprint("kit.test", {"a": 2})
        with pytest.raises(HTTPException) as refused:
            idempotency.claim(conn, "kit.test", "k1", other)
    assert refused.value.status_code == 422
    # the same key under another command is another key
    with connect(settings.database_url, store) as conn, conn.transaction():
        assert idempotency.claim(conn, "kit.other", "k1", digest) is None


def test_a_concurrent_retry_waits_for_the_first_and_replays_it(
    settings: Settings, store: str
) -> None:
    digest = idempotency.fingerprint("kit.test", {"a": 1})
    seen: list[Any] = []
    first = connect(settings.database_url, store)
    with first.transaction():
        assert idempotency.claim(first, "kit.test", "k2", digest) is None

        def retry() -> None:
            with connect(settings.database_url, store) as conn, conn.transaction():
                seen.append(idempotency.claim(conn, "kit.test", "k2", digest))

        thread = threading.Thread(target=retry)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the retry must wait for the first command"
        idempotency.remember(first, "kit.test", "k2", 201, {"answer": 1})
    thread.join(timeout=10)
    first.close()
    assert seen == [{"answer": 1}]


def test_due_dates_catch_up_missed_days_and_never_run_a_day_twice() -> None:
    assert due_dates(None, date(2026, 3, 3), date(2026, 3, 3)) == [date(2026, 3, 3)]
    assert due_dates(date(2026, 2, 27), date(2026, 3, 2), date(2026, 1, 1)) == [
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    assert due_dates(date(2026, 3, 2), date(2026, 3, 2), date(2026, 1, 1)) == []


def test_a_job_runs_each_missed_date_once_with_its_outbox_rows(
    settings: Settings, store: str
) -> None:
    ran: list[date] = []
    today = {"value": date(2026, 3, 2)}

    def work(runtime: Runtime, conn: psycopg.Connection[Any], as_of: date) -> None:
        ran.append(as_of)
        enqueue(conn, rows_of(facts(1), settings.topic_prefix))

    job = DailyJob(
        name="test-job",
        run=work,
        interval_s=lambda _r: 1.0,
        today=lambda _r: today["value"],
        topics=lambda _r: [f"{settings.topic_prefix}.ledger"],
        positions_schema=lambda _r: store,
    )
    runtime = cast(
        Runtime,
        SimpleNamespace(settings=settings, relay=SimpleNamespace(wake=lambda: None)),
    )
    with connect(settings.database_url, store) as conn:
        conn.autocommit = True
        assert run_due(runtime, job, conn, 5) == 1
        assert run_due(runtime, job, conn, 5) == 0  # the same day: nothing
        today["value"] = date(2026, 3, 5)
        assert run_due(runtime, job, conn, 5) == 3
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()
    assert ran == [date(2026, 3, d) for d in (2, 3, 4, 5)]
    assert outbox == (4,)


def test_a_job_does_not_run_while_the_log_is_not_applied(
    settings: Settings, store: str, producer: EventProducer
) -> None:
    producer.publish(facts(2))
    job = DailyJob(
        name="test-job",
        run=lambda *_: pytest.fail("ran before catching up"),
        interval_s=lambda _r: 1.0,
        today=lambda _r: date(2026, 3, 2),
        topics=lambda _r: [f"{settings.topic_prefix}.ledger"],
        positions_schema=lambda _r: store,
    )
    runtime = cast(
        Runtime,
        SimpleNamespace(settings=settings, relay=SimpleNamespace(wake=lambda: None)),
    )
    with connect(settings.database_url, store) as conn:
        conn.autocommit = True
        assert run_due(runtime, job, conn, 0.5) == 0
        assert conn.execute("SELECT count(*) FROM job_runs").fetchone() == (0,)
