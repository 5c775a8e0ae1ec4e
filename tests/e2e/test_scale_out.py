"""Three replicas of the ledger (as `deploy/local/services.sh scale ledger 3`
runs them): partitions are split by number, the same numbers in every topic a
replica reads (co-partitioning), the split adds up to the topics' partitions,
facts posted to any replica are applied exactly once, and when a replica dies
the survivors take its partitions over and go on."""

import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from schemas.catalogue import LEDGER, SURVEY, dead_letter_topic
from services.kit import kafka_auth
from services.kit.settings import Settings
from tests.support.auth import headers
from tests.support.factories import powered_on, shipped
from tests.support.processes import eventually
from tests.support.replicas import Replicas, running_replicas

pytestmark = pytest.mark.e2e


# Every call carries an admin key of the test's deployment (issued per test).
AUTH: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _admin_key(settings: Settings) -> None:
    AUTH.clear()
    AUTH.update(headers(settings))


# Not a multiple of the replica count: a round-robin assignor would then give
# partition N of one topic and partition N of the other to different replicas.
PARTITIONS = 4
UNITS = 600
BATCH = 100  # facts per POST


def facts(units: range) -> list[dict[str, Any]]:
    """Two facts per unit, each with its own event id (so resending is a duplicate)."""
    return [
        {**fact, "event_id": str(uuid.uuid4())}
        for u in units
        for fact in (
            shipped(f"C{u % 97}", f"K{u % 97}", f"U{u}", "2026-01-05"),
            powered_on(f"C{u % 97}", f"U{u}", "2026-02-01"),
        )
    ]


def topics(settings: Settings) -> list[str]:
    return [
        LEDGER.full_name(settings.topic_prefix),
        SURVEY.full_name(settings.topic_prefix),
    ]


def split(replicas: Replicas) -> list[Any]:
    """Each replica's assigned partitions (all topics), ascending."""
    counts = [body.get("assigned_partitions") for body in replicas.readyz().values()]
    return sorted(counts, key=lambda c: (c is None, c))


def group_assignment(settings: Settings) -> list[dict[str, list[int]]]:
    """Each member of the ledger's consumer group: topic -> partition numbers."""
    group = f"{settings.topic_prefix}.ledger"
    admin = KafkaAdminClient(
        **kafka_auth.options_for(settings), bootstrap_servers=settings.kafka_bootstrap
    )
    try:
        described = admin.describe_groups([group])[group]
    finally:
        admin.close()
    if described.get("group_state") != "Stable":
        return []
    members = []
    for member in described["members"]:
        assignment = member["member_assignment"]
        owned = {
            t["topic"]: sorted(t["partitions"])
            for t in assignment["assigned_partitions"]
        }
        members.append(owned)
    return members


def post(url: str, batch: list[dict[str, Any]]) -> None:
    response = httpx.post(f"{url}/v1/events", json=batch, timeout=60, headers=AUTH)
    assert response.status_code == 202, response.text


def applied(settings: Settings) -> tuple[set[str], int, int]:
    """(applied event ids, units with both dates, records consumed)."""
    schema = settings.schema_for("ledger")
    with psycopg.connect(settings.database_url) as conn:
        ids = {
            str(row[0])
            for row in conn.execute(f"SELECT event_id FROM {schema}.applied_events")
        }
        row = conn.execute(
            f"SELECT (SELECT count(*) FROM {schema}.units"
            "  WHERE ship_date IS NOT NULL AND power_on_date IS NOT NULL),"
            f" (SELECT COALESCE(sum(next_offset), 0) FROM {schema}.consumer_positions)"
        ).fetchone()
    assert row is not None
    return ids, int(row[0]), int(row[1])


def end_offsets(settings: Settings, names: list[str]) -> int:
    consumer = KafkaConsumer(
        **kafka_auth.options_for(settings), bootstrap_servers=settings.kafka_bootstrap
    )
    try:
        tps = [
            TopicPartition(t, p)
            for t in names
            for p in consumer.partitions_for_topic(t) or ()
        ]
        return sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


def assert_applied_once(settings: Settings, posted: set[str], units: int) -> None:
    def caught_up() -> bool:
        ids, complete, consumed = applied(settings)
        return (
            ids == posted
            and complete == units
            and consumed == end_offsets(settings, topics(settings))
        )

    eventually(caught_up, timeout_s=90, interval_s=0.5)
    ids, complete, _ = applied(settings)
    assert ids == posted  # every fact once: none lost, none foreign
    assert complete == units
    dlq = dead_letter_topic(settings.topic_prefix, "ledger")
    assert end_offsets(settings, [dlq]) == 0  # nothing dead-lettered


def assert_copartitioned(members: list[dict[str, list[int]]], count: int) -> None:
    ledger_topic, survey_topic = sorted({t for m in members for t in m})
    assert len(members) == count
    for owned in members:
        # One replica owns a customer's partition in every topic it reads.
        assert owned.get(ledger_topic, []) == owned.get(survey_topic, []), owned
    for topic in (ledger_topic, survey_topic):
        numbers = [p for owned in members for p in owned.get(topic, [])]
        assert sorted(numbers) == list(range(PARTITIONS)), (topic, members)


def test_three_ledger_replicas_split_partitions_and_apply_each_fact_once(
    settings: Settings, tmp_path: Path
) -> None:
    deployment = settings.model_copy(update={"partitions": PARTITIONS})
    per_topic = len(topics(deployment))
    with running_replicas(deployment, tmp_path, "ledger", 3) as replicas:
        # 2 topics x 4 partitions over 3 replicas, by number: partitions
        # {0,1}, {2}, {3} of each topic, so 4, 2 and 2.
        want = [2, 2, 4]
        eventually(lambda: split(replicas) == want, timeout_s=60, interval_s=0.5)
        assert sum(want) == per_topic * PARTITIONS
        members = eventually(
            lambda: (
                len(group_assignment(deployment)) == 3 and group_assignment(deployment)
            ),
            timeout_s=30,
        )
        assert_copartitioned(members, 3)

        # Facts in batches to every replica in turn; every third batch is
        # sent again to another replica (a client retry elsewhere).
        first = facts(range(UNITS // 2))
        batches = [first[i : i + BATCH] for i in range(0, len(first), BATCH)]
        for k, batch in enumerate(batches):
            post(replicas.urls[k % 3 + 1], batch)
            if k % 3 == 0:
                post(replicas.urls[(k + 1) % 3 + 1], batch)
        assert_applied_once(deployment, {f["event_id"] for f in first}, UNITS // 2)

        # A replica dies (SIGKILL): the two left take its partitions over.
        replicas.stop(3, signal.SIGKILL)
        want = [4, 4]
        assert sum(want) == per_topic * PARTITIONS
        eventually(lambda: split(replicas) == want, timeout_s=90, interval_s=0.5)
        members = eventually(
            lambda: (
                len(group_assignment(deployment)) == 2 and group_assignment(deployment)
            ),
            timeout_s=30,
        )
        assert_copartitioned(members, 2)

        second = facts(range(UNITS // 2, UNITS))
        batches = [second[i : i + BATCH] for i in range(0, len(second), BATCH)]
        for k, batch in enumerate(batches):
            post(replicas.urls[k % 2 + 1], batch)
            post(replicas.urls[(k + 1) % 2 + 1], batch[: BATCH // 2])  # resent
        posted = {f["event_id"] for f in first + second}
        assert_applied_once(deployment, posted, UNITS)
