"""Issue 16 through the survey's HTTP API on the real broker and database:
a record's satisfaction by the rule (retail and industrial), the forms a
record raises on the log, opportunities on site, unplanned service visits.

The scheduler's part (planning visits on the schedule topic) is played by the
tests, which produce `visit_planned` events themselves.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import SURVEY
from schemas.survey import ComplaintRaised, VisitCompleted
from schemas.types import VisitKind
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.service import SERVICE
from tests.support.auth import headers
from tests.support.processes import eventually
from tests.support.survey import (
    answers,
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

RETAIL = VisitKind.RETAIL_FOLLOWUP
W6 = VisitKind.WARRANTY_6M


def plan(client: TestClient, settings: Settings, *visits: Any) -> None:
    produce(settings, visits)
    for v in visits:
        wait_for_visit(client, v.payload.visit_id)


def record_with_forms(client: TestClient, record_no: str, count: int) -> Any:
    def seen() -> Any:
        found = client.get(f"/v1/visit-records/{record_no}")
        if found.status_code != 200:
            return None
        record = found.json()
        return record if len(record["complaints"]) == count else None

    return eventually(seen)


def test_the_records_satisfaction_is_the_worst_of_its_ratings(
    settings: Settings,
) -> None:
    """Bugs 1 and 2: a retail record with two neutral answers was published
    with no service quality; a dissatisfied rating of the after-sales staff
    kept a satisfied overall service quality."""
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(
            client,
            settings,
            visit_planned("C1", "R1", RETAIL, order_id="O1", store_id="S1"),
            visit_planned("C2", "W1", W6, unit_id="U2"),
        )
        shop = client.post(
            "/v1/visit-records?wait=true",
            json=record_body(
                "R1",
                RETAIL,
                answers=answers(
                    RETAIL, shopping_environment="neutral", designer_attitude="neutral"
                ),
            ),
        )
        plant = client.post(
            "/v1/visit-records?wait=true",
            json=record_body(
                "W1",
                W6,
                answers=answers(W6, service_attitude="dissatisfied"),
                product_quality="satisfied",
                service_quality="satisfied",
            ),
        )
        assert shop.status_code == 201, shop.text
        assert plant.status_code == 201, plant.text
        retail_record = client.get(f"/v1/visit-records/{shop.json()['record_no']}")
        plant_record = record_with_forms(client, plant.json()["record_no"], 1)

    published = {
        e.payload.visit_id: e.payload
        for e in events_on(settings, SURVEY)
        if isinstance(e, VisitCompleted)
    }
    assert published["R1"].service_quality == "neutral"  # bug 1: was None
    assert published["W1"].service_quality == "dissatisfied"  # bug 2: satisfied
    assert published["W1"].overall_service_quality == "satisfied"
    assert (shop.json()["product_quality"], shop.json()["service_quality"]) == (
        None,
        "neutral",
    )
    assert retail_record.json()["service_quality"] == "neutral"
    assert retail_record.json()["product_quality"] is None
    assert (plant_record["product_quality"], plant_record["service_quality"]) == (
        "satisfied",
        "dissatisfied",
    )
    assert plant_record["overall_service_quality"] == "satisfied"
    assert [(c["form"], c["subject"]) for c in plant_record["complaints"]] == [
        ("complaint", "service_quality")
    ]


def test_suggestions_are_suggestion_forms_and_defects_problem_reports(
    settings: Settings,
) -> None:
    """Bug 4: suggestions were raised (and counted) as complaints; a record
    reporting a defect with nothing dissatisfied raised nothing (6.2.6)."""
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(client, settings, visit_planned("C7", "W7", W6, unit_id="U7"))
        created = client.post(
            "/v1/visit-records?wait=true",
            json=record_body(
                "W7",
                W6,
                answers=answers(W6, running_normally=False),
                suggestions="希望提供操作培训",
            ),
        )
        assert created.status_code == 201, created.text
    raised = sorted(
        (e.payload.complaint_id, e.payload.form.value, e.payload.subject.value)
        for e in events_on(settings, SURVEY)
        if isinstance(e, ComplaintRaised)
    )
    record_no = created.json()["record_no"]
    assert raised == [
        (f"{record_no}-1", "problem_report", "product_quality"),
        (f"{record_no}-2", "suggestion", "suggestion"),
    ]


def test_a_record_raises_problem_reports_service_requests_and_suggestions(
    settings: Settings,
) -> None:
    """Bug 4 (suggestions counted as complaints) and 6.2.6: a defect reported
    and a service wanted are forms of their own, with nothing dissatisfied."""
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(client, settings, visit_planned("C3", "W3", W6, unit_id="U3"))
        created = client.post(
            "/v1/visit-records?wait=true",
            json=record_body(
                "W3",
                W6,
                answers=answers(
                    W6,
                    running_normally=False,
                    outage_maintenance_needed=True,
                    outage_items="working_state,breaker_dust",
                ),
                suggestions="希望提供操作培训",
            ),
        )
        assert created.status_code == 201, created.text
        record_no = created.json()["record_no"]
        record = record_with_forms(client, record_no, 3)

    expected = [
        (f"{record_no}-1", "problem_report", "product_quality", []),
        (
            f"{record_no}-2",
            "service_request",
            "service_quality",
            ["working_state", "breaker_dust"],
        ),
        (f"{record_no}-3", "suggestion", "suggestion", []),
    ]
    forms = [
        (c["complaint_id"], c["form"], c["subject"], c["items"])
        for c in created.json()["complaints"]
    ]
    assert forms == expected
    assert [
        (c["complaint_id"], c["form"], c["subject"], c["items"])
        for c in record["complaints"]
    ] == expected
    assert record["complaints"][0]["description"] == "使用中的问题:设备运行不正常"
    on_log = sorted(
        (e.payload.complaint_id, e.payload.form.value, e.payload.items)
        for e in events_on(settings, SURVEY)
        if isinstance(e, ComplaintRaised)
    )
    assert on_log == [(cid, form, items) for cid, form, _, items in expected]


def test_opportunities_are_noted_on_site_and_refused_on_the_phone(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(client, settings, visit_planned("C4", "W4", W6, unit_id="U4"))
        by_phone = client.post(
            "/v1/visit-records",
            json=record_body("W4", W6, opportunities="二期扩建"),
        )
        on_site = client.post(
            "/v1/visit-records?wait=true",
            json=record_body("W4", W6, channel="on_site", opportunities="二期扩建"),
        )
        assert on_site.status_code == 201, on_site.text
        record = client.get(f"/v1/visit-records/{on_site.json()['record_no']}")

    assert by_phone.status_code == 422
    assert by_phone.json()["detail"] == [
        {
            "field": "opportunities",
            "rule": "on_site_only",
            "message": "opportunities is noted on on-site visits only",
        }
    ]
    assert record.json()["opportunities"] == "二期扩建"
    assert record.json()["channel"] == "on_site"


def test_an_unplanned_service_visit_is_recorded_and_numbered_like_any_record(
    settings: Settings,
) -> None:
    """6.2.7: a department head's visit, on no schedule, about a unit."""
    body = {
        "customer_id": "C5",
        "unit_id": "U5",
        "visited_on": "2026-11-20",
        "visitor": "Wang Jun",
        "product_quality": "satisfied",
        "service_quality": "neutral",
        "needs": "增加备品备件",
        "opportunities": "新建二号变电站",
    }
    key = {"Idempotency-Key": "service-visit-U5-1"}
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(
            client,
            settings,
            visit_planned(
                "C5", "P5", W6, unit_id="U5", region="east", product_model="KYN28"
            ),
        )
        first = client.post("/v1/service-visits?wait=true", json=body, headers=key)
        again = client.post("/v1/service-visits?wait=true", json=body, headers=key)
        other = client.post(
            "/v1/service-visits", json=body | {"customer_id": "C6"}, headers={}
        )
        unknown_question = client.post(
            "/v1/service-visits", json=body | {"answers": {"colour": "red"}}
        )
        assert first.status_code == 201, first.text
        created = first.json()
        record = record_with_forms(client, created["record_no"], 1)
        visit = client.get(f"/v1/visits/{created['visit_id']}").json()

    assert created["record_no"] == "HF-2026-11-0001"
    assert created["visit_id"] == "SV:HF-2026-11-0001"
    assert again.json()["record_no"] == created["record_no"]
    assert (record["kind"], record["customer_id"], record["unit_id"]) == (
        "service_visit",
        "C5",
        "U5",
    )
    assert (record["region"], record["product_model"]) == ("east", "KYN28")
    assert record["channel"] == "on_site"
    assert record["opportunities"] == "新建二号变电站"
    assert [c["form"] for c in record["complaints"]] == ["suggestion"]
    assert (visit["status"], visit["kind"]) == ("done", "service_visit")
    assert other.status_code == 422
    assert other.json()["detail"][0]["field"] == "unit_id"
    assert unknown_question.status_code == 422
    assert unknown_question.json()["detail"][0]["field"] == "answers.colour"
    kinds = [
        e.payload.kind
        for e in events_on(settings, SURVEY)
        if isinstance(e, VisitCompleted)
    ]
    assert kinds == [VisitKind.SERVICE_VISIT]
