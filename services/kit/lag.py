"""How far a consumer of the service is behind the log, read from PostgreSQL.

The positions of every replica live in the service's schema, so comparing the
log's end offsets with the stored positions tells whether the *whole* service
(all partitions, all replicas) has applied everything that was on the log when
the question was asked. Periodic jobs and business-date commands wait on it.
"""

import time
from collections.abc import Sequence
from typing import Any

import psycopg
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql

from services.kit import kafka_auth
from services.kit.progress import Progress


def end_offsets(bootstrap: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
    """The log end of every partition of these topics, now."""
    consumer = KafkaConsumer(
        **kafka_auth.options(), bootstrap_servers=bootstrap, enable_auto_commit=False
    )
    try:
        partitions = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        ends = consumer.end_offsets(partitions) if partitions else {}
        return {(tp.topic, tp.partition): int(o) for tp, o in ends.items()}
    finally:
        consumer.close()


def behind(
    conn: psycopg.Connection[Any], schema: str, ends: dict[tuple[str, int], int]
) -> int:
    """Records up to `ends` not yet applied by the consumer keeping its
    positions in `schema` (the views', or the store's for event reactions)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT topic, partition, next_offset FROM {}.consumer_positions"
            " WHERE topic = ANY(%s)"
        ).format(sql.Identifier(schema)),
        (sorted({t for t, _ in ends}),),
    ).fetchall()
    stored = {(t, p): o for t, p, o in rows}
    return sum(max(0, end - stored.get(tp, 0)) for tp, end in ends.items())


def wait_caught_up(
    conn: psycopg.Connection[Any],
    schema: str,
    bootstrap: str,
    topics: Sequence[str],
    timeout_s: float,
) -> int:
    """Wait until the log end taken now is applied; return what is still behind."""
    ends = end_offsets(bootstrap, topics)
    deadline = time.monotonic() + timeout_s
    while True:
        missing = behind(conn, schema, ends)
        if missing == 0 or time.monotonic() >= deadline:
            return missing
        time.sleep(0.1)


def follow_rebuild(
    database_url: str,
    schema: str,
    bootstrap: str,
    topics: Sequence[str],
    *,
    timeout_s: float,
    progress: Progress,
) -> int:
    """Show a read model being rebuilt up to the log end taken now, until it
    caught up or `timeout_s` passed; return what is still behind.

    The running service re-creates the schema after a rebuild dropped it;
    until then (or while no service runs) nothing counts as applied.
    """
    ends = end_offsets(bootstrap, topics)
    progress.total = sum(ends.values())
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            try:
                missing = behind(conn, schema, ends)
            except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
                missing = progress.total
            progress.update(progress.total - missing)
            if missing == 0 or time.monotonic() >= deadline:
                progress.finish()
                return missing
            time.sleep(0.5)
