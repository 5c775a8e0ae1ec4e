"""Every read model against the bare consumption of its own input topics.

    .venv/bin/python -m bench.projections --events 200000
    .venv/bin/python -m bench.projections --quick

In one run on the local broker and database, on fresh uniquely prefixed
topics: produce a realistic mix of every topic's events (bench/mix.py; setup,
not a figure), then for each service (ledger, scheduler, survey, feedback,
reporting) measure, one right after the other:
1. bare: an aiokafka consumer of that read model's input topics that only
   decodes each record (`schemas.codec.decode`);
2. read model: the real `ProjectionRunner` with the service's real
   `PROJECTION`, from freshly migrated empty schemas until its stored
   positions cover every partition of its topics; every event id must be
   claimed (nothing dead-lettered).
The ratio read model / bare is the figure (target ≥ 0.5). Schemas are dropped
and topics and consumer groups deleted at the end (unless --keep).
"""

import argparse
import asyncio
import cProfile
import gc
import logging
import pstats
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.cleanup import clean_up
from bench.machine import load_average, machine_facts
from bench.mix import event_mix
from bench.rates import Progress, Rate, per_unit
from schemas.catalogue import TOPIC_OF, Topic
from schemas.codec import decode, encode
from schemas.envelope import Event
from services.kit import kafka_auth
from services.kit.db import STORE, VIEWS, connect_async, migrate
from services.kit.projection import Projection, ProjectionRunner
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics

SERVICES = ("ledger", "scheduler", "survey", "feedback", "reporting")
QUICK_EVENTS = 30_000
# The bare consumers' groups (a fresh one per measure).
BARE_GROUPS: list[str] = []


def projection_of(service: str) -> Projection:
    """The service's read-model projection (imported by name: no service
    imports another, the benchmark may import them all)."""
    module = __import__(f"services.{service}.projection", fromlist=["PROJECTION"])
    projection: Projection = module.PROJECTION
    return projection


def migrations_of(service: str) -> Path:
    """Where the service's migrations live."""
    return Path(__file__).parent.parent / "services" / service / "migrations"


@dataclass(frozen=True)
class Measured:
    """One read model's two figures."""

    service: str
    topics: tuple[str, ...]
    bare: Rate
    model: Rate

    @property
    def ratio(self) -> float:
        """Read model over bare consumption of the same topics."""
        return self.model.per_second / self.bare.per_second


async def produce(
    settings: Settings, events: Sequence[Event], timeout_s: float
) -> tuple[Rate, dict[str, dict[int, int]]]:
    """Append the events to their topics; return each partition's end."""
    producer = AIOKafkaProducer(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="bench-mix-producer",
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
) -> tuple[Rate, dict[str, dict[int, int]]]:
    progress = Progress("produce", len(events))
    started = time.perf_counter()
    acks = []
    for i, event in enumerate(events, 1):
        topic = TOPIC_OF[event.type].full_name(settings.topic_prefix)
        acks.append(
            await producer.send(topic, key=event.key.encode(), value=encode(event))
        )
        progress.update(i)
    ends: dict[str, dict[int, int]] = {}
    for meta in await asyncio.gather(*acks):
        of_topic = ends.setdefault(meta.topic, {})
        of_topic[meta.partition] = max(of_topic.get(meta.partition, 0), meta.offset + 1)
    return Rate(len(events), time.perf_counter() - started), ends


