"""The dashboard's JSON (`/v1/dashboard/...`), one endpoint per widget, on
the November scenario of test_reporting.py, against hand-computed numbers;
and the page and ECharts are served from the service, no CDN."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.envelope import Event
from schemas.feedback import (
    CapaOpened,
    CapaVerified,
    TicketOpened,
    TicketOverdue,
    TicketResolved,
)
from services.kit.producer import EventProducer
from services.kit.service import create_app
from services.kit.settings import Settings
from services.reporting.api.dashboard import ECHARTS
from services.reporting.handlers import RESPONSES
from services.reporting.service import SERVICE
from tests.integration.test_reporting import deliver, event, november_events
from tests.support import auth

pytestmark = pytest.mark.integration

# Records of 2026-11 (10-26..11-25): product / service quality, score.
#   HF-2026-11-0001 V1 trial_run      east  KYN28-12   S N 90
#   HF-2026-10-0001 V2 warranty_6m    east  KYN61-40.5 D S 80
#   HF-2026-11-0002 V3 warranty_12m   north XGN15      S S 100
#   HF-2026-11-0003 V4 retail         south unknown    - D 80


def opened(ticket: str, subject: str, department: str, on: str) -> Event:
    return event(
        TicketOpened, customer_id=f"C-{ticket}", ticket_id=ticket,
        complaint_id=f"K-{ticket}", subject=subject, department=department,
        description="dissatisfied", opened_on=on, visit_id=f"V-{ticket}",
        record_no="HF-2026-11-0001",
    )  # fmt: skip


def resolved(ticket: str, department: str, on: str) -> Event:
    return event(
        TicketResolved, customer_id=f"C-{ticket}", ticket_id=ticket,
        department=department, resolution="fixed", resolved_on=on,
    )  # fmt: skip


def breach(
    ticket: str, kind: str, department: str, subject: str, *, deadline: str, on: str
) -> Event:
    return event(
        TicketOverdue, customer_id=f"C-{ticket}", ticket_id=ticket,
        department=department, subject=subject, breach=kind, deadline=deadline,
        announced_on=on,
    )  # fmt: skip


def capa(capa_id: str, owner: str, opened_on: str, due: str) -> Event:
    return event(
        CapaOpened, capa_id=capa_id, subject="service_quality", owner=owner,
        action="retrain", due_date=due, opened_on=opened_on,
    )  # fmt: skip


def sla_and_capa_events() -> list[Event]:
    """Complaints with SLA breaches and CAPAs past due, beside November's
    T1 (technical, resolved 11-05) and T2 (after-sales, resolved 11-06), no
    breach announced for either; CAPAs A1 (verified) and A2 (due 12-31)."""
    return [
        # T4: production, opened in October, both SLAs broken there (10-06,
        # 10-17), resolved in November: resolved, not within the SLA.
        opened("T4", "product_quality", "production", "2026-10-01"),
        breach("T4", "assignment", "production", "product_quality",
               deadline="2026-10-05", on="2026-10-06"),
        breach("T4", "resolution", "production", "product_quality",
               deadline="2026-10-16", on="2026-10-17"),
        resolved("T4", "production", "2026-11-03"),
        # T5: after-sales, assigned late (breach on 11-13, announced only in
        # December: it counts in November), resolved 11-20.
        opened("T5", "service_quality", "after_sales", "2026-11-10"),
        breach("T5", "assignment", "after_sales", "service_quality",
               deadline="2026-11-12", on="2026-11-30"),
        resolved("T5", "after_sales", "2026-11-20"),
        # T6: a suggestion form breached in November: not a complaint.
        opened("T6", "suggestion", "quality", "2026-11-14"),
        breach("T6", "assignment", "quality", "suggestion",
               deadline="2026-11-18", on="2026-11-19"),
        # T7: production, not resolved; its resolution breach is on 11-28,
        # December's.
        opened("T7", "product_quality", "production", "2026-11-12"),
        breach("T7", "resolution", "production", "product_quality",
               deadline="2026-11-27", on="2026-11-28"),
        # CAPAs: A3 open past its due date, A4 verified late (no longer
        # tracked), A5 due on November's last day (not yet past due).
        capa("A3", "production", "2026-10-20", "2026-11-10"),
        capa("A4", "quality", "2026-11-01", "2026-11-15"),
        event(CapaVerified, capa_id="A4", verified_on="2026-11-18", evidence="ok"),
        capa("A5", "after_sales", "2026-11-01", "2026-11-25"),
    ]  # fmt: skip


@pytest.fixture
def producer(settings: Settings) -> Iterator[EventProducer]:
    p = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    yield p
    p.close()


@pytest.fixture
def client(settings: Settings, producer: EventProducer) -> Iterator[TestClient]:
    with TestClient(create_app(SERVICE, settings)) as c:
        c.headers.update(auth.headers(settings, "dashboard"))
        deliver(c, producer, november_events())
        yield c


def get(client: TestClient, widget: str, **params: str) -> Any:
    response = client.get(
        f"/v1/dashboard/{widget}", params={"period": "2026-11", **params}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_every_widget_counts_the_period(client: TestClient) -> None:
    cards = get(client, "cards")
    assert cards == {
        "period": "2026-11",
        "previous_period": "2026-10",
        "records": 4,
        "product_quality": {"value": 0.6667, "previous": None, "change": None},
        "service_quality": {"value": 0.5, "previous": None, "change": None},
        "retail_mean_score": {"value": 80.0, "previous": None, "change": None},
    }
    december = get(client, "cards", period="2026-12")
    # 2026-12 has HF-2026-11-0004 (retail, service S, 60) only.
    assert december["service_quality"] == {
        "value": 1.0,
        "previous": 0.5,
        "change": 0.5,
    }
    assert december["retail_mean_score"] == {
        "value": 60.0,
        "previous": 80.0,
        "change": -20.0,
    }

    trend = get(client, "trend")["points"]
    assert [p["period"] for p in trend] == ["2025-12"] + [
        f"2026-{m:02d}" for m in range(1, 12)
    ]
    assert trend[-1] == {
        "period": "2026-11",
        "records": 4,
        "product_quality": 0.6667,
        "service_quality": 0.5,
        "retail_mean_score": 80.0,
    }
    assert trend[-3] == {
        "period": "2026-09",
        "records": 1,
        "product_quality": None,
        "service_quality": 1.0,
        "retail_mean_score": 100.0,
    }
    assert all(p["records"] == 0 for p in [*trend[:-3], trend[-2]])

    axes = get(client, "breakdowns")["axes"]
    assert set(axes) == {
        "product_model",
        "region",
        "kind",
        "tag.strength",
        "tag.decision_maker",
        "tag.interest",
        "tag.cooperation",
    }
    assert {k: v["records"] for k, v in axes["region"].items()} == {
        "east": 2,
        "north": 1,
        "south": 1,
    }
    east = axes["region"]["east"]
    assert east["product_quality"]["shares"]["satisfied"] == 0.5
    assert east["service_quality"]["shares"]["satisfied"] == 0.5
    assert {k: v["records"] for k, v in axes["product_model"].items()} == {
        "KYN28-12": 1,
        "KYN61-40.5": 1,
        "XGN15": 1,
        "unknown": 1,
    }
    assert axes["tag.strength"]["unknown"]["records"] == 4  # nobody is tagged

    visits = get(client, "visits")
    zero = {"planned": 0, "done": 0, "done_late": 0, "overdue": 0, "missed": 0}
    assert visits["by_region"] == {
        "east": zero | {"planned": 1, "done": 2, "done_late": 1},  # V2; V1, V2
        "north": zero | {"done": 1},  # V3's record names north
        "south": zero | {"planned": 1, "done": 1},  # V4
        "unknown": zero | {"planned": 1, "overdue": 1},  # V3 planned, V8 overdue
    }
    assert visits["failed_attempts_by_reason"] == {
        "no_answer": 2,
        "wrong_number": 0,
        "refused": 1,
        "contact_left": 0,
        "other": 0,
    }

    feedback = get(client, "feedback")
    assert feedback["complaints"]["by_department"]["after_sales"] == {
        "opened": 1,
        "resolved": 1,
        "revisited": 1,
        "still_open": 1,
    }
    # Open at 11-25: T2 (opened 11-04, reopened: 21 days), T3 (09-01: 85 days).
    assert feedback["open_by_age"] == {"0-7": 0, "8-30": 1, "31-90": 1, ">90": 0}
    assert feedback["capas"] == {
        "opened": 2,
        "verified": 1,
        "still_open": 1,
        "past_due": 0,  # A2 is due 2026-12-31
        "past_due_capas": [],
    }

    listed = get(client, "suggestions")
    assert listed["total"] == 2
    assert [s["record_no"] for s in listed["suggestions"]] == [
        "HF-2026-10-0001",
        "HF-2026-11-0002",
    ]
    found = get(client, "suggestions", q="SPARE")
    assert [s["text"] for s in found["suggestions"]] == ["spare parts"]
    assert found["total"] == 2


def test_filters_narrow_every_record_widget(client: TestClient) -> None:
    east = get(client, "cards", region="east")
    assert east["records"] == 2
    assert east["product_quality"]["value"] == 0.5
    assert east["retail_mean_score"]["value"] is None
    retail = get(client, "breakdowns", kind="retail_followup")["axes"]
    assert {k: v["records"] for k, v in retail["region"].items()} == {"south": 1}
    assert get(client, "trend", region="north")["points"][-1]["records"] == 1
    visits = get(client, "visits", region="south")["by_region"]
    assert set(visits) == {"south"}
    assert get(client, "cards", tag="strength:unknown")["records"] == 4
    assert get(client, "cards", product_model="unknown")["records"] == 1
    bad = client.get("/v1/dashboard/cards", params={"period": "2026-11", "tag": "x"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "tag"
    assert (
        client.get("/v1/dashboard/cards", params={"period": "2026-13"}).status_code
        == 422
    )


def test_the_page_and_echarts_are_served_and_the_api_needs_a_key(
    client: TestClient,
) -> None:
    page = client.get("/dashboard", headers={"Authorization": ""})
    assert page.status_code == 200
    assert "/dashboard/vendor/echarts.min.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/dashboard/static/dashboard.js").status_code == 200
    vendor = client.get("/dashboard/vendor/echarts.min.js")
    if ECHARTS.exists():
        assert vendor.status_code == 200
        assert "echarts" in vendor.text[:2000].lower()
    else:
        assert "make web" in vendor.text
    assert client.get("/dashboard/static/../service.py").status_code == 404
    anonymous = client.get(
        "/v1/dashboard/cards",
        params={"period": "2026-11"},
        headers={"Authorization": ""},
    )
    assert anonymous.status_code == 401


def sla(resolved: int, within: int, assignment: int, resolution: int) -> dict[str, Any]:
    return {
        "resolved": resolved,
        "resolved_within_sla": within,
        "compliance": round(within / resolved, 4) if resolved else None,
        "assignment_breaches": assignment,
        "resolution_breaches": resolution,
    }


def test_complaints_sla_compliance_and_breaches_by_department(
    client: TestClient, producer: EventProducer
) -> None:
    deliver(client, producer, sla_and_capa_events())
    found = get(client, "feedback")["sla"]
    # Complaints resolved in 2026-11 (10-26..11-25): T1 technical, T2 and T5
    # after-sales, T4 production. T4 broke both SLAs in October, T5 the
    # assignment SLA on 11-13; T6's breach is a suggestion form's.
    assert found["by_department"] == {
        "after_sales": sla(2, 1, 1, 0),
        "production": sla(1, 0, 0, 0),
        "technical": sla(1, 1, 0, 0),
    }
    assert {k: v for k, v in found.items() if k not in {"by_department", "trend"}} == (
        sla(4, 2, 1, 0)
    )
    trend = {p.pop("period"): p for p in found["trend"]}
    assert list(trend) == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert trend["2026-10"] == sla(0, 0, 1, 1)  # T4's breaches of 10-06, 10-17
    assert trend["2026-11"] == sla(4, 2, 1, 0)
    quiet = [p for name, p in trend.items() if name not in {"2026-10", "2026-11"}]
    assert quiet == [sla(0, 0, 0, 0)] * 10
    # T7's resolution breach happened on 11-28: December's.
    december = get(client, "feedback", period="2026-12")["sla"]
    assert december["by_department"] == {"production": sla(0, 0, 0, 1)}
    assert december["trend"][-2] == {"period": "2026-11", **sla(4, 2, 1, 0)}


def test_capas_past_due_at_the_periods_end(
    client: TestClient, producer: EventProducer
) -> None:
    deliver(client, producer, sla_and_capa_events())
    # 2026-11 ends 11-25: A3 (due 11-10) is open 15 days past it; A4 was
    # verified (late); A5 is due that very day; A2 is due 12-31.
    assert get(client, "feedback")["capas"] == {
        "opened": 4,  # A1, A2, A4, A5 (A3 was opened in October)
        "verified": 2,  # A1, A4
        "still_open": 3,  # A2, A3, A5
        "past_due": 1,
        "past_due_capas": [
            {
                "capa_id": "A3",
                "owner": "production",
                "due_date": "2026-11-10",
                "days_past_due": 15,
            }
        ],
    }
    december = get(client, "feedback", period="2026-12")["capas"]
    assert [(c["capa_id"], c["days_past_due"]) for c in december["past_due_capas"]] == [
        ("A3", 45),
        ("A5", 30),
    ]


def test_a_cached_answer_is_reused_until_the_read_model_moves(
    client: TestClient, producer: EventProducer
) -> None:
    """The routes answer from the response cache (async: a hit reads the
    positions on the asyncio pool, no worker thread); an event applied makes
    the next answer a new one, never the kept one."""
    before = get(client, "feedback")["capas"]
    hits, computed = RESPONSES.hits, RESPONSES.computed
    assert get(client, "feedback")["capas"] == before
    assert (RESPONSES.hits, RESPONSES.computed) == (hits + 1, computed)
    deliver(client, producer, [capa("A9", "quality", "2026-11-02", "2026-11-30")])
    after = get(client, "feedback")["capas"]
    assert after["opened"] == before["opened"] + 1
    assert after["still_open"] == before["still_open"] + 1
    assert RESPONSES.computed == computed + 1
