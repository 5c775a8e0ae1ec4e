"""The dead-letter tool: `python -m services.<name> dlq list|show|replay`.

A service's dead letters are records of its input topics it could not apply,
kept unchanged on `<prefix>.<service>.dlq` with the reason and the original
coordinates in their headers. After the cause is fixed (a new release, a
corrected reference), `replay` puts them back on their source topic. Replay
is idempotent twice over: the store schema remembers which dead letters were
replayed, and a replayed event keeps its id, so one applied meanwhile is
skipped by every consumer.
"""

import argparse
import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.catalogue import dead_letter_topic
from services.kit import kafka_auth
from services.kit.db import STORE, connect, migrate
from services.kit.settings import Settings

REPLAYS = """
CREATE TABLE IF NOT EXISTS dlq_replays (
    dlq_partition integer     NOT NULL,
    dlq_offset    bigint      NOT NULL,
    replayed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_partition, dlq_offset)
)
"""


@dataclass(frozen=True)
class DeadLetter:
    """One record of the dead-letter topic."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def ref(self) -> str:
        """How the tool names it: `<dlq partition>:<dlq offset>`."""
        return f"{self.partition}:{self.offset}"

    def summary(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "reason": self.headers.get("dlq.reason", ""),
            "consumer": self.headers.get("dlq.consumer", ""),
            "source": "{}[{}]@{}".format(
                self.headers.get("dlq.topic", "?"),
                self.headers.get("dlq.partition", "?"),
                self.headers.get("dlq.offset", "?"),
            ),
            "failed_at": self.headers.get("dlq.failed_at", ""),
            "bytes": len(self.value or b""),
            "truncated_from": self.headers.get("dlq.original_size"),
        }


def read_all(settings: Settings, service: str) -> Iterator[DeadLetter]:
    """Every dead letter of the service, oldest first per partition."""
    topic = dead_letter_topic(settings.topic_prefix, service)
    consumer = KafkaConsumer(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for r in records:
                    yield DeadLetter(
                        r.partition,
                        r.offset,
                        r.key,
                        r.value,
                        {k: v.decode("utf-8", "replace") for k, v in r.headers},
                    )
                    if r.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
    finally:
        consumer.close()


def _replayed(conn: psycopg.Connection[Any]) -> set[tuple[int, int]]:
    rows = conn.execute("SELECT dlq_partition, dlq_offset FROM dlq_replays")
    return {(p, o) for p, o in rows.fetchall()}


def replay(
    settings: Settings, service: str, migrations: Any, refs: Sequence[str] | None
) -> tuple[int, int]:
    """Put dead letters (all, or those named `partition:offset`) back on their
    source topic; return (replayed now, skipped as replayed before)."""
    store = settings.store_schema_for(service)
    migrate(settings.database_url, store, migrations, STORE)
    wanted = set(refs) if refs else None
    producer = KafkaProducer(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        max_request_size=4 * 1024 * 1024,
    )
    replayed = skipped = 0
    try:
        with connect(settings.database_url, store) as conn:
            conn.execute(REPLAYS)
            done = _replayed(conn)
            for letter in read_all(settings, service):
                if wanted is not None and letter.ref not in wanted:
                    continue
                if (letter.partition, letter.offset) in done:
                    skipped += 1
                    continue
                if "dlq.original_size" in letter.headers:
                    # Only a prefix was kept: the source topic has it whole.
                    skipped += 1
                    continue
                producer.send(
                    letter.headers["dlq.topic"],
                    key=letter.key,
                    value=letter.value,
                    headers=[("dlq.replayed_from", letter.ref.encode())],
                ).get(timeout=60)
                conn.execute(
                    "INSERT INTO dlq_replays (dlq_partition, dlq_offset)"
                    " VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (letter.partition, letter.offset),
                )
                conn.commit()
                replayed += 1
    finally:
        producer.close()
    return replayed, skipped


def run(settings: Settings, service: str, migrations: Any, argv: Sequence[str]) -> int:
    """The `dlq` subcommand."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service} dlq")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="every dead letter: reason, source, size")
    show = sub.add_parser("show", help="one dead letter whole")
    show.add_argument("ref", help="partition:offset, as `list` prints it")
    again = sub.add_parser("replay", help="put dead letters back on their topic")
    again.add_argument("refs", nargs="*", help="partition:offset (default: all)")
    args = parser.parse_args(list(argv))
    if args.action == "list":
        count = 0
        for letter in read_all(settings, service):
            print(json.dumps(letter.summary(), ensure_ascii=False))
            count += 1
        print(f"{count} dead letter(s)")
        return 0
    if args.action == "show":
        for letter in read_all(settings, service):
            if letter.ref == args.ref:
                body: Any = (letter.value or b"").decode("utf-8", "replace")
                with contextlib.suppress(ValueError):
                    body = json.loads(body)
                shown = {**letter.summary(), "headers": letter.headers, "value": body}
                print(json.dumps(shown, ensure_ascii=False, indent=2))
                return 0
        print(f"no dead letter {args.ref}")
        return 1
    replayed, skipped = replay(settings, service, migrations, args.refs or None)
    print(f"replayed {replayed}, skipped {skipped} (replayed before or truncated)")
    return 0
