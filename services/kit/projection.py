"""Consuming the log into PostgreSQL, exactly once in effect.

One runner serves both kinds of consumer a service may have: its read model
(the views schema, dropped by a rebuild) and its event reactions (the store
schema: decisions taken on other services' events, never replayed).

Why aiokafka and not a faust-streaming agent: a consumer must record the
consumed position in the *same* PostgreSQL transaction as its rows and resume
from that position, and faust commits offsets from its own in-memory acks
(no hook to store them in a database: faust-streaming issue #461; and open
bugs where it commits past an unprocessed message: #606, #596). aiokafka is
faust's own client, so we keep its protocol code and own only the loop.

The loop, per batch from `getmany`:
1. decode every record; one that is not a valid event of the catalogue goes to
   the consumer's dead-letter topic with the reason;
2. in one transaction: claim the event ids (a duplicate id is skipped), let the
   service's handler update its rows, store each partition's next offset, and
   write what the handlers derived and the dead letters to the service's
   outbox (kit/outbox.py), which the relay publishes after the commit;
3. commit, then the offsets to Kafka (for lag monitoring only: on assignment
   we seek to the positions stored in PostgreSQL).
A handler that raises for one event makes the batch run again one event at a
time under savepoints, so only that event is dead-lettered and the rest apply.
A database or broker failure is not the event's fault: the batch is rolled
back, the consumer re-seeks to the stored positions and tries again.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import KafkaError
from kafka.errors import KafkaError as ProducerError

from schemas.catalogue import AnyEvent, Topic, dead_letter_topic
from schemas.codec import DecodeError, decode, fingerprint
from schemas.envelope import Event
from services.kit import kafka_auth
from services.kit.db import connect_async
from services.kit.metrics import (
    BATCH_SECONDS,
    CONSUMER_LAG,
    EVENTS_APPLIED,
    EVENTS_DEAD_LETTERED,
    EVENTS_DUPLICATE,
)
from services.kit.outbox import OutboxRow, enqueue_async, rows_of
from services.kit.settings import Settings

log = logging.getLogger(__name__)

Cursor = psycopg.AsyncCursor[Any]
Handler = Callable[[Cursor, AnyEvent], Awaitable[Sequence[Event]]]
BatchHandler = Callable[[Cursor, Sequence[AnyEvent]], Awaitable[Sequence[Event]]]
DeadLetter = tuple[ConsumerRecord, str]
TRANSIENT = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OSError,
    KafkaError,
    ProducerError,
)
# SQLSTATE classes that are the event's fault, not the database's: data
# exceptions (22: out of range, bad encoding, NUL), integrity violations (23)
# and program limits (54: e.g. an index row too large). Retrying cannot cure
# them, so the event is dead-lettered and the partition moves on. Anything
# else from PostgreSQL (08 connection, 40 serialization or deadlock, 53
# resources, 57 shutdown, 42 a table missing during a rebuild) is retried.
EVENT_FAULT_SQLSTATE_CLASSES = frozenset({"22", "23", "54"})
# A dead letter keeps at most this much of the record, so that it always fits
# the broker's message size with its headers; `dlq.original_size` tells.
DEAD_LETTER_MAX_BYTES = 512 * 1024
# How often an idle consumer checks that its schema still exists.
SCHEMA_CHECK_S = 2.0


def reason_kind(reason: str) -> str:
    """A dead letter's reason as a small closed set, for metrics labels:
    `undecodable`, `invalid` (not an event of the catalogue), `conflicting
    duplicate`, or the name of the error a handler raised."""
    if reason.startswith(("not JSON", "unreadable", "not a JSON object")):
        return "undecodable"
    if reason.startswith("conflicting duplicate"):
        return "conflicting duplicate"
    if reason.startswith("handler error: "):
        return reason.removeprefix("handler error: ").split("(", 1)[0][:60]
    return "invalid"


def is_transient(exc: BaseException) -> bool:
    """Whether a failure is the infrastructure's (retry) or the event's (DLQ)."""
    if isinstance(exc, psycopg.Error) and exc.sqlstate:
        return exc.sqlstate[:2] not in EVENT_FAULT_SQLSTATE_CLASSES
    return isinstance(exc, TRANSIENT)


ViewHandler = Callable[[Cursor, Any], Awaitable[None]]


def by_event_type(handlers: Mapping[type[Event], ViewHandler]) -> Handler:
    """A read model's handler from its {event type -> handler} table; an event
    of a type not in the table changes nothing."""

    async def apply(cur: Cursor, event: AnyEvent) -> Sequence[Event]:
        handler = handlers.get(type(event))
        if handler is not None:
            await handler(cur, event)
        return ()

    return apply


# The claim of a batch's event ids, in one statement: the first occurrence of
# each id is inserted unless applied before; each answers whether it was
# fresh and, if not, the fingerprint stored with it (NULL for ids applied
# before fingerprints existed). Ids and fingerprints travel as two strings,
# much cheaper for the client to send than arrays of UUIDs and byteas.
CLAIM = """
WITH incoming AS (
    SELECT id::uuid AS event_id, decode(fp, 'hex') AS fingerprint, n
    FROM unnest(string_to_array(%s, ','), string_to_array(%s, ','))
         WITH ORDINALITY AS i(id, fp, n)
), firsts AS (
    SELECT DISTINCT ON (event_id) event_id, fingerprint, n
    FROM incoming ORDER BY event_id, n
), claimed AS (
    INSERT INTO applied_events (event_id, fingerprint)
    SELECT event_id, fingerprint FROM firsts
    ON CONFLICT DO NOTHING RETURNING event_id
)
SELECT f.n, c.event_id IS NOT NULL, a.fingerprint
FROM firsts f
LEFT JOIN claimed c ON c.event_id = f.event_id
LEFT JOIN applied_events a ON a.event_id = f.event_id
"""


@dataclass(frozen=True)
class Projection:
    """A read model: its name, the topics it follows and the handler of events."""

    name: str
    topics: tuple[Topic, ...]
    handle: Handler
    # Optional set-based path: all fresh events of a batch, in log order. The
    # per-event `handle` stays the slow path that isolates a failing event.
    handle_batch: BatchHandler | None = None
    # The service it belongs to, when the name is not the service's own
    # (event reactions: `feedback.reactions`); it names the dead-letter topic.
    service: str | None = None


@dataclass
class ProjectionState:
    """What /readyz and /metrics report about a running projection."""

    running: bool = False
    assigned: int = 0
    lag: int | None = None
    last_error: str | None = None
    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)


class _SeekToStoredPositions(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: "ProjectionRunner") -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # Under the batch lock: a batch in hand finishes with the positions
        # it read, and the next one never sees a half-revoked state.
        async with self.runner.lock:
            for tp in revoked:
                self.runner.state.next_offsets.pop(tp, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.runner.seek_to_stored(assigned)


class ProjectionRunner:
    """Runs one projection until stopped; see the module docstring."""

    def __init__(
        self,
        projection: Projection,
        settings: Settings,
        schema: str,
        store_schema: str,
        *,
        prepare: Callable[[], Awaitable[None]] | None = None,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        """`schema` holds the consumer's positions and rows; `store_schema` the
        outbox. `prepare` runs before each (re)start, e.g. to re-create a read
        model dropped by a rebuild; `on_outbox` is told when rows were written.
        """
        self.projection = projection
        self.settings = settings
        self.schema = schema
        self.store_schema = store_schema
        self._prepare = prepare
        self._on_outbox = on_outbox
        self.state = ProjectionState()
        self.group_id = f"{settings.topic_prefix}.{projection.name}"
        # A service's consumers share its one dead-letter topic.
        self.dead_letter_topic = dead_letter_topic(
            settings.topic_prefix, projection.service or projection.name
        )
        self._topics = [t.full_name(settings.topic_prefix) for t in projection.topics]
        self._stopping = asyncio.Event()
        self._conn: psycopg.AsyncConnection[Any] | None = None
        # aiokafka runs the rebalance listener in its coordinator task, which
        # can overlap a batch being applied: both use the one connection.
        self.lock = asyncio.Lock()
        self._consumer: AIOKafkaConsumer | None = None
        self._last_commit = 0.0

    async def run(self) -> None:
        """Consume until `stop()`; reconnect and resume after transient failures."""
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                await self._run_once()
                backoff = 0.5
            except Exception as exc:
                # Transient (database, broker) or not, the projection must not
                # die silently: it reports the error on /readyz and retries
                # from its stored positions, so nothing is skipped meanwhile.
                self.state.last_error = repr(exc)
                log.log(
                    logging.WARNING if is_transient(exc) else logging.ERROR,
                    "projection interrupted; resuming",
                    exc_info=True,
                    extra={"consumer": self.projection.name},
                )
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
        await self._close()

    async def stop(self) -> None:
        """Finish the batch in hand, then leave the group."""
        self._stopping.set()

    async def _run_once(self) -> None:
        if self._prepare is not None:
            await self._prepare()
        # Its own schema only: the kit's tables have the same names in the
        # views and the store, and a consumer must never fall through to the
        # other one's positions. The outbox is named with its schema.
        self._conn = await connect_async(self.settings.database_url, self.schema)
        self._consumer = AIOKafkaConsumer(
            **kafka_auth.options(),
            bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=self.group_id,
            client_id=f"{self.group_id}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Co-partitioning: partitions are assigned by number, the same in
            # every topic read (all have one count, checked at start), so one
            # replica owns a customer's partition in all of them. The default
            # round-robin assignor splits a customer across replicas as soon
            # as their count does not divide the partitions.
            partition_assignment_strategy=(RangePartitionAssignor,),
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await self._consumer.start()
        self._consumer.subscribe(self._topics, listener=_SeekToStoredPositions(self))
        self.state.running = True
        idle_since = time.monotonic()
        while not self._stopping.is_set():
            batch = await self._consumer.getmany(
                timeout_ms=500, max_records=self.settings.batch_size
            )
            if batch:
                await self.apply(batch)
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > SCHEMA_CHECK_S:
                # A rebuild drops the schema under a running service; an idle
                # consumer would not notice until its next event. Restarting
                # re-creates it (`prepare`) and replays from the beginning.
                await self._check_schema()
                idle_since = time.monotonic()
            self._update_lag()
            self.state.last_error = None  # shown on /readyz until a round succeeds

    async def _check_schema(self) -> None:
        assert self._conn is not None
        async with self.lock:
            cur = await self._conn.execute(
                "SELECT to_regclass(%s)", (f'"{self.schema}".consumer_positions',)
            )
            row = await cur.fetchone()
        if row is None or row[0] is None:
            msg = f"schema {self.schema!r} was dropped (a rebuild); starting over"
            raise RuntimeError(msg)

    async def _close(self) -> None:
        self.state.running = False
        if self._consumer is not None:
            # Leave Kafka's committed offsets (monitoring only) up to date.
            with suppress(Exception):
                await self._consumer.commit(dict(self.state.next_offsets))
            try:
                await self._consumer.stop()
            except Exception:
                log.debug("consumer close failed", exc_info=True)
            self._consumer = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def seek_to_stored(self, partitions: Sequence[TopicPartition]) -> None:
        """Position the consumer right after what the read model has applied."""
        async with self.lock:
            await self._seek(partitions)

    async def _seek(self, partitions: Sequence[TopicPartition]) -> None:
        assert self._conn is not None
        assert self._consumer is not None
        async with self._conn.cursor() as cur:
            await cur.execute(
                "SELECT topic, partition, next_offset FROM consumer_positions"
                " WHERE topic = ANY(%s)",
                ([tp.topic for tp in partitions],),
            )
            stored = {TopicPartition(t, p): o for t, p, o in await cur.fetchall()}
        for tp in partitions:
            # Offset 0, not seek_to_beginning: aiokafka applies that reset
            # lazily, and it lost to the group offsets the previous consumer
            # committed on close, so a rebuild under traffic resumed those
            # partitions where the old read model had stopped (found by the
            # fault suite). Below the log start, auto_offset_reset=earliest.
            self._consumer.seek(tp, stored.get(tp, 0))
            self.state.next_offsets[tp] = stored.get(tp, 0)
        self.state.assigned = len(self._consumer.assignment())

    async def apply(self, fetched: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Apply one batch atomically with its positions (module docstring)."""
        async with self.lock:
            unpositioned = [tp for tp in fetched if tp not in self.state.next_offsets]
            if unpositioned:
                # The rebalance listener failed (aiokafka only logs that), e.g.
                # with the database down: position them now (or raise and let
                # `run` start over) and drop what was fetched from elsewhere;
                # their records come again from the stored position.
                await self._seek(unpositioned)
                fetched = {
                    tp: rs for tp, rs in fetched.items() if tp not in unpositioned
                }
            batch = self._unapplied(fetched)
            if batch:
                await self._apply_batch(batch)

    def _unapplied(
        self, fetched: dict[TopicPartition, list[ConsumerRecord]]
    ) -> dict[TopicPartition, list[ConsumerRecord]]:
        """Drop records before the stored position (fetched before a seek)."""
        batch = {}
        for tp, records in fetched.items():
            kept = [r for r in records if r.offset >= self.state.next_offsets[tp]]
            if kept:
                batch[tp] = kept
        return batch

    async def _apply_batch(
        self, batch: dict[TopicPartition, list[ConsumerRecord]]
    ) -> None:
        assert self._conn is not None
        assert self._consumer is not None
        started = time.perf_counter()
        try:
            applied, dead = await self._apply_in_transaction(batch, isolate=False)
        except Exception as exc:
            if is_transient(exc):
                raise
            log.warning(
                "batch failed; retrying event by event",
                exc_info=True,
                extra={"consumer": self.projection.name},
            )
            applied, dead = await self._apply_in_transaction(batch, isolate=True)
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        self.state.next_offsets.update(offsets)
        try:
            # Kafka's offsets only feed lag monitoring (positions live in
            # PostgreSQL), so one commit a second is plenty.
            if time.monotonic() - self._last_commit >= 1.0:
                await self._consumer.commit(dict(self.state.next_offsets))
                self._last_commit = time.monotonic()
        except Exception:
            log.info("offset commit to Kafka skipped", exc_info=True)
        name = self.projection.name
        EVENTS_APPLIED.labels(name).inc(applied)
        for _, reason in dead:
            EVENTS_DEAD_LETTERED.labels(name, reason_kind(reason)).inc()
        BATCH_SECONDS.labels(name).observe(time.perf_counter() - started)
        for record, reason in dead:
            log.error(
                "event dead-lettered",
                extra={
                    "consumer": name,
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                    "reason": reason,
                },
            )

    async def _apply_in_transaction(
        self, batch: dict[TopicPartition, list[ConsumerRecord]], *, isolate: bool
    ) -> tuple[int, list[DeadLetter]]:
        assert self._conn is not None
        dead: list[DeadLetter] = []
        events: list[tuple[ConsumerRecord, AnyEvent]] = []
        for records in batch.values():
            for record in records:
                try:
                    events.append((record, decode(record.value or b"")))
                except DecodeError as exc:
                    dead.append((record, exc.reason))
        derived: list[Event] = []
        async with self._conn.transaction(), self._conn.cursor() as cur:
            events, fresh = await self._claim(cur, events, dead)
            # Pipeline mode sends the handlers' statements without waiting for
            # each reply; a failure surfaces at the end and sends the batch to
            # the slow path, which runs without it, under savepoints.
            pipeline: AbstractAsyncContextManager[Any] = (
                nullcontext() if isolate else self._conn.pipeline()
            )
            async with pipeline:
                applied = await self._handle_all(
                    cur, events, fresh, derived, dead, isolate=isolate
                )
            await cur.executemany(
                "INSERT INTO consumer_positions (topic, partition, next_offset)"
                " VALUES (%s, %s, %s) ON CONFLICT (topic, partition)"
                " DO UPDATE SET next_offset ="
                " GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset)",
                [
                    (tp.topic, tp.partition, rs[-1].offset + 1)
                    for tp, rs in batch.items()
                ],
            )
            if derived or dead:
                await enqueue_async(
                    cur, self._outbox_rows(derived, dead), self.store_schema
                )
        if (derived or dead) and self._on_outbox is not None:
            self._on_outbox()
        return applied, dead

    async def _handle_all(
        self,
        cur: Cursor,
        events: list[tuple[ConsumerRecord, AnyEvent]],
        fresh: set[Any],
        derived: list[Event],
        dead: list[DeadLetter],
        *,
        isolate: bool,
    ) -> int:
        assert self._conn is not None
        if not isolate and self.projection.handle_batch is not None:
            batch: list[AnyEvent] = []
            for _, event in events:
                if event.event_id not in fresh:
                    EVENTS_DUPLICATE.labels(self.projection.name).inc()
                    continue
                fresh.discard(event.event_id)
                batch.append(event)
            derived.extend(await self.projection.handle_batch(cur, batch))
            return len(batch)
        applied = 0
        for record, event in events:
            if event.event_id not in fresh:
                EVENTS_DUPLICATE.labels(self.projection.name).inc()
                continue
            fresh.discard(event.event_id)  # the same id twice in one batch
            if not isolate:
                derived.extend(await self.projection.handle(cur, event))
                applied += 1
                continue
            try:
                async with self._conn.transaction():
                    derived.extend(await self.projection.handle(cur, event))
                applied += 1
            except Exception as exc:
                if is_transient(exc):
                    raise
                await cur.execute(
                    "DELETE FROM applied_events WHERE event_id = %s",
                    (event.event_id,),
                )
                dead.append((record, f"handler error: {exc!r}"))
        return applied

    @staticmethod
    async def _claim(
        cur: Cursor,
        events: list[tuple[ConsumerRecord, AnyEvent]],
        dead: list[DeadLetter],
    ) -> tuple[list[tuple[ConsumerRecord, AnyEvent]], set[Any]]:
        """Record the batch's ids as applied, in one round trip (`CLAIM`);
        return the events kept and the ids not applied before.

        An event whose id was applied (or comes earlier in the batch) with
        other content is dead-lettered, never silently dropped as a duplicate.
        Each fingerprint is computed once: it costs as much as decoding.
        """
        if not events:
            return events, set()
        prints = [fingerprint(e) for _, e in events]
        await cur.execute(
            CLAIM,
            (
                ",".join(str(e.event_id) for _, e in events),
                ",".join(p.hex() for p in prints),
            ),
        )
        # By the position of each id's first occurrence in the batch.
        claimed = {n - 1: (fresh, stored) for n, fresh, stored in await cur.fetchall()}
        first_of: dict[Any, int] = {}
        kept, fresh_ids = [], set()
        for i, (record, event) in enumerate(events):
            first = first_of.setdefault(event.event_id, i)
            fresh, stored = claimed[first]
            known = prints[first] if fresh or stored is None else bytes(stored)
            if prints[i] != known:
                dead.append(
                    (
                        record,
                        f"conflicting duplicate: event {event.event_id} was "
                        "applied before with other content",
                    )
                )
                continue
            kept.append((record, event))
            if fresh:
                fresh_ids.add(event.event_id)
        return kept, fresh_ids

    def _outbox_rows(
        self, derived: list[Event], dead: list[DeadLetter]
    ) -> list[OutboxRow]:
        now = datetime.now(UTC).isoformat()
        rows = rows_of(derived, self.settings.topic_prefix)
        for record, reason in dead:
            value = record.value
            headers = [
                ("dlq.reason", reason[:2000].encode()),
                ("dlq.consumer", self.projection.name.encode()),
                ("dlq.topic", record.topic.encode()),
                ("dlq.partition", str(record.partition).encode()),
                ("dlq.offset", str(record.offset).encode()),
                ("dlq.failed_at", now.encode()),
            ]
            if value is not None and len(value) > DEAD_LETTER_MAX_BYTES:
                # Found on the source topic by its coordinates above.
                headers.append(("dlq.original_size", str(len(value)).encode()))
                value = value[:DEAD_LETTER_MAX_BYTES]
            rows.append(
                OutboxRow(
                    event_id=None,
                    topic=self.dead_letter_topic,
                    key=record.key[:1024] if record.key else record.key,
                    value=value,
                    headers=headers,
                )
            )
        return rows

    def _update_lag(self) -> None:
        if self._consumer is None:
            return
        lag = 0
        # Only partitions still assigned: asking for the highwater of one just
        # revoked raises, and would crash-loop the replica.
        assigned = self._consumer.assignment()
        for tp, next_offset in list(self.state.next_offsets.items()):
            if tp not in assigned:
                continue
            highwater = self._consumer.highwater(tp)
            if highwater is not None:
                lag += max(0, highwater - next_offset)
        self.state.lag = lag
        CONSUMER_LAG.labels(self.projection.name).set(lag)
