"""The broker authenticates every client and allows each user only its ACLs
(services/kit/acls.py): an unauthenticated producer is refused, a service
writes its own topic and not another's, a department writes the ledger topic
only. The test applies the ACLs of its own topic prefix as the admin (the
suite's default user) and removes them afterwards."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from aiokafka.errors import KafkaError as AIOKafkaError
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    KafkaTimeoutError,
    TopicAuthorizationFailedError,
)

from schemas.catalogue import FEEDBACK, LEDGER, SCHEDULE
from services.kit import acls, kafka_auth
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics

pytestmark = pytest.mark.integration


@pytest.fixture
def granted(settings: Settings) -> Iterator[Settings]:
    """The deployment's topics and every user's ACLs under its prefix."""
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        settings.replication_factor,
    )
    acls.apply(settings)
    try:
        yield settings
    finally:
        acls.revoke(settings, acls.resources(settings.topic_prefix))


def as_user(settings: Settings, user: str, password: str | None = None) -> Settings:
    return settings.model_copy(
        update={
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_mechanism": acls.SCRAM_MECHANISM,
            "kafka_sasl_username": user,
            "kafka_sasl_password": password or acls.local_password(user),
        }
    )


def producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        **kafka_auth.options_for(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        max_block_ms=10_000,
        request_timeout_ms=10_000,
    )


def write(settings: Settings, topic: str) -> None:
    """One record to partition 0 of `topic`, acknowledged (or the error)."""
    p = producer(settings)
    try:
        p.send(topic, key=b"k", value=b"v", partition=0).get(timeout=20)
    finally:
        p.close(timeout=5)


def test_an_unauthenticated_producer_is_refused(granted: Settings) -> None:
    topic = LEDGER.full_name(granted.topic_prefix)

    with pytest.raises(KafkaConnectionError):
        asyncio.run(aio_write(granted.kafka_bootstrap, {}, topic))
    # kafka-python, too: the broker closes a connection that does not
    # authenticate, so no metadata ever comes and nothing is sent.
    with pytest.raises(KafkaTimeoutError):
        plaintext_send(granted.kafka_bootstrap, topic)
    # A known user with a wrong password is refused as well.
    wrong = kafka_auth.options_for(
        as_user(granted, acls.service_user("ledger"), "wrong")
    )
    with pytest.raises(AIOKafkaError):
        asyncio.run(aio_write(granted.kafka_bootstrap, wrong, topic))
    assert end_offset(granted, topic) == 0


def test_a_service_writes_its_own_topic_and_not_another_services(
    granted: Settings,
) -> None:
    ledger = as_user(granted, acls.service_user("ledger"))
    write(ledger, LEDGER.full_name(granted.topic_prefix))
    with pytest.raises(TopicAuthorizationFailedError):
        write(ledger, FEEDBACK.full_name(granted.topic_prefix))
    assert end_offset(granted, LEDGER.full_name(granted.topic_prefix)) == 1
    assert end_offset(granted, FEEDBACK.full_name(granted.topic_prefix)) == 0


def test_a_department_writes_the_ledger_topic_only(granted: Settings) -> None:
    production = as_user(granted, acls.department_user("production"))
    write(production, LEDGER.full_name(granted.topic_prefix))
    for other in (SCHEDULE, FEEDBACK):
        with pytest.raises(TopicAuthorizationFailedError):
            write(production, other.full_name(granted.topic_prefix))
    # ... and reads nothing, not even the ledger.
    consumer = KafkaConsumer(
        **kafka_auth.options_for(production),
        bootstrap_servers=granted.kafka_bootstrap,
        enable_auto_commit=False,
        request_timeout_ms=10_000,
    )
    try:
        tp = TopicPartition(LEDGER.full_name(granted.topic_prefix), 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        with pytest.raises(TopicAuthorizationFailedError):
            consumer.poll(timeout_ms=10_000)
    finally:
        consumer.close()


async def aio_write(bootstrap: str, auth: dict[str, Any], topic: str) -> None:
    p = AIOKafkaProducer(**auth, bootstrap_servers=bootstrap, request_timeout_ms=5_000)
    try:
        await p.start()
        await p.send_and_wait(topic, b"refused", partition=0)
    finally:
        await p.stop()


def plaintext_send(bootstrap: str, topic: str) -> None:
    p = KafkaProducer(
        bootstrap_servers=bootstrap,
        api_version=(3, 0),
        max_block_ms=3_000,
        request_timeout_ms=3_000,
    )
    try:
        p.send(topic, b"unauthenticated", partition=0).get(timeout=10)
    finally:
        p.close(timeout=2)


def end_offset(settings: Settings, topic: str) -> int:
    consumer = KafkaConsumer(
        **kafka_auth.options_for(settings), bootstrap_servers=settings.kafka_bootstrap
    )
    try:
        tp = TopicPartition(topic, 0)
        return int(consumer.end_offsets([tp])[tp])
    finally:
        consumer.close()
