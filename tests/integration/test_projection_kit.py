"""The kit's projection against the real broker and database: exactly once in
effect, dead letters for bad input, and a clean resume after a restart.

The test read model counts events per customer with `n = n + 1`, which is not
idempotent by itself: any double application would show in the counts.
"""

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer

from schemas.catalogue import LEDGER, AnyEvent, dead_letter_topic
from schemas.codec import decode_obj
from schemas.envelope import Event
from services.kit import kafka_auth
from services.kit.db import VIEWS, migrate
from services.kit.producer import EventProducer
from services.kit.projection import Cursor, Projection
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.support.factories import installed
from tests.support.running import running, wait_for_offsets

pytestmark = pytest.mark.integration

TALLY_SQL = "CREATE TABLE tally (customer_id text PRIMARY KEY, n integer NOT NULL);"


async def count(cur: Cursor, event: AnyEvent) -> list[Event]:
    customer = event.payload.customer_id  # type: ignore[union-attr]
    if customer == "boom":
        msg = "this customer makes the handler fail"
        raise ValueError(msg)
    await cur.execute(
        "INSERT INTO tally VALUES (%s, 1)"
        " ON CONFLICT (customer_id) DO UPDATE SET n = tally.n + 1",
        (customer,),
    )
    return []


TALLY = Projection(name="ledger", topics=(LEDGER,), handle=count)


@pytest.fixture
def schema(settings: Settings, tmp_path: Path) -> str:
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "001_tally.sql").write_text(TALLY_SQL)
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        1,
    )
    name = settings.schema_for("tally")
    migrate(settings.database_url, name, tmp_path, VIEWS)
    return name


@pytest.fixture
def producer(settings: Settings) -> Iterator[EventProducer]:
    p = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    yield p
    p.close()


def tally(settings: Settings, schema: str) -> dict[str, int]:
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(f"SELECT customer_id, n FROM {schema}.tally").fetchall()
    return dict(rows)


def events_for(customers: int, per_customer: int) -> list[Event]:
    return [
        decode_obj(installed(f"C{c}", f"U{c}-{i}", "2026-03-01"))
        for c in range(customers)
        for i in range(per_customer)
    ]


def test_redelivered_records_and_resent_events_change_nothing(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    events = events_for(customers=20, per_customer=25)
    producer.publish(events)
    producer.publish(events[:100])  # a department resends part of a batch

    async def scenario() -> None:
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 600)
        # Forget the positions, as if every record were delivered again.
        with psycopg.connect(settings.database_url) as conn:
            conn.execute(f"DELETE FROM {schema}.consumer_positions")
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 600)

    asyncio.run(scenario())
    assert tally(settings, schema) == {f"C{c}": 25 for c in range(20)}


def test_a_restarted_consumer_resumes_after_what_it_applied(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    first, second = events_for(10, 10), events_for(10, 10)

    async def scenario() -> None:
        producer.publish(first)
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 100)
        # The event ids alone would also stop a double count; drop them so the
        # stored positions are what must prevent it.
        with psycopg.connect(settings.database_url) as conn:
            conn.execute(f"DELETE FROM {schema}.applied_events")
        producer.publish(second)
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 200)

    asyncio.run(scenario())
    assert tally(settings, schema) == {f"C{c}": 20 for c in range(10)}


