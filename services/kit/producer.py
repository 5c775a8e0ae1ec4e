"""Appending events to the log: the one way every writer produces.

kafka-python's producer with acks=all and idempotence, so a retry inside the
client never duplicates a record and an acknowledged record survives a broker
failure. Used by the HTTP APIs, by departments' systems (via `ledger.client`),
and, from a worker thread, by the projections that derive events.
"""

import socket
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from kafka import KafkaProducer

from schemas.catalogue import TOPIC_OF
from schemas.codec import encode
from schemas.envelope import Event
from services.kit import kafka_auth


class Position(NamedTuple):
    """Where a record landed on the log."""

    topic: str
    partition: int
    offset: int


class EventProducer:
    """Publish events to their catalogue topics, keyed by the envelope key."""

    def __init__(
        self,
        bootstrap: str,
        topic_prefix: str,
        client_id: str,
        *,
        request_timeout_ms: int = 15_000,
        delivery_timeout_ms: int = 30_000,
    ) -> None:
        self.topic_prefix = topic_prefix
        self._bootstrap = bootstrap
        # The client gives up on a record only after `delivery_timeout_ms`;
        # callers wait a little longer than that, so that "not acknowledged"
        # is the client's verdict and not an impatient caller's.
        self.delivery_timeout_s = delivery_timeout_ms / 1000
        self._producer = KafkaProducer(
            **kafka_auth.options(),
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            compression_type=None,
            request_timeout_ms=request_timeout_ms,
            delivery_timeout_ms=max(delivery_timeout_ms, request_timeout_ms + 5),
            max_block_ms=request_timeout_ms,
        )

    def topic_for(self, event: Event) -> str:
        """The broker-side topic an event belongs on."""
        return TOPIC_OF[event.type].full_name(self.topic_prefix)

    def config(self) -> dict[str, object]:
        """The producer's effective configuration (for checks and tests)."""
        return dict(self._producer.config)

    def send_raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> Any:
        """Queue one record; the returned future resolves to its metadata."""
        return self._producer.send(topic, key=key, value=value, headers=headers)

    def publish(
        self, events: Sequence[Event], timeout_s: float | None = None
    ) -> list[Position]:
        """Send all events, then wait for every acknowledgement.

        Sending before waiting lets the client batch them; an exception from any
        acknowledgement propagates, so a caller never reports success for an
        event that is not on the log.
        """
        futures = [
            self._producer.send(self.topic_for(e), key=e.key.encode(), value=encode(e))
            for e in events
        ]
        wait = timeout_s or self.delivery_timeout_s + 5
        return [self._position(f.get(timeout=wait)) for f in futures]

    def publish_raw(
        self,
        records: Iterable[
            tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]
        ],
        timeout_s: float | None = None,
    ) -> list[Position]:
        """Send (topic, key, value, headers) records as they are, e.g. dead letters."""
        futures = [
            self._producer.send(topic, key=key, value=value, headers=headers)
            for topic, key, value, headers in records
        ]
        wait = timeout_s or self.delivery_timeout_s + 5
        return [self._position(f.get(timeout=wait)) for f in futures]

    def connected(self, timeout_s: float = 1.0) -> bool:
        """Whether a bootstrap broker accepts a connection right now.

        kafka-python's `bootstrap_connected()` turns false once the client has
        moved on to the brokers named in the metadata, so it cannot tell.
        """
        for address in self._bootstrap.split(","):
            host, _, port = address.strip().rpartition(":")
            try:
                with socket.create_connection((host, int(port)), timeout=timeout_s):
                    return True
            except OSError:
                continue
        return False

    def close(self) -> None:
        """Flush what is pending and close the connection."""
        self._producer.close(timeout=10)

    @staticmethod
    def _position(meta: object) -> Position:
        return Position(meta.topic, meta.partition, meta.offset)  # type: ignore[attr-defined]
