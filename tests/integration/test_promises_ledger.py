"""README promises of the ledger and of every service's edge that no other
test checked: one fact as an object, every broken rule in one 422, the
ledger by contract and the retail orders, the producer's acks=all and
idempotence, `/healthz` and `/docs`."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE
from tests.support.auth import headers
from tests.support.factories import contract, delivered, shipped

pytestmark = pytest.mark.integration


def items(body: Any) -> list[dict[str, Any]]:
    """A list answer's items: every list is `{"items": [...], "next": ...}`."""
    assert set(body) == {"items", "next"}, body
    found: list[dict[str, Any]] = body["items"]
    return found


def test_one_fact_may_be_posted_as_an_object_not_an_array(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        answers = [
            client.post("/v1/events?wait=true", json=fact)
            for fact in (contract("C1", "K1"), shipped("C1", "K1", "U1", "2026-02-01"))
        ]
        rows = client.get("/v1/ledger", params={"contract_id": "K1"}).json()["items"]
    for answer in answers:
        assert answer.status_code == 202, answer.text
        assert answer.json()["applied"] is True
        assert len(answer.json()["event_ids"]) == 1
    assert [(r["contract_id"], r["unit_id"]) for r in rows] == [("K1", "U1")]


def test_every_broken_rule_of_every_item_is_listed_in_one_422(
    settings: Settings,
) -> None:
    bad_date = shipped("C1", "K1", "U1", "2026-02-30")
    bad_quantity = shipped("C1", "K1", "U2", "2026-02-01")
    bad_quantity["payload"]["quantity"] = 0
    both = contract("C1", "K1", amount="-1")
    both["payload"]["region"] = ""
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        response = client.post("/v1/events", json=[bad_date, bad_quantity, both])
    assert response.status_code == 422, response.text
    named = sorted((d["item"], d["field"]) for d in response.json()["detail"])
    assert named == [
        (0, "payload.ship_date"),
        (1, "payload.quantity"),
        (2, "payload.amount"),
        (2, "payload.region"),
    ]
    assert all(d["rule"] for d in response.json()["detail"])


def test_the_ledger_by_contract_and_the_retail_orders_by_customer_and_store(
    settings: Settings,
) -> None:
    facts = [
        contract("C1", "K1"),
        contract("C1", "K2"),
        shipped("C1", "K1", "U1", "2026-02-01"),
        shipped("C1", "K2", "U2", "2026-02-02"),
        delivered("C4", "O1", "2026-11-18", store="S1"),
        delivered("C4", "O2", "2026-11-19", store="S2"),
        delivered("C5", "O3", "2026-11-19", store="S1"),
    ]
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        posted = client.post("/v1/events?wait=true", json=facts)
        assert posted.status_code == 202, posted.text
        k2 = items(client.get("/v1/ledger", params={"contract_id": "K2"}).json())
        c4 = items(client.get("/v1/orders", params={"customer_id": "C4"}).json())
        s1 = items(client.get("/v1/orders", params={"store_id": "S1"}).json())
        first = client.get("/v1/orders", params={"limit": 2}).json()
        rest = client.get(
            "/v1/orders", params={"limit": 2, "cursor": first["next"]}
        ).json()
    assert [(r["contract_id"], r["unit_id"]) for r in k2] == [("K2", "U2")]
    assert sorted(o["order_id"] for o in c4) == ["O1", "O2"]
    assert sorted(o["order_id"] for o in s1) == ["O1", "O3"]
    assert [o["order_id"] for o in first["items"]] == ["O1", "O2"]
    assert first["next"] == "O2"
    assert [o["order_id"] for o in rest["items"]] == ["O3"]
    assert rest["next"] is None


def test_the_producer_appends_with_acks_all_and_idempotence(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        config = runtime.producer.config()
    assert config["acks"] in ("all", -1)
    assert config["enable_idempotence"] is True


def test_health_and_interactive_docs_answer(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        health = client.get("/healthz")
        docs = client.get("/docs")
        schema = client.get("/openapi.json")
    assert health.status_code == 200
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert "/v1/events" in schema.json()["paths"]