async def consume_bare(
    settings: Settings, topics: Sequence[str], total: int, timeout_s: float
) -> Rate:
    """Read the topics from the beginning and only decode: the limit."""
    BARE_GROUPS.append(f"bench-bare-{len(BARE_GROUPS)}")
    consumer = AIOKafkaConsumer(
        *topics,
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{settings.topic_prefix}.{BARE_GROUPS[-1]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    progress = Progress("bare consume", total)
    started, cpu = time.perf_counter(), time.process_time()
    await consumer.start()
    try:

        async def decode_all() -> int:
            seen = 0
            while seen < total:
                batch = await consumer.getmany(
                    timeout_ms=500, max_records=settings.batch_size
                )
                for records in batch.values():
                    for record in records:
                        decode(record.value or b"")
                    seen += len(records)
                progress.update(seen)
            return seen

        seen = await asyncio.wait_for(decode_all(), timeout_s)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return Rate(seen, elapsed, f"{per_unit(cpu, seen)} CPU in Python")
    finally:
        await consumer.stop()


async def project(
    settings: Settings,
    service: str,
    ends: dict[str, dict[int, int]],
    timeout_s: float,
    phase: str = "read model",
) -> Rate:
    """Run the service's real projection from empty schemas until caught up."""
    projection = projection_of(service)
    schema, store = settings.schema_for(service), settings.store_schema_for(service)
    migrate(settings.database_url, schema, migrations_of(service), VIEWS)
    migrate(settings.database_url, store, migrations_of(service), STORE)
    runner = ProjectionRunner(projection, settings, schema, store)
    watcher = await connect_async(settings.database_url, schema)
    await watcher.set_autocommit(True)
    wanted = {
        (t, p): end
        for t in (topic.full_name(settings.topic_prefix) for topic in projection.topics)
        for p, end in ends.get(t, {}).items()
    }
    progress = Progress(phase, sum(wanted.values()), unit="events")
    started, cpu = time.perf_counter(), time.process_time()
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(
            _until_caught_up(watcher, task, wanted, progress), timeout_s
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        cur = await watcher.execute("SELECT count(*) FROM applied_events")
        applied = (await cur.fetchone() or (0,))[0]
        if applied != progress.total:
            msg = f"{service}: {applied} of {progress.total} applied: see its DLQ"
            raise RuntimeError(msg)
        return Rate(progress.total, elapsed, f"{per_unit(cpu, applied)} CPU in Python")
    finally:
        await runner.stop()
        await asyncio.wait_for(task, 30)
        await watcher.close()


async def _until_caught_up(
    watcher: psycopg.AsyncConnection[Any],
    task: "asyncio.Task[None]",
    wanted: dict[tuple[str, int], int],
    progress: Progress,
) -> None:
    while True:
        cur = await watcher.execute(
            "SELECT topic, partition, next_offset FROM consumer_positions"
        )
        stored = {(t, p): n for t, p, n in await cur.fetchall()}
        progress.update(sum(min(stored.get(k, 0), e) for k, e in wanted.items()))
        if all(stored.get(k, 0) >= e for k, e in wanted.items()):
            return
        if task.done():
            task.result()  # raises what stopped the runner
            raise RuntimeError("projection runner stopped before catching up")
        await asyncio.sleep(0.05)


def measure(
    settings: Settings,
    service: str,
    ends: dict[str, dict[int, int]],
    timeout_s: float,
    profile: str | None = None,
) -> Measured:
    """Bare consumption of the read model's topics, then the read model."""
    topics = tuple(t.full_name(settings.topic_prefix) for t in _topics_of(service))
    total = sum(sum(ends.get(t, {}).values()) for t in topics)
    print(f"\n{service}: {total:,} events on {', '.join(topics)}", flush=True)
    gc.collect()
    bare = asyncio.run(consume_bare(settings, topics, total, timeout_s))
    gc.collect()
    if not profile:
        model = asyncio.run(project(settings, service, ends, timeout_s))
        return Measured(service, topics, bare, model)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        model = asyncio.run(project(settings, service, ends, timeout_s))
    finally:
        profiler.disable()
        path = f"{profile}.{service}"
        profiler.dump_stats(path)
        stats = pstats.Stats(path)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(30)
    return Measured(service, topics, bare, model)


def _project_alone(
    settings: Settings, service: str, ends: dict[str, dict[int, int]], timeout_s: float
) -> Rate:
    """One read model rebuilt in a process of its own, as a deployment runs it."""
    logging.basicConfig(level=logging.WARNING)
    kafka_auth.configure(settings)
    return asyncio.run(
        project(settings, service, ends, timeout_s, f"rebuild {service}")
    )


def together(
    settings: Settings,
    services: Sequence[str],
    ends: dict[str, dict[int, int]],
    timeout_s: float,
) -> tuple[float, dict[str, Rate]]:
    """Every read model rebuilt from empty at once, each in its own process:
    the wall time until the last caught up, and each one's rate."""
    print(f"\nrebuilding {', '.join(services)} at once", flush=True)
    started = time.perf_counter()
    with ProcessPoolExecutor(len(services), mp_context=get_context("spawn")) as pool:
        futures = {
            s: pool.submit(_project_alone, settings, s, ends, timeout_s)
            for s in services
        }
        rates = {s: f.result() for s, f in futures.items()}
    return time.perf_counter() - started, rates


def _topics_of(service: str) -> tuple[Topic, ...]:
    return projection_of(service).topics


def report(
    facts: dict[str, str],
    settings: Settings,
    produced: Rate,
    mix: Counter[str],
    results: Sequence[Measured],
) -> None:
    """Print the machine, the mix and one table of rates and ratios."""
    print("\n## Machine")
    for name, value in facts.items():
        print(f"- {name}: {value}")
    print(f"- load average at the end: {load_average()}")
    print(
        f"- run: {produced.count:,} events, {settings.partitions} partitions,"
        f" batch size {settings.batch_size}; produced in {produced.seconds:.1f}s"
        " (setup)"
    )
    print("- mix: " + ", ".join(f"{t} {n:,}" for t, n in mix.most_common()))
    print(
        "\n| read model | input topics | events | bare consume | read model"
        " | ratio | CPU µs/event bare / model |\n|---|---|---:|---:|---:|---:|---|"
    )
    for m in results:
        topics = ", ".join(t.split(".", 1)[1] for t in m.topics)
        print(
            f"| {m.service} | {topics} | {m.model.count:,}"
            f" | {m.bare.per_second:,.0f}/s | {m.model.per_second:,.0f}/s"
            f" | **{m.ratio:.3f}** | {m.bare.notes} / {m.model.notes} |"
        )


def report_together(
    events: int, wall: float, rates: dict[str, Rate], mix: Counter[str]
) -> None:
    """The rebuild of every read model at once, from `events` events."""
    print(
        f"\nall {len(rates)} read models rebuilt at once from {events:,} events"
        f" (each in its own process): **{wall:.1f} s** wall time"
    )
    print("- mix: " + ", ".join(f"{t} {n:,}" for t, n in mix.most_common()))
    print(
        "\n| read model | events of its topics | seconds | rate |"
        " CPU in Python |\n|---|---:|---:|---:|---|"
    )
    for service, rate in rates.items():
        print(
            f"| {service} | {rate.count:,} | {rate.seconds:.1f}"
            f" | {rate.per_second:,.0f}/s | {rate.notes} |"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark once and print the figures."""
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m bench.projections", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_EVENTS:,} events (for CI)"
    )
    parser.add_argument("--services", default=",".join(SERVICES))
    parser.add_argument(
        "--together",
        action="store_true",
        help="rebuild the read models at once, each in its own process, and"
        " report the wall time (instead of each against bare consumption)",
    )
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--partitions", type=int, default=defaults.partitions)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--keep", action="store_true", help="keep the schemas, topics and groups"
    )
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="run each read-model phase under cProfile (stats to PATH.<service>;"
        " the rates are then slower than real)",
    )
    args = parser.parse_args(argv)
    count = QUICK_EVENTS if args.quick else args.events
    logging.basicConfig(level=logging.WARNING)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(
        topic_prefix=prefix,
        schema_prefix=f"{prefix}_",
        batch_size=args.batch_size,
        partitions=args.partitions,
    )
    kafka_auth.configure(settings)
    facts = machine_facts(settings)
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(prefix),
        settings.partitions,
        settings.replication_factor,
    )
    results: list[Measured] = []
    try:
        print(f"prefix {prefix}: building {count:,} events of every topic")
        events = event_mix(count)
        mix = Counter(e.type for e in events)
        produced, ends = asyncio.run(produce(settings, events, args.timeout))
        del events
        gc.collect()
        if args.together:
            wall, rates = together(
                settings, args.services.split(","), ends, args.timeout
            )
        else:
            results.extend(
                measure(settings, service, ends, args.timeout, args.profile)
                for service in args.services.split(",")
            )
    finally:
        if not args.keep:
            clean_up(settings, prefix)
    if args.together:
        print("\n## Machine")
        for name, value in facts.items():
            print(f"- {name}: {value}")
        print(f"- load average at the end: {load_average()}")
        report_together(count, wall, rates, mix)
        return
    report(facts, settings, produced, mix, results)


if __name__ == "__main__":
    main()
