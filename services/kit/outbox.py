"""The transactional outbox: decided events are rows first, log records second.

A command (or an event reaction) writes the events it decides into `outbox`
in the same PostgreSQL transaction as the state they change, so either both
exist or neither does; no reservation can outlive its command. The relay, one
per service at a time (a PostgreSQL advisory lock elects it), publishes unsent
rows in `seq` order with the idempotent producer and marks each row sent with
where it landed. A crash between publishing and marking re-publishes the same
event ids, which every consumer recognises; a row the broker refuses for good
(too large) is marked failed with the reason instead of blocking the rows
behind it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from kafka.errors import KafkaError
from psycopg import sql
from psycopg.types.json import Jsonb

from schemas.catalogue import TOPIC_OF
from schemas.codec import encode
from schemas.envelope import Event
from services.kit.db import connect_async
from services.kit.faults import RELAY_AFTER_PUBLISH, RELAY_BEFORE_PUBLISH, crash_point
from services.kit.metrics import EVENTS_PUBLISHED, OUTBOX_FAILED, OUTBOX_UNSENT
from services.kit.producer import EventProducer, Position

log = logging.getLogger(__name__)

INSERT = """
INSERT INTO {} (event_id, topic, key, value, headers)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING
"""


def _insert(schema: str | None) -> sql.Composed:
    table = sql.Identifier(schema, "outbox") if schema else sql.Identifier("outbox")
    return sql.SQL(INSERT).format(table)


# Errors of one record that no retry will cure.
PERMANENT = ("MessageSizeTooLargeError", "RecordListTooLargeError", "InvalidTopicError")


@dataclass(frozen=True)
class OutboxRow:
    """A record to publish: an event, or raw bytes such as a dead letter."""

    event_id: UUID | None
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


def rows_of(events: Iterable[Event], topic_prefix: str) -> list[OutboxRow]:
    """Events as outbox rows on their catalogue topics, keyed by customer."""
    return [
        OutboxRow(
            event_id=e.event_id,
            topic=TOPIC_OF[e.type].full_name(topic_prefix),
            key=e.key.encode(),
            value=encode(e),
        )
        for e in events
    ]


def _params(row: OutboxRow) -> tuple[Any, ...]:
    headers = [[k, v.decode("utf-8", "replace")] for k, v in row.headers]
    return (row.event_id, row.topic, row.key, row.value, Jsonb(headers))


def enqueue(
    conn: psycopg.Connection[Any],
    rows: Sequence[OutboxRow],
    schema: str | None = None,
) -> None:
    """Write rows in the caller's transaction (sync: the API's commands).

    `schema` names the store schema when the search path does not lead there.
    """
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_insert(schema), [_params(r) for r in rows])


async def enqueue_async(
    cur: psycopg.AsyncCursor[Any], rows: Sequence[OutboxRow], schema: str | None = None
) -> None:
    """Write rows in the caller's transaction (async: a consumer's batch)."""
    if rows:
        await cur.executemany(_insert(schema), [_params(r) for r in rows])


def sent_positions(
    conn: psycopg.Connection[Any], event_ids: Sequence[UUID]
) -> list[Position] | None:
    """Where these events landed, or None while any is still unsent."""
    rows = conn.execute(
        'SELECT topic, partition, "offset" FROM outbox WHERE event_id = ANY(%s)',
        (list(event_ids),),
    ).fetchall()
    if len(rows) < len(set(event_ids)) or any(r[1] is None for r in rows):
        return None
    return [Position(t, p, o) for t, p, o in rows]


class OutboxRelay:
    """Publishes a service's outbox, on the one replica holding the lock."""

    def __init__(
        self,
        database_url: str,
        store_schema: str,
        producer: EventProducer,
        *,
        service: str,
        batch_size: int = 500,
        poll_s: float = 0.05,
        timeout_s: float = 60,
    ) -> None:
        self.database_url = database_url
        self.store_schema = store_schema
        self.producer = producer
        self.service = service
        self.batch_size = batch_size
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.leader = False
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Publish now (callable from any thread: the API's worker threads)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Until stopped: hold the lock, then publish whatever is unsent."""
        self._loop = asyncio.get_running_loop()
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                await self._run_once()
                backoff = 0.5
            except Exception as exc:
                self.leader = False
                self.last_error = repr(exc)
                log.warning("outbox relay interrupted; resuming", exc_info=True)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _run_once(self) -> None:
        conn = await connect_async(self.database_url, self.store_schema)
        try:
            while not self._stopping.is_set():
                if not self.leader:
                    # A session lock: released by PostgreSQL when this
                    # process dies, so another replica takes over.
                    cur = await conn.execute(
                        "SELECT pg_try_advisory_lock(hashtext(%s), 3)",
                        (self.store_schema,),
                    )
                    row = await cur.fetchone()
                    self.leader = bool(row and row[0])
                    if not self.leader:
                        await self._sleep(1.0)
                        continue
                sent = await self.relay_once(conn)
                self.last_error = None
                if sent < self.batch_size:
                    await self._sleep(self.poll_s)
        finally:
            self.leader = False
            await conn.close()

    async def relay_once(self, conn: psycopg.AsyncConnection[Any]) -> int:
        """Publish one batch of unsent rows in order; return how many were sent."""
        cur = await conn.execute(
            "SELECT seq, topic, key, value, headers FROM outbox"
            " WHERE sent_at IS NULL AND failed IS NULL ORDER BY seq LIMIT %s",
            (self.batch_size,),
        )
        rows = await cur.fetchall()
        OUTBOX_UNSENT.labels(self.service).set(len(rows))
        if not rows:
            return 0
        crash_point(RELAY_BEFORE_PUBLISH)
        results = await asyncio.to_thread(self._publish, rows)
        crash_point(RELAY_AFTER_PUBLISH)
        sent = [
            (p.partition, p.offset, seq)
            for seq, p in results
            if isinstance(p, Position)
        ]
        failed = [(reason, seq) for seq, reason in results if isinstance(reason, str)]
        async with conn.transaction(), conn.cursor() as c:
            if sent:
                await c.executemany(
                    'UPDATE outbox SET sent_at = now(), partition = %s, "offset" = %s'
                    " WHERE seq = %s",
                    sent,
                )
            if failed:
                await c.executemany(
                    "UPDATE outbox SET failed = %s WHERE seq = %s", failed
                )
        EVENTS_PUBLISHED.labels(self.service).inc(len(sent))
        if failed:
            OUTBOX_FAILED.labels(self.service).inc(len(failed))
            for reason, seq in failed:
                log.error(
                    "outbox row refused by the broker",
                    extra={"seq": seq, "reason": reason},
                )
        return len(sent)

    def _publish(
        self, rows: Sequence[tuple[Any, ...]]
    ) -> list[tuple[int, Position | str]]:
        """Send all, then wait for each in order.

        A transient failure stops the round: what was acknowledged before it is
        marked sent, the rest is tried again (maybe sent twice: same ids).
        """
        futures: list[tuple[int, Any]] = []
        refused: dict[int, str] = {}
        for seq, topic, key, value, headers in rows:
            try:
                futures.append(
                    (
                        seq,
                        self.producer.send_raw(
                            topic, key, value, [(k, v.encode()) for k, v in headers]
                        ),
                    )
                )
            except KafkaError as exc:
                # kafka-python checks the size before queueing the record
                if type(exc).__name__ not in PERMANENT:
                    raise
                refused[seq] = repr(exc)
        results: list[tuple[int, Position | str]] = list(refused.items())
        for seq, future in futures:
            try:
                meta = future.get(timeout=self.timeout_s)
            except KafkaError as exc:
                if type(exc).__name__ in PERMANENT:
                    results.append((seq, repr(exc)))
                    continue
                self.last_error = repr(exc)
                log.warning("outbox publish failed; retrying", exc_info=True)
                break
            results.append((seq, Position(meta.topic, meta.partition, meta.offset)))
        return results
