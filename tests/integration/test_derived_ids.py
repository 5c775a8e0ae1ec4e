"""Derived event ids cannot be squatted by a client (issue: who may do what).

Before, a derived id was uuid5 of a public namespace and public parts: a
department could post a fact under the id of a future `visit_overdue`, and
every consumer reading both topics then skipped the real announcement as a
duplicate. Derived ids are now keyed with the deployment's secret."""

import asyncio
from uuid import UUID, uuid5

import psycopg
import pytest

from schemas.codec import decode_obj
from schemas.envelope import configure_derived_ids, stable_id
from schemas.schedule import VisitOverdue, VisitOverduePayload
from schemas.types import VisitKind
from services.kit.db import VIEWS, migrate
from services.kit.producer import EventProducer
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from services.reporting.projection import PROJECTION
from services.reporting.service import SERVICE
from tests.support.factories import installed
from tests.support.running import running, wait_for_offsets

pytestmark = pytest.mark.integration

# The namespace every copy of the code carried in the open.
PUBLIC_NAMESPACE = UUID("6f1c3b0e-51a5-4c55-9a43-0d6f6e1d7a11")


def test_derived_ids_depend_on_the_deployment_secret() -> None:
    try:
        configure_derived_ids("one secret")
        first = stable_id("U1:trial_run", "overdue")
        configure_derived_ids("another secret")
        second = stable_id("U1:trial_run", "overdue")
    finally:
        configure_derived_ids("")
    assert first != second
    assert stable_id("U1:trial_run", "overdue") == stable_id("U1:trial_run", "overdue")


def test_a_fact_posted_under_a_derived_id_does_not_hide_the_derived_event(
    settings: Settings,
) -> None:
    guessed = uuid5(PUBLIC_NAMESPACE, "U1:trial_run|overdue")
    squatter = decode_obj(
        {**installed("C1", "U1", "2026-03-01"), "event_id": str(guessed)}
    )
    overdue = VisitOverdue(
        event_id=stable_id("U1:trial_run", "overdue"),
        source="scheduler",
        actor="scheduler",
        payload=VisitOverduePayload(
            customer_id="C1",
            visit_id="U1:trial_run",
            kind=VisitKind.TRIAL_RUN,
            latest_date="2026-04-01",
            announced_on="2026-04-02",
        ),
    )
    assert overdue.event_id != guessed
    ensure_topics(
        settings.kafka_bootstrap, catalogue_topics(settings.topic_prefix), 1, 1
    )
    schema = settings.schema_for("reporting")
    migrate(settings.database_url, schema, SERVICE.migrations, VIEWS)
    producer = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "t")
    producer.publish([squatter])  # the ledger topic: read first
    producer.publish([overdue])
    producer.close()

    async def consume() -> None:
        async with running(PROJECTION, settings, schema):
            await wait_for_offsets(settings, schema, 2)

    asyncio.run(consume())
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            f"SELECT overdue_on FROM {schema}.visits WHERE visit_id = 'U1:trial_run'"
        ).fetchone()
    assert row is not None
    assert str(row[0]) == "2026-04-02"
