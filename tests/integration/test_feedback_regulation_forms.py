"""Issue 16: every information feedback form a record raises (complaint,
service request, problem report, suggestion) is routed by its kind, carries
its form and items, lists by `form=`, and has the complaints' lifecycle; a
CAPA opened from a report review names the review.

The survey's part (forms on the survey topic) is played by the tests.
"""

import pytest
from fastapi.testclient import TestClient

from schemas.survey import ComplaintRaised, ComplaintRaisedPayload
from schemas.types import ComplaintSubject, FeedbackForm
from services.feedback.service import SERVICE
from services.kit.service import create_app
from services.kit.settings import Settings
from tests.support.auth import headers
from tests.support.processes import eventually
from tests.support.survey import produce

pytestmark = pytest.mark.integration


def form(
    complaint_id: str,
    kind: FeedbackForm,
    subject: ComplaintSubject,
    items: list[str] | None = None,
) -> ComplaintRaised:
    return ComplaintRaised(
        source="test-survey",
        actor="Zhao Min",
        payload=ComplaintRaisedPayload(
            customer_id="C1",
            complaint_id=complaint_id,
            visit_id=f"V-{complaint_id}",
            record_no=complaint_id[:15],
            subject=subject,
            description="需要停电检修",
            raised_on="2026-11-02",
            form=kind,
            items=items or [],
        ),
    )


def test_each_form_is_routed_by_its_kind_listed_by_form_and_verified_alike(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        produce(
            settings,
            [
                form(
                    "HF-2026-11-0001-1",
                    FeedbackForm.SERVICE_REQUEST,
                    ComplaintSubject.SERVICE_QUALITY,
                    ["interlocks", "busbar_joints"],
                ),
                form(
                    "HF-2026-11-0001-2",
                    FeedbackForm.PROBLEM_REPORT,
                    ComplaintSubject.PRODUCT_QUALITY,
                ),
                form(
                    "HF-2026-11-0001-3",
                    FeedbackForm.SUGGESTION,
                    ComplaintSubject.SUGGESTION,
                ),
                form(
                    "HF-2026-11-0001-4",
                    FeedbackForm.COMPLAINT,
                    ComplaintSubject.SERVICE_QUALITY,
                ),
            ],
        )
        eventually(lambda: len(client.get("/v1/tickets").json()["items"]) == 4)
        by_id = {t["ticket_id"]: t for t in client.get("/v1/tickets").json()["items"]}
        request = by_id["FB-2026-11-0001-1"]
        assert (request["form"], request["department"], request["informed"]) == (
            "service_request",
            "after_sales",
            [],
        )
        assert request["items"] == ["interlocks", "busbar_joints"]
        problem = by_id["FB-2026-11-0001-2"]
        assert (problem["form"], problem["department"], problem["informed"]) == (
            "problem_report",
            "production",
            ["technical"],
        )
        assert by_id["FB-2026-11-0001-3"]["form"] == "suggestion"
        assert by_id["FB-2026-11-0001-3"]["department"] == "quality"
        assert by_id["FB-2026-11-0001-4"]["form"] == "complaint"

        listed = client.get("/v1/tickets", params={"form": "service_request"}).json()
        assert [t["ticket_id"] for t in listed["items"]] == ["FB-2026-11-0001-1"]
        assert client.get("/v1/tickets", params={"form": "nope"}).status_code == 422

        # the same lifecycle: assign and resolve a service request
        tid = "FB-2026-11-0001-1"
        assigned = client.post(
            f"/v1/tickets/{tid}/assign",
            json={"assignee": "li.gong", "assigned_on": "2026-11-02"},
            params={"wait": "true"},
        )
        assert assigned.status_code == 200, assigned.text
        resolved = client.post(
            f"/v1/tickets/{tid}/resolve",
            json={"resolution": "已检修", "resolved_on": "2026-11-03"},
            params={"wait": "true"},
        )
        assert resolved.status_code == 200, resolved.text
        eventually(
            lambda: client.get(f"/v1/tickets/{tid}").json()["status"] == "resolved"
        )


def test_a_capa_opened_from_a_report_review_names_it(settings: Settings) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        eventually(lambda: client.get("/readyz").status_code == 200)
        opened = client.post(
            "/v1/capas",
            json={
                "source": {"period": "2026-11", "review_id": "RV-2026-11-A1"},
                "subject": "service_quality",
                "action": "培训售后人员",
                "due": "2026-12-31",
                "opened_on": "2026-11-26",
            },
            params={"wait": "true"},
        )
        assert opened.status_code == 201, opened.text
        capa_id = opened.json()["id"]
        eventually(
            lambda: (
                len(
                    client.get(
                        "/v1/capas", params={"review_id": "RV-2026-11-A1"}
                    ).json()["items"]
                )
                == 1
            )
        )
        [capa] = client.get("/v1/capas", params={"review_id": "RV-2026-11-A1"}).json()[
            "items"
        ]
        assert capa["review_id"] == "RV-2026-11-A1"
        assert capa["capa_id"] == capa_id
