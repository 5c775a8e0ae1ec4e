"""Shared fixtures. Integration and e2e tests need the local stack running
(`make stack`); each test gets its own topic and schema prefix, so tests never
see each other's events or rows, and both are removed after the test. Tests
talk to the broker as its admin (the settings' default broker user, or the
FOLLOWUP_KAFKA_SASL_* of the environment); tests/integration/
test_kafka_acls.py proves what the other users may not do."""

import os
import uuid
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from kafka.admin import KafkaAdminClient
from psycopg import sql

from services.kit import kafka_auth
from services.kit.settings import Settings

CLOCK = date(2026, 11, 30)


def unique_prefix() -> str:
    """A fresh prefix for topics and schemas (schemas must start with a letter)."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings() -> Iterator[Settings]:
    """Settings of an isolated deployment on the real broker and database.

    Its topics and schemas are removed afterwards, so that the local broker
    does not pile up thousands of partitions over many runs.
    """
    prefix = unique_prefix()
    isolated = Settings(
        topic_prefix=prefix,
        schema_prefix=f"{prefix}_",
        partitions=int(os.environ.get("FOLLOWUP_TEST_PARTITIONS", "3")),
        wait_timeout_s=20,
        batch_size=200,
        # Every test's "today" is pinned (a test may pin another): results
        # never depend on the machine's date (`make test-dates` proves it).
        clock_date=CLOCK,
    )
    # Kit helpers called directly (ensure_topics, lag, producers) use it.
    kafka_auth.configure(isolated)
    yield isolated
    remove_deployment(isolated)


def remove_deployment(settings: Settings) -> None:
    """Delete a test deployment's topics and drop its schemas."""
    admin = KafkaAdminClient(
        **kafka_auth.options_for(settings), bootstrap_servers=settings.kafka_bootstrap
    )
    try:
        mine = [
            t for t in admin.list_topics() if t.startswith(f"{settings.topic_prefix}.")
        ]
        if mine:
            admin.delete_topics(mine, timeout_ms=30_000)
    finally:
        admin.close()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)",
            (settings.schema_prefix,),
        ).fetchall()
        for (name,) in schemas:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
