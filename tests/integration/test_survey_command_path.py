"""The survey's commands on their one path: decided against the store in one
transaction with their events' outbox rows, made safe to retry by an
Idempotency-Key, and numbered from counters that no rebuild resets."""

import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import SURVEY
from schemas.survey import ComplaintRaised, VisitAttemptFailed, VisitCompleted
from schemas.types import VisitKind
from services.kit.db import drop_schema
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.service import SERVICE
from tests.support.auth import headers
from tests.support.processes import eventually
from tests.support.survey import (
    end_offset,
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

TRIAL = VisitKind.TRIAL_RUN
# One dissatisfied rating: each record raises one complaint.
UNHAPPY = {"product_quality": "dissatisfied"}


def record_until_accepted(client: TestClient, visit_id: str) -> str:
    """Record a visit as a client would while the service rebuilds: retry a 503
    (after its Retry-After, shortened) and a 404 (plan not replayed yet)."""
    deadline = time.monotonic() + 90
    key = {"Idempotency-Key": f"record-{visit_id}"}
    while True:
        response = client.post(
            "/v1/visit-records",
            json=record_body(visit_id, TRIAL, **UNHAPPY),
            headers=key,
        )
        if response.status_code == 201:
            record_no: str = response.json()["record_no"]
            return record_no
        assert response.status_code in (404, 503), response.text
        if response.status_code == 503:
            assert "Retry-After" in response.headers
        assert time.monotonic() < deadline, response.text
        time.sleep(0.05)


def test_a_rebuild_during_traffic_never_reuses_a_record_number(
    settings: Settings,
) -> None:
    # One event per transaction: the rebuild replays the log slowly, so
    # records are taken while it is still under way.
    slow = settings.model_copy(update={"batch_size": 1})
    with TestClient(
        create_app(SERVICE, slow), headers=headers(slow), raise_server_exceptions=False
    ) as client:
        produce(settings, [visit_planned("C1", f"V{i}", TRIAL) for i in range(1, 5)])
        for i in range(1, 5):
            wait_for_visit(client, f"V{i}")
        before = [record_until_accepted(client, f"V{i}") for i in (1, 2, 3)]
        drop_schema(settings.database_url, settings.schema_for("survey"))
        # Traffic goes on: the scheduler plans another visit (which also
        # makes the running consumer find its views gone and rebuild them).
        produce(settings, [visit_planned("C2", "V5", TRIAL)])
        after = [record_until_accepted(client, v) for v in ("V4", "V5")]

        def rebuilt() -> list[str] | None:
            page = client.get("/v1/visit-records", params={"limit": 10})
            if page.status_code != 200:
                return None
            found = [r["record_no"] for r in page.json()["items"]]
            return found if len(found) == 5 else None

        in_read_model = eventually(rebuilt, timeout_s=60)
    assert before == ["HF-2026-11-0001", "HF-2026-11-0002", "HF-2026-11-0003"]
    assert after == ["HF-2026-11-0004", "HF-2026-11-0005"]
    assert in_read_model == before + after
    on_log = events_on(settings, SURVEY)
    completed = {
        e.event_id: e.payload.record_no for e in on_log if isinstance(e, VisitCompleted)
    }
    assert sorted(completed.values()) == before + after  # distinct numbers
    complaints = {e.event_id for e in on_log if isinstance(e, ComplaintRaised)}
    assert len(complaints) == 5  # no complaint id taken twice


def test_a_record_retried_with_its_key_appends_nothing(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        produce(settings, [visit_planned("C1", "V1", TRIAL)])
        wait_for_visit(client, "V1")
        key = {"Idempotency-Key": "V1-record"}
        body = record_body("V1", TRIAL, **UNHAPPY)
        first = client.post("/v1/visit-records", json=body, headers=key)
        assert first.status_code == 201, first.text

        def applied() -> Any:
            page = client.get("/v1/visit-records", params={"visit_id": "V1"}).json()
            return page["items"] and page["items"][0]["complaints"]

        eventually(applied)
        on_log = end_offset(settings, SURVEY)
        retried = client.post("/v1/visit-records", json=body, headers=key)
        retried_waiting = client.post(
            "/v1/visit-records?wait=true", json=body, headers=key
        )
        other_body = client.post(
            "/v1/visit-records", json=body | {"visitor": "Qian Li"}, headers=key
        )
        time.sleep(0.5)  # what a wrongly appended event would need to land
        page = client.get("/v1/visit-records", params={"visit_id": "V1"}).json()
        after = end_offset(settings, SURVEY)
    assert on_log == 2  # the record and its complaint
    assert retried.status_code == 201
    assert retried.json() == first.json()
    assert retried_waiting.status_code == 201
    assert retried_waiting.json()["record_no"] == first.json()["record_no"]
    assert other_body.status_code == 422
    assert other_body.json()["detail"][0]["field"] == "Idempotency-Key"
    assert after == on_log
    assert len(page["items"]) == 1
    assert len(page["items"][0]["complaints"]) == 1


def test_a_failed_attempt_retried_with_its_key_is_counted_once(
    settings: Settings,
) -> None:
    def attempt(on: str, reason: str = "no_answer") -> dict[str, Any]:
        return {"attempted_on": on, "visitor": "Zhao Min", "reason": reason}

    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        produce(settings, [visit_planned("C1", "V1", TRIAL)])
        wait_for_visit(client, "V1")

        def post(body: dict[str, Any], key: str, visit: str = "V1") -> httpx.Response:
            response: httpx.Response = client.post(
                f"/v1/visits/{visit}/attempts",
                json=body,
                headers={"Idempotency-Key": key},
            )
            return response

        first = post(attempt("2026-11-16"), "a1")
        again = post(attempt("2026-11-16"), "a1")
        reused = post(attempt("2026-11-17"), "a1")
        unknown = post(attempt("2026-11-17"), "a-unknown", visit="V9")
        bad = post(attempt("2026-11-17", reason="busy"), "a-bad")
        second = post(attempt("2026-11-17"), "a2")
        second_again = post(attempt("2026-11-17"), "a2")
        third = post(attempt("2026-11-18", reason="wrong_number"), "a3")

        def counted() -> Any:
            history = client.get("/v1/visits/V1/attempts").json()
            return history if history["count"] >= 3 else None

        history = eventually(counted)
        time.sleep(0.5)  # what a wrongly appended event would need to land
        on_log = [
            e for e in events_on(settings, SURVEY) if isinstance(e, VisitAttemptFailed)
        ]
    assert [r.status_code for r in (first, again, second, second_again, third)] == [
        201
    ] * 5
    assert again.json() == first.json()
    assert second_again.json() == second.json()
    assert [r.json()["attempt_no"] for r in (first, second, third)] == [1, 2, 3]
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["field"] == "Idempotency-Key"
    assert unknown.status_code == 404
    assert bad.status_code == 422
    assert history["count"] == 3
    assert [a["attempt_no"] for a in history["attempts"]] == [1, 2, 3]
    assert sorted(e.payload.attempt_no for e in on_log) == [1, 2, 3]
    assert len({e.event_id for e in on_log}) == 3
