"""The survey through HTTP on the real broker and database.

The scheduler's part (planning visits on the schedule topic) is played by the
tests, which produce `visit_planned` events themselves.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import SURVEY
from schemas.schedule import VisitCancelled, VisitCancelledPayload
from schemas.survey import ComplaintRaised, VisitCompleted
from schemas.types import VisitKind
from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE as LEDGER
from services.survey.service import SERVICE
from tests.support.auth import headers
from tests.support.factories import shipped
from tests.support.processes import eventually
from tests.support.survey import (
    answers,
    end_offset,
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

TRIAL = VisitKind.TRIAL_RUN


def plan(client: TestClient, settings: Settings, *visits: Any) -> None:
    """Put visits on the schedule topic and wait until the survey saw them."""
    produce(settings, visits)
    for v in visits:
        wait_for_visit(client, v.payload.visit_id)


def test_the_questionnaire_of_a_kind_in_chinese_by_default_or_in_english(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        zh = client.get("/v1/questionnaires/trial_run").json()
        en = client.get("/v1/questionnaires/trial_run", params={"lang": "en"}).json()
        every = client.get("/v1/questionnaires").json()
        unknown = client.get("/v1/questionnaires/annual")
        bad_lang = client.get("/v1/questionnaires/trial_run", params={"lang": "fr"})
    assert (zh["lang"], zh["title"]) == ("zh", "试运行期内回访")
    assert en["title"] == "Visit during the trial run"
    assert [q["id"] for q in zh["questions"]] == [
        "running_normally",
        "quality_problems",
        "abnormal_sound",
        "abnormal_smell",
        "training_needed",
        "product_quality",
        "service_quality",
        "suggestions",
        "needs",
        "opportunities",
    ]
    assert zh["questions"][3]["label"] == "设备有没有异常气味,特别是臭氧味?"
    assert [o["label"] for o in zh["rating_scale"]] == ["满意", "一般", "不满意"]
    assert {q["kind"] for q in every} == set(VisitKind)
    assert unknown.status_code == 404
    assert "annual" in unknown.json()["detail"]
    assert bad_lang.status_code == 422


def test_a_record_closes_its_visit_and_raises_one_complaint_per_subject(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(
            client,
            settings,
            visit_planned(
                "C1", "V1", TRIAL, unit_id="U1", region="east", product_model="KYN28"
            ),
        )
        created = client.post(
            "/v1/visit-records?wait=true",
            json=record_body(
                "V1",
                TRIAL,
                product_quality="dissatisfied",
                suggestions="换个型号",
                unresolved_by_phone=True,
            ),
        )
        assert created.status_code == 201, created.text
        body = created.json()
        visit = client.get("/v1/visits/V1").json()

        def with_complaints() -> dict[str, Any] | None:
            record = client.get(f"/v1/visit-records/{body['record_no']}").json()
            return record if len(record["complaints"]) == 2 else None

        record = eventually(with_complaints)
    assert body["record_no"] == "HF-2026-11-0001"
    assert body["applied"] is True
    assert body["score"] == 90  # one dissatisfied rating
    assert [c["subject"] for c in body["complaints"]] == [
        "product_quality",
        "suggestion",
    ]
    assert body["complaints"][0]["description"] == (
        "顾客不满意:总体来说,您对我们的产品质量是否满意?"
    )
    assert body["complaints"][0]["customer_suggestion"] == "换个型号"
    assert (visit["status"], visit["record_no"]) == ("done", "HF-2026-11-0001")
    assert record["complaints"] == body["complaints"]
    assert (record["unit_id"], record["region"], record["product_model"]) == (
        "U1",
        "east",
        "KYN28",
    )
    assert record["unresolved_by_phone"] is True

    on_log = events_on(settings, SURVEY)
    assert sorted(e.type for e in on_log) == [
        "complaint_raised",
        "complaint_raised",
        "visit_completed",
    ]
    assert [str(e.event_id) for e in on_log if isinstance(e, VisitCompleted)] == [
        body["event_ids"][0]
    ]
    complaints = [e for e in on_log if isinstance(e, ComplaintRaised)]
    assert sorted(str(e.event_id) for e in complaints) == sorted(body["event_ids"][1:])
    assert all(e.causation_id == on_log_id(on_log) for e in complaints)
    assert {e.payload.unit_id for e in complaints} == {"U1"}


def on_log_id(events: list[Any]) -> Any:
    return next(e.event_id for e in events if isinstance(e, VisitCompleted))


def test_the_record_number_appears_in_the_ledger_row_of_the_unit(
    settings: Settings,
) -> None:
    with (
        TestClient(create_app(LEDGER, settings), headers=headers(settings)) as ledger,
        TestClient(create_app(SERVICE, settings), headers=headers(settings)) as survey,
    ):
        ledger.post(
            "/v1/events?wait=true", json=[shipped("C1", "K1", "U1", "2026-09-20")]
        )
        plan(survey, settings, visit_planned("C1", "V1", TRIAL, unit_id="U1"))
        created = survey.post("/v1/visit-records", json=record_body("V1", TRIAL))
        assert created.status_code == 201, created.text

        def numbers() -> Any:
            rows = ledger.get("/v1/ledger", params={"customer_id": "C1"}).json()
            return rows["items"][0]["record_numbers"]

        assert eventually(numbers) == [created.json()["record_no"]]


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (
            {"answers": answers(TRIAL, abnormal_smell=None)},
            "answers.abnormal_smell",
            "required",
        ),
        (
            {"answers": answers(TRIAL, colour="red")},
            "answers.colour",
            "unknown_question",
        ),
        (
            {"answers": answers(TRIAL, abnormal_sound="maybe")},
            "answers.abnormal_sound",
            "wrong_type",
        ),
        ({"service_quality": None}, "service_quality", "required"),
        ({"needs": 3}, "needs", "Input should be a valid string"),
    ],
)
def test_answers_not_of_the_kind_are_refused_by_name_and_nothing_is_appended(
    settings: Settings, change: dict[str, Any], field: str, rule: str
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(client, settings, visit_planned("C1", "V1", TRIAL))
        before = end_offset(settings, SURVEY)
        refused = client.post(
            "/v1/visit-records", json=record_body("V1", TRIAL) | change
        )
        after = end_offset(settings, SURVEY)
        visit = client.get("/v1/visits/V1").json()
        retried = client.post("/v1/visit-records", json=record_body("V1", TRIAL))
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    named = [(d["field"], d["rule"]) for d in detail]
    assert (field, rule) in named
    assert after == before
    assert visit["status"] == "open"
    # The refused record took no number.
    assert retried.json()["record_no"] == "HF-2026-11-0001"


def test_a_wrong_rating_value_is_refused_naming_the_question(
    settings: Settings,
) -> None:
    kind = VisitKind.PRE_POWER_ON
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(client, settings, visit_planned("C1", "V1", kind))
        before = end_offset(settings, SURVEY)
        in_answers = client.post(
            "/v1/visit-records",
            json=record_body("V1", kind, answers=answers(kind, staff_attitude="great")),
        )
        in_record = client.post(
            "/v1/visit-records",
            json=record_body("V1", kind, product_quality="great"),
        )
        after = end_offset(settings, SURVEY)
    assert in_answers.status_code == 422
    assert in_answers.json()["detail"] == [
        {
            "field": "answers.staff_attitude",
            "rule": "invalid_rating",
            "message": "staff_attitude must be one of satisfied, neutral, dissatisfied",
        }
    ]
    assert in_record.status_code == 422
    assert in_record.json()["detail"][0]["field"] == "product_quality"
    assert after == before


def test_a_visit_unknown_done_or_cancelled_takes_no_record(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(
            client,
            settings,
            visit_planned("C1", "V1", TRIAL),
            visit_planned("C1", "V2", TRIAL),
        )
        produce(
            settings,
            [
                VisitCancelled(
                    source="test-scheduler",
                    actor="scheduler",
                    payload=VisitCancelledPayload(
                        customer_id="C1", visit_id="V2", reason="unit returned"
                    ),
                )
            ],
        )
        eventually(lambda: client.get("/v1/visits/V2").json()["status"] == "cancelled")
        first = client.post(
            "/v1/visit-records?wait=true", json=record_body("V1", TRIAL)
        )
        before = end_offset(settings, SURVEY)
        unknown = client.post("/v1/visit-records", json=record_body("V9", TRIAL))
        again = client.post("/v1/visit-records", json=record_body("V1", TRIAL))
        cancelled = client.post("/v1/visit-records", json=record_body("V2", TRIAL))
        attempt = client.post(
            "/v1/visits/V1/attempts",
            json={
                "attempted_on": "2026-11-21",
                "visitor": "Zhao",
                "reason": "no_answer",
            },
        )
        after = end_offset(settings, SURVEY)
    assert first.status_code == 201
    assert unknown.status_code == 404
    assert "V9" in unknown.json()["detail"]
    assert again.status_code == 409
    assert "done" in again.json()["detail"]
    assert cancelled.status_code == 409
    assert "cancelled" in cancelled.json()["detail"]
    assert attempt.status_code == 409
    assert after == before


def test_failed_attempts_are_numbered_and_counted_by_reason(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(client, settings, visit_planned("C1", "V1", TRIAL))
        made = [
            client.post(
                "/v1/visits/V1/attempts?wait=true",
                json={
                    "attempted_on": on,
                    "visitor": "Zhao Min",
                    "reason": reason,
                    "note": note,
                },
            )
            for on, reason, note in [
                ("2026-11-16", "no_answer", ""),
                ("2026-11-17", "wrong_number", "空号"),
                ("2026-11-18", "no_answer", "关机"),
            ]
        ]
        history = client.get("/v1/visits/V1/attempts").json()
        month = client.get("/v1/attempts", params={"month": "2026-11"}).json()
        other_month = client.get("/v1/attempts", params={"month": "2026-12"}).json()
        visit = client.get("/v1/visits/V1").json()
        unknown = client.post(
            "/v1/visits/V9/attempts",
            json={"attempted_on": "2026-11-16", "visitor": "Zhao", "reason": "refused"},
        )
        bad_reason = client.post(
            "/v1/visits/V1/attempts",
            json={"attempted_on": "2026-11-16", "visitor": "Zhao", "reason": "busy"},
        )
    assert [m.status_code for m in made] == [201, 201, 201]
    assert [m.json()["attempt_no"] for m in made] == [1, 2, 3]
    assert history["count"] == 3
    assert history["by_reason"] == {
        "no_answer": 2,
        "wrong_number": 1,
        "refused": 0,
        "contact_left": 0,
        "other": 0,
    }
    assert [a["note"] for a in history["attempts"]] == ["", "空号", "关机"]
    assert history["status"] == "open"  # a failed attempt leaves the visit open
    assert month["count"] == 3
    assert other_month["count"] == 0
    assert visit["attempts"] == 3
    assert unknown.status_code == 404
    assert bad_reason.status_code == 422
    events = [
        e for e in events_on(settings, SURVEY) if e.type == "visit_attempt_failed"
    ]
    assert sorted(e.payload.attempt_no for e in events) == [1, 2, 3]


def test_a_retail_record_is_scored_by_the_script(settings: Settings) -> None:
    kind = VisitKind.RETAIL_FOLLOWUP
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(
            client,
            settings,
            visit_planned("C7", "V7", kind, order_id="O7", store_id="S1"),
        )
        body = record_body(
            "V7",
            kind,
            answers=answers(
                kind,
                designer_attitude="dissatisfied",
                shopping_environment="dissatisfied",
            ),
        )
        created = client.post("/v1/visit-records", json=body)
        with_rating = client.post(
            "/v1/visit-records", json=body | {"product_quality": "satisfied"}
        )
    assert created.status_code == 201, created.text
    assert created.json()["score"] == 80  # two dissatisfied answers
    assert [c["subject"] for c in created.json()["complaints"]] == ["service_quality"]
    assert with_rating.status_code == 409  # the visit is claimed already


def test_records_are_listed_by_customer_month_and_kind(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        plan(
            client,
            settings,
            visit_planned("C1", "V1", TRIAL),
            visit_planned("C1", "V2", VisitKind.WARRANTY_6M),
            visit_planned("C2", "V3", TRIAL),
        )
        for visit_id, kind, on in [
            ("V1", TRIAL, "2026-11-20"),
            ("V2", VisitKind.WARRANTY_6M, "2026-10-02"),
            ("V3", TRIAL, "2026-11-21"),
        ]:
            created = client.post(
                "/v1/visit-records?wait=true",
                json=record_body(visit_id, kind, visited_on=on),
            )
            assert created.status_code == 201, created.text

        def numbers(**params: Any) -> list[str]:
            page = client.get("/v1/visit-records", params=params).json()
            return [r["record_no"] for r in page["items"]]

        by_customer = numbers(customer_id="C1")
        by_month = numbers(month="2026-11")
        by_kind = numbers(kind="warranty_6m")
        first_page = client.get("/v1/visit-records", params={"limit": 2}).json()
        second = numbers(limit=2, cursor=first_page["next"])
        missing = client.get("/v1/visit-records/HF-2026-11-0099")
    assert by_customer == ["HF-2026-10-0001", "HF-2026-11-0001"]
    assert by_month == ["HF-2026-11-0001", "HF-2026-11-0002"]
    assert by_kind == ["HF-2026-10-0001"]
    assert [r["record_no"] for r in first_page["items"]] == by_customer
    assert second == ["HF-2026-11-0002"]
    assert missing.status_code == 404
