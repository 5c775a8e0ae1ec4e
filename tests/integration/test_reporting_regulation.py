"""Issue 16 through the real reporting service: overdue by the period the
latest date passed (bug 3), missed (superseded) visits, retail records in the
service-quality tallies (bug 1), forms counted apart (bug 4), breakdowns by
company and customer tag, on-site opportunities, and the review command
(Idempotency-Key, `report_reviewed` on the `reporting` topic, listed in the
report with the CAPAs opened from it)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import REPORTING
from schemas.envelope import Event
from schemas.feedback import CapaOpened, TicketOpened
from schemas.ledger import ContractRegistered, Shipped
from schemas.schedule import VisitOverdue, VisitPlanned, VisitSuperseded
from schemas.survey import VisitCompleted
from services.kit.producer import EventProducer
from services.kit.service import create_app
from services.kit.settings import Settings
from services.reporting.service import SERVICE
from tests.integration.test_reporting import deliver, producer
from tests.support import auth
from tests.support.survey import events_on

pytestmark = pytest.mark.integration

ENVELOPE = {"source": "test", "actor": "tester"}


def event(cls: type[Event], **payload: Any) -> Event:
    return cls.model_validate({**ENVELOPE, "payload": payload})


def record(no: str, visit: str, kind: str, **extra: Any) -> Event:
    fields: dict[str, Any] = {
        "customer_id": "C1",
        "visit_id": visit,
        "kind": kind,
        "record_no": no,
        "visited_on": "2026-11-10",
        "visitor": "Zhang San",
        "channel": "phone",
        "score": 100,
    }
    return event(VisitCompleted, **(fields | extra))


def ticket(ticket_id: str, subject: str, department: str, form: str) -> Event:
    return event(
        TicketOpened, customer_id="C1", ticket_id=ticket_id,
        complaint_id=f"K-{ticket_id}", subject=subject, department=department,
        description="d", opened_on="2026-11-10", visit_id="V9",
        record_no="HF-2026-11-0009", form=form,
    )  # fmt: skip


def facts() -> list[Event]:
    return [
        event(
            ContractRegistered,
            customer_id="C1",
            customer_name="Customer C1",
            contract_id="K1",
            project_name="Substation K1",
            amount="1200000.00",
            region="east",
            power_contact={"name": "Li Wei", "phone": "13800000001"},
            substation_contact={"name": "Wang Fang", "phone": "13800000002"},
            company="Pinggao Switchgear",
            tags={"strength": "industry_leader"},
        ),
        event(
            Shipped,
            customer_id="C1",
            contract_id="K1",
            unit_id="U1",
            product_model="KYN28-12",
            quantity=4,
            ship_date="2026-01-05",
        ),
        # Latest date 11-10, announced overdue in December: November's.
        event(
            VisitPlanned,
            customer_id="C1",
            visit_id="V1",
            kind="trial_run",
            due_date="2026-10-11",
            latest_date="2026-11-10",
            channel="phone",
            policy_version="t",
            unit_id="U1",
        ),
        event(
            VisitOverdue,
            customer_id="C1",
            visit_id="V1",
            kind="trial_run",
            latest_date="2026-11-10",
            announced_on="2026-12-02",
        ),
        # Latest date 10-20 (October's), announced in November: not November's.
        event(
            VisitPlanned,
            customer_id="C1",
            visit_id="V2",
            kind="pre_power_on",
            due_date="2026-09-20",
            latest_date="2026-10-20",
            channel="phone",
            policy_version="t",
            unit_id="U1",
        ),
        event(
            VisitOverdue,
            customer_id="C1",
            visit_id="V2",
            kind="pre_power_on",
            latest_date="2026-10-20",
            announced_on="2026-11-03",
        ),
        event(
            VisitSuperseded,
            customer_id="C1",
            visit_id="V2",
            kind="pre_power_on",
            due_date="2026-09-20",
            latest_date="2026-10-20",
            superseded_on="2026-11-10",
            by_visit_id="V3",
            by_record_no="HF-2026-11-0001",
        ),
        record(
            "HF-2026-11-0001",
            "V3",
            "warranty_6m",
            unit_id="U1",
            channel="on_site",
            product_quality="satisfied",
            service_quality="satisfied",
            opportunities="二期扩建需要10面开关柜",
        ),
        # A retail record published without its derived service quality.
        record(
            "HF-2026-11-0002",
            "V4",
            "retail_followup",
            customer_id="R1",
            order_id="O1",
            score=100,
            answers={"r1": "satisfied", "r2": "neutral", "r3": "neutral"},
        ),
        ticket("T1", "service_quality", "after_sales", "complaint"),
        ticket("T2", "suggestion", "quality", "complaint"),  # a suggestion
        ticket("T3", "service_quality", "after_sales", "service_request"),
        ticket("T4", "product_quality", "production", "problem_report"),
    ]


def test_the_regulations_counts_and_the_review_of_a_report(
    settings: Settings, producer: EventProducer
) -> None:
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings))
        deliver(client, producer, facts())
        review = {
            "part": "product_quality",
            "company": "Pinggao Switchgear",
            "reviewer": "Li Wei",
            "reviewed_on": "2026-11-26",
            "capa_needed": True,
            "reason": "断路器试运行故障两起",
        }
        url = "/v1/reports/monthly/2026-11/reviews"
        key = {"Idempotency-Key": "review-1"}
        first = client.post(url, json=review, headers=key, params={"wait": "true"})
        assert first.status_code == 201, first.text
        assert first.json()["applied"] is True
        again = client.post(url, json=review, headers=key)
        assert again.json()["review_id"] == first.json()["review_id"]
        review_id = first.json()["review_id"]
        refused = client.post(url, json=review | {"company": None})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["field"] == "company"
        early = client.post(url, json=review | {"reviewed_on": "2026-11-20"})
        assert early.status_code == 422
        capa = event(
            CapaOpened, capa_id="CAPA-1", subject="product_quality",
            owner="producing_company", action="整改断路器装配",
            due_date="2026-12-31", opened_on="2026-11-27",
            source_period="2026-11", review_id=review_id,
        )  # fmt: skip
        deliver(client, producer, [capa])
        report = client.get("/v1/reports/monthly/2026-11").json()

    published = events_on(settings, REPORTING)
    assert [(e.type, e.payload.review_id) for e in published] == [  # type: ignore[union-attr]
        ("report_reviewed", review_id)
    ]

    assert report["visits"]["overdue"] == 1  # V1, not V2
    assert report["visits"]["missed"] == 1  # V2
    # the retail record counts: neutral service (worst of its ratings)
    assert report["by_kind"]["retail_followup"]["service_quality"]["neutral"] == 1
    assert report["service_quality"]["rated"] == 2
    assert report["complaints"]["opened"] == 1
    assert report["suggestion_forms"]["opened"] == 1
    assert report["service_requests"]["by_department"]["after_sales"]["opened"] == 1
    assert report["problem_reports"]["by_department"]["production"]["opened"] == 1
    assert report["by_company"]["Pinggao Switchgear"]["records"] == 1
    assert report["by_tag"]["strength"]["industry_leader"]["records"] == 1
    assert [(o["record_no"], o["text"]) for o in report["opportunities"]] == [
        ("HF-2026-11-0001", "二期扩建需要10面开关柜")
    ]
    [listed] = report["reviews"]
    assert listed["review_id"] == review_id
    assert (listed["part"], listed["company"], listed["capa_needed"]) == (
        "product_quality",
        "Pinggao Switchgear",
        True,
    )
    assert listed["capa_ids"] == ["CAPA-1"]


__all__ = ["producer"]  # the fixture, shared with test_reporting
