"""The log's side: producing the facts, and the bare consumer's limit."""

import asyncio
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.rates import Progress, Rate, per_unit
from schemas.catalogue import LEDGER
from schemas.codec import decode, encode
from schemas.envelope import Event
from services.kit import kafka_auth
from services.kit.settings import Settings


async def produce(
    settings: Settings, events: Sequence[Event], timeout_s: float
) -> tuple[Rate, dict[int, int]]:
    """Append the events to the ledger topic; return each partition's end."""
    # aiokafka's producer, not kafka-python's: here kafka-python 3.0.12 sends
    # about 11k records/s (its send() contends with its sender thread for the
    # GIL), aiokafka about 60k/s. Same guarantees (acks=all, idempotent) and
    # the same murmur2 partitioner, so the same customer lands on the same
    # partition as with EventProducer.
    producer = AIOKafkaProducer(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="bench-ledger-producer",
        acks="all",
        enable_idempotence=True,
        linger_ms=50,
        max_batch_size=1024 * 1024,
        max_request_size=4 * 1024 * 1024,
    )
    await producer.start()
    try:
        return await asyncio.wait_for(_send_all(producer, settings, events), timeout_s)
    finally:
        await producer.stop()


async def _send_all(
    producer: AIOKafkaProducer, settings: Settings, events: Sequence[Event]
) -> tuple[Rate, dict[int, int]]:
    topic = LEDGER.full_name(settings.topic_prefix)
    progress = Progress("produce", len(events))
    started = time.perf_counter()
    acks = []
    for i, event in enumerate(events, 1):
        key, value = event.key.encode(), encode(event)
        acks.append(await producer.send(topic, key=key, value=value))
        progress.update(i)
    ends: dict[int, int] = {}
    for meta in await asyncio.gather(*acks):
        ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
    return Rate(len(events), time.perf_counter() - started), ends


async def consume_bare(settings: Settings, total: int, timeout_s: float) -> Rate:
    """Read the topic from the beginning and only decode: the consumer's limit."""
    consumer = AIOKafkaConsumer(
        LEDGER.full_name(settings.topic_prefix),
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{settings.topic_prefix}.bench-bare",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # As the projection runner fetches, so only the database work differs.
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    progress = Progress("bare consume", total)
    started, cpu = time.perf_counter(), time.process_time()
    await consumer.start()
    try:
        rate = await asyncio.wait_for(
            _decode_all(consumer, settings.batch_size, progress, started), timeout_s
        )
        cpu = time.process_time() - cpu
        return Rate(
            rate.count,
            rate.seconds,
            f"{per_unit(cpu, rate.count)} CPU in Python; {rate.notes}",
        )
    finally:
        await consumer.stop()


async def _decode_all(
    consumer: AIOKafkaConsumer, batch_size: int, progress: Progress, started: float
) -> Rate:
    seen, decoding, first = 0, 0.0, 0.0
    while seen < progress.total:
        batch = await consumer.getmany(timeout_ms=500, max_records=batch_size)
        first = first or time.perf_counter()
        before = time.perf_counter()
        for records in batch.values():
            for record in records:
                decode(record.value or b"")
            seen += len(records)
        decoding += time.perf_counter() - before
        progress.update(seen)
    elapsed = time.perf_counter() - started
    return Rate(
        seen,
        elapsed,
        f"decode {per_unit(decoding, seen)} ({decoding / elapsed:.0%} of the"
        f" time); first records after {first - started:.2f}s",
    )
