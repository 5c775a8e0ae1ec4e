"""What the ledger's edge refuses, with nothing appended (issue: what the API
accepts, every consumer applies). Each case answered 202 or 500 before."""

import uuid

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition

from schemas.limits import MAX_BATCH_ITEMS
from services.kit import kafka_auth
from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE
from tests.support.auth import headers
from tests.support.factories import installed, shipped

pytestmark = pytest.mark.integration


def on_log(settings: Settings) -> int:
    """How many records the ledger topic holds."""
    consumer = KafkaConsumer(
        **kafka_auth.options_for(settings), bootstrap_servers=settings.kafka_bootstrap
    )
    topic = f"{settings.topic_prefix}.ledger"
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    total = int(sum(consumer.end_offsets(parts).values()))
    consumer.close()
    return total


def test_a_type_that_is_not_a_string_is_a_422_not_a_500(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        answer = client.post("/v1/events", json={"type": []})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "type"


def test_a_batch_over_the_item_limit_is_refused_whole_with_413(
    settings: Settings,
) -> None:
    facts = [installed("C1", f"U{i}", "2026-03-01") for i in range(MAX_BATCH_ITEMS + 1)]
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        answer = client.post("/v1/events", json=facts)
        assert answer.status_code == 413
        assert on_log(settings) == 0


def test_a_body_over_the_size_limit_is_refused_before_anything_is_sent(
    settings: Settings,
) -> None:
    """Before, an item too large for the broker raised in `send()` after the
    earlier items were queued: they landed, the client got a 500. Now each
    field is bounded (schemas/limits.py), so an event stays far under the
    broker's limit, and the body as a whole is bounded (413)."""
    big = shipped("C1", "K1", "U2", "2026-02-01")
    big["payload"]["serial_numbers"] = [f"SN-{i:060d}" for i in range(1000)]
    batch = [
        installed("C1", "U1", "2026-03-01"),
        *[dict(big, event_id=str(uuid.uuid4())) for _ in range(70)],
    ]
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        answer = client.post("/v1/events", json=batch)
        assert answer.status_code == 413, answer.text
        assert on_log(settings) == 0


def test_a_resent_id_with_other_content_is_a_409(settings: Settings) -> None:
    fact = {**installed("C1", "U1", "2026-03-01"), "event_id": str(uuid.uuid4())}
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        first = client.post("/v1/events?wait=true", json=fact)
        assert first.status_code == 202
        again = client.post("/v1/events?wait=true", json=fact)
        assert again.status_code == 202  # the same fact resent: harmless
        changed = {
            **fact,
            "payload": {**fact["payload"], "installed_date": "2026-03-02"},
        }
        clash = client.post(
            "/v1/events", json=[installed("C1", "U9", "2026-03-01"), changed]
        )
        assert clash.status_code == 409
        assert clash.json()["detail"] == [
            {
                "item": 1,
                "field": "event_id",
                "rule": "conflicting duplicate: "
                "this id was appended with other content",
            }
        ]
        assert on_log(settings) == 2