def test_poison_messages_go_to_the_dead_letter_topic_and_the_rest_applies(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    topic = LEDGER.full_name(settings.topic_prefix)
    good = events_for(3, 2)
    boom = decode_obj(installed("boom", "U-x", "2026-03-01"))
    bad_payload = b'{"type": "installed", "version": 1, "source": "s", "actor": "a",'
    bad_payload += b' "payload": {"customer_id": "C0", "unit_id": "U"}}'
    producer.publish(good[:3])
    producer.publish_raw(
        [(topic, b"C0", b"\xff not json", []), (topic, b"C0", bad_payload, [])]
    )
    producer.publish([boom, *good[3:]])

    async def scenario() -> None:
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 9)

    asyncio.run(scenario())
    assert tally(settings, schema) == {"C0": 2, "C1": 2, "C2": 2}

    consumer = KafkaConsumer(
        dead_letter_topic(settings.topic_prefix, "ledger"),
        **kafka_auth.options_for(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    dead = [dict(m.headers) for m in consumer]
    consumer.close()
    reasons = sorted(h["dlq.reason"].decode() for h in dead)
    assert len(reasons) == 3
    assert reasons[0].startswith("handler error: ValueError")
    assert reasons[1].startswith("not JSON: ")
    assert "payload.installed_date: Field required" in reasons[2]
    assert all(h["dlq.topic"].decode() == topic for h in dead)


def test_a_broken_read_model_is_reported_and_resumes_once_mended(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    async def scenario() -> str | None:
        producer.publish(events_for(5, 2))
        async with running(TALLY, settings, schema) as runner:
            await wait_for_offsets(settings, schema, 10)
            with psycopg.connect(settings.database_url) as conn:
                conn.execute(
                    f"ALTER TABLE {schema}.consumer_positions RENAME TO broken"
                )
            producer.publish(events_for(5, 2))
            for _ in range(200):
                if runner.state.last_error:
                    break
                await asyncio.sleep(0.05)
            reported = runner.state.last_error
            with psycopg.connect(settings.database_url) as conn:
                conn.execute(
                    f"ALTER TABLE {schema}.broken RENAME TO consumer_positions"
                )
            await wait_for_offsets(settings, schema, 20)
        return reported

    reported = asyncio.run(scenario())
    assert reported is not None
    assert "consumer_positions" in reported
    assert tally(settings, schema) == {f"C{c}": 4 for c in range(5)}


# A handler writing what the event carries into columns with limits of their
# own, as every read model does: an index on the text, an integer column.
LIMITED_SQL = """
CREATE TABLE units_seen (unit_id text PRIMARY KEY, n integer NOT NULL);
"""


async def store_unit(cur: Cursor, event: AnyEvent) -> list[Event]:
    unit = event.payload.unit_id  # type: ignore[union-attr]
    quantity = 3_000_000_000 if unit == "U-huge-number" else 1
    if unit == "U-huge-text":
        # what a read model derives can outgrow its own columns' limits
        unit = secrets.token_hex(11_000)  # 22 KB, past a b-tree row
    await cur.execute(
        "INSERT INTO units_seen VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (unit, quantity),
    )
    return []


LIMITED = Projection(name="ledger", topics=(LEDGER,), handle=store_unit)


def dead_letters(settings: Settings, expected: int) -> list[dict[str, bytes]]:
    consumer = KafkaConsumer(
        dead_letter_topic(settings.topic_prefix, "ledger"),
        **kafka_auth.options_for(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    found = []
    for message in consumer:
        found.append({**dict(message.headers), "value": message.value})
        if len(found) >= expected:
            break
    consumer.close()
    return found


def test_an_event_the_database_refuses_is_dead_lettered_not_retried_forever(
    settings: Settings, tmp_path: Path, producer: EventProducer
) -> None:
    """SQLSTATE 54000 (index row too large) and 22003 (integer out of range)
    are the event's fault: before, both counted as transient and the
    partition stalled for good behind them."""
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "001_limited.sql").write_text(LIMITED_SQL)
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        1,
    )
    schema = settings.schema_for("limited")
    migrate(settings.database_url, schema, tmp_path, VIEWS)
    events = [
        decode_obj(installed("C0", "U-before", "2026-03-01")),
        decode_obj(installed("C0", "U-huge-text", "2026-03-01")),
        decode_obj(installed("C0", "U-huge-number", "2026-03-01")),
        decode_obj(installed("C0", "U-after", "2026-03-01")),
    ]
    producer.publish(events)

    async def scenario() -> None:
        async with running(LIMITED, settings, schema):
            await wait_for_offsets(settings, schema, 4, timeout_s=30)

    asyncio.run(scenario())
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(f"SELECT unit_id FROM {schema}.units_seen").fetchall()
    assert sorted(r[0] for r in rows) == ["U-after", "U-before"]
    reasons = sorted(h["dlq.reason"].decode() for h in dead_letters(settings, 2))
    assert len(reasons) == 2
    assert "NumericValueOutOfRange" in reasons[0]
    assert "ProgramLimitExceeded" in reasons[1]


def test_a_dead_letter_too_large_for_the_broker_is_stored_truncated(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    topic = LEDGER.full_name(settings.topic_prefix)
    poison = b"\x00" * 900_000  # with its headers, past the broker's 1 MB
    producer.publish_raw([(topic, b"C0", poison, [])])
    producer.publish(events_for(1, 1))

    async def scenario() -> None:
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 2)

    asyncio.run(scenario())
    assert tally(settings, schema) == {"C0": 1}
    [dead] = dead_letters(settings, 1)
    assert dead["dlq.original_size"] == b"900000"
    assert dead["dlq.topic"].decode() == topic
    assert dead["dlq.offset"] == b"0"
    assert len(dead["value"]) < 900_000


def test_deeply_nested_bytes_are_dead_lettered_not_a_crash_loop(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    topic = LEDGER.full_name(settings.topic_prefix)
    producer.publish_raw([(topic, b"C0", b"[" * 100_000, [])])
    producer.publish(events_for(1, 1))

    async def scenario() -> None:
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 2)

    asyncio.run(scenario())
    assert tally(settings, schema) == {"C0": 1}
    [dead] = dead_letters(settings, 1)
    assert dead["dlq.reason"].startswith(b"unreadable: RecursionError")


def test_a_resent_id_with_other_content_is_dead_lettered_not_dropped(
    settings: Settings, schema: str, producer: EventProducer
) -> None:
    first = decode_obj(installed("C0", "U1", "2026-03-01"))
    # the same fact sent again later: another recorded_at, the same content
    resent = first.model_copy(
        update={"recorded_at": first.recorded_at.replace(year=2027)}
    )
    changed = decode_obj(
        {**installed("C0", "U1", "2026-03-09"), "event_id": str(first.event_id)}
    )
    producer.publish([first, resent])
    producer.publish([changed])

    async def scenario() -> None:
        async with running(TALLY, settings, schema):
            await wait_for_offsets(settings, schema, 3)

    asyncio.run(scenario())
    assert tally(settings, schema) == {"C0": 1}
    [dead] = dead_letters(settings, 1)
    assert dead["dlq.reason"].startswith(b"conflicting duplicate: event ")
    assert dead["dlq.offset"] == b"2"
