"""The ledger through HTTP on the real broker and database."""

import pytest
from fastapi.testclient import TestClient

from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE
from tests.support.auth import headers
from tests.support.factories import contract, installed, powered_on, shipped

pytestmark = pytest.mark.integration


def test_facts_in_any_order_build_one_ledger_row(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        batch = [
            powered_on("C1", "U1", "2026-03-10"),  # before its shipment
            shipped("C1", "K1", "U1", "2026-02-01"),
            installed("C1", "U1", "2026-03-01"),
            contract("C1", "K1"),
        ]
        response = client.post("/v1/events?wait=true", json=batch)
        assert response.status_code == 202, response.text
        assert response.json()["applied"] is True
        rows = client.get("/v1/ledger", params={"customer_id": "C1"}).json()["items"]
    assert len(rows) == 1
    row = rows[0]
    assert row["project_name"] == "Substation K1"
    assert row["ship_date"] == "2026-02-01"
    assert row["power_on_date"] == "2026-03-10"
    assert row["installed_date"] == "2026-03-01"
    assert row["power_contact"] == {"name": "Li Wei", "phone": "13800000001"}


def test_a_bad_item_rejects_the_whole_batch(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        good = shipped("C2", "K2", "U2", "2026-02-01")
        bad = shipped("C2", "K2", "U3", "2026-02-30")
        response = client.post("/v1/events", json=[good, bad])
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {
                "item": 1,
                "field": "payload.ship_date",
                "rule": "Input should be a valid date or datetime, day value is "
                "outside expected range",
            }
        ]
        ok = client.post("/v1/events?wait=true", json=[contract("C2", "K2")])
        assert ok.json()["applied"] is True
        rows = client.get("/v1/ledger", params={"customer_id": "C2"}).json()["items"]
    assert rows == []  # the good shipment of the rejected batch was not appended


def test_a_corrected_power_on_replaces_the_first(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        client.post(
            "/v1/events?wait=true",
            json=[
                shipped("C3", "K3", "U4", "2026-01-05"),
                powered_on("C3", "U4", "2026-02-01"),
            ],
        )
        client.post("/v1/events?wait=true", json=[powered_on("C3", "U4", "2026-02-15")])
        row = client.get("/v1/ledger", params={"customer_id": "C3"}).json()["items"][0]
    assert row["power_on_date"] == "2026-02-15"


def applied_total(metrics: str) -> float:
    """The ledger's applied-events counter (process-wide, so tests compare)."""
    for line in metrics.splitlines():
        if line.startswith('followup_events_applied_total{consumer="ledger"}'):
            return float(line.split()[-1])
    return 0.0


def test_ready_reports_broker_database_and_projection(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        before = applied_total(client.get("/metrics").text)
        client.post("/v1/events?wait=true", json=[contract("C9", "K9")])
        body = client.get("/readyz").json()
        after = applied_total(client.get("/metrics").text)
    assert body["ready"] is True
    assert (body["database"], body["broker"], body["projection"]) == (
        "ok",
        "ok",
        "running",
    )
    assert body["consumer_lag"] == 0
    assert after - before == 1


def test_within_one_batch_the_later_correction_wins(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        client.post(
            "/v1/events?wait=true",
            json=[
                powered_on("C4", "U5", "2026-02-01"),
                shipped("C4", "K4", "U5", "2026-01-05"),
                powered_on("C4", "U5", "2026-02-20"),
                installed("C4", "U5", "2026-01-20"),
            ],
        )
        row = client.get("/v1/ledger", params={"customer_id": "C4"}).json()["items"][0]
    assert (row["ship_date"], row["installed_date"], row["power_on_date"]) == (
        "2026-01-05",
        "2026-01-20",
        "2026-02-20",
    )


def test_an_empty_batch_is_refused_naming_the_body(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        response = client.post("/v1/events", json=[])
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "(body)", "rule": "no events"}]}
