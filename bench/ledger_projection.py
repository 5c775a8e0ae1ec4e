"""How fast the ledger read model follows the log, against its two limits.

    .venv/bin/python -m bench.ledger_projection --events 200000

In one run on the local broker and database, on a fresh uniquely prefixed
topic: produce N ledger facts (setup, not a figure), then measure
1. the bare rate: an aiokafka consumer that only decodes each record;
2. the read model: the real ProjectionRunner with the real ledger projection,
   from an empty schema until its stored positions cover the topic;
3. PostgreSQL COPY of the rows that projection wrote, into empty tables of the
   same shape (the database's own limit for those rows).
BENCHMARKS.md explains the figures; the schema is dropped at the end, and the
topics deleted unless --keep-topics.
"""

import argparse
import asyncio
import cProfile
import gc
import logging
import pstats
import time
import uuid

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from bench.consume import consume_bare, produce
from bench.ledger_events import ledger_events
from bench.machine import load_average, machine_facts
from bench.rates import Rate
from bench.read_model import copy_rows, project
from services.kit import kafka_auth
from services.kit.db import drop_schema
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics


def _arguments() -> argparse.Namespace:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger_projection", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--partitions", type=int, default=defaults.partitions)
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds allowed per phase"
    )
    parser.add_argument("--keep-topics", action="store_true")
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="run the read-model phase under cProfile, save the stats to PATH"
        " and print the top functions (the rate is then slower than real)",
    )
    return parser.parse_args()


def _produce(
    settings: Settings, args: argparse.Namespace
) -> tuple[Rate, dict[int, int]]:
    print(f"prefix {settings.topic_prefix}: building {args.events:,} ledger facts")
    started = time.perf_counter()
    events = ledger_events(args.events)
    print(f"  built in {time.perf_counter() - started:.1f}s", flush=True)
    result = asyncio.run(produce(settings, events, args.timeout))
    # The consumers must not pay for the benchmark's own heap: a million
    # long-lived objects here make every full GC pass of the measured phases
    # slower (measured: decoding twice as slow in the read-model phase).
    del events
    gc.collect()
    return result


def _project(
    settings: Settings, ends: dict[int, int], args: argparse.Namespace
) -> Rate:
    if not args.profile:
        return asyncio.run(project(settings, ends, args.timeout))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return asyncio.run(project(settings, ends, args.timeout))
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(args.profile)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


def _clean_up(settings: Settings, keep_topics: bool) -> None:
    drop_schema(settings.database_url, settings.schema_for("ledger"))
    print(f"schema {settings.schema_for('ledger')} dropped")
    if keep_topics:
        print(f"topics {settings.topic_prefix}.* kept")
        return
    admin = KafkaAdminClient(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="bench-cleanup",
    )
    try:
        admin.delete_topics(catalogue_topics(settings.topic_prefix))
        admin.delete_groups(
            [f"{settings.topic_prefix}.{name}" for name in ("bench-bare", "ledger")]
        )
    except KafkaError as exc:
        # Leftover topics cost disk, not correctness; never hide the figures
        # (or the error of a failed phase) behind a clean-up failure.
        print(f"topics {settings.topic_prefix}.* not all deleted: {exc!r}")
        return
    finally:
        admin.close()
    print(f"topics and consumer groups {settings.topic_prefix}.* deleted")


def _report(
    facts: dict[str, str], n: int, settings: Settings, rates: dict[str, Rate]
) -> None:
    print("\n## Machine")
    for name, value in facts.items():
        print(f"- {name}: {value}")
    print(f"- load average at the end: {load_average()}")
    print(
        f"- run: {n:,} events, {settings.partitions} partitions,"
        f" batch size {settings.batch_size}"
    )
    print("\n| phase | count | seconds | rate | notes |\n|---|---:|---:|---:|---|")
    units = {"produce": "events/s", "COPY": "rows/s"}
    for name, rate in rates.items():
        print(
            f"| {name} | {rate.count:,} | {rate.seconds:.2f} |"
            f" {rate.per_second:,.0f} {units.get(name, 'events/s')} | {rate.notes} |"
        )
    model = rates["read model"].per_second
    print(
        f"\nread model / bare consume = {model / rates['bare consume'].per_second:.3f}"
        f"\nread model / COPY         = {model / rates['COPY'].per_second:.3f}"
        "  (events/s over rows/s)"
    )


def main() -> None:
    """Run the benchmark once and print the figures."""
    args = _arguments()
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
    rates: dict[str, Rate] = {}
    try:
        rates["produce"], ends = _produce(settings, args)
        rates["bare consume"] = asyncio.run(
            consume_bare(settings, args.events, args.timeout)
        )
        rates["read model"] = _project(settings, ends, args)
        rates["COPY"] = copy_rows(settings, args.timeout)
    finally:
        _clean_up(settings, args.keep_topics)
    _report(facts, args.events, settings, rates)


if __name__ == "__main__":
    main()
