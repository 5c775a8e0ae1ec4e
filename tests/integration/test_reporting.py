"""The monthly report through the real broker and database.

Events are produced straight onto their topics with the kit's producer, as
the scheduler, survey and feedback services would, and the report must count
them; redelivered events, and the same facts resent under new ids, change
nothing; the XLSX holds the same numbers as the JSON.
"""

import time
from collections.abc import Iterator, Sequence
from io import BytesIO
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from schemas.envelope import Event
from schemas.feedback import (
    CapaOpened,
    CapaVerified,
    TicketAssigned,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketVerified,
)
from schemas.ledger import ContractRegistered, Shipped
from schemas.schedule import VisitCancelled, VisitOverdue, VisitPlanned
from schemas.survey import VisitAttemptFailed, VisitCompleted
from schemas.types import Rating
from services.kit.producer import EventProducer
from services.kit.service import Runtime, create_app
from services.kit.settings import Settings
from services.reporting.service import SERVICE
from services.reporting.settings import ReportingSettings
from tests.support import auth

pytestmark = pytest.mark.integration

ENVELOPE = {"source": "test", "actor": "tester"}
RATINGS = {"S": Rating.SATISFIED, "N": Rating.NEUTRAL, "D": Rating.DISSATISFIED}
# visit id -> (customer, kind); the schedule and the records refer to these.
VISITS = {
    "V1": ("C1", "trial_run"),
    "V2": ("C1", "warranty_6m"),
    "V3": ("C2", "warranty_12m"),
    "V4": ("R1", "retail_followup"),
    "V5": ("C2", "post_warranty_1"),
    "V6": ("C2", "post_warranty_2"),
    "V7": ("C3", "trial_run"),
    "V8": ("C3", "warranty_6m"),
    "V9": ("R1", "retail_followup"),
    "V10": ("R1", "retail_followup"),
}
TICKETS = {"T1": "C1", "T2": "R1", "T3": "C2"}  # ticket id -> customer


def event(cls: type[Event], **payload: Any) -> Event:
    """An event of `cls` with the test's envelope, validated like any other."""
    return cls.model_validate({**ENVELOPE, "payload": payload})


def planned(visit: str, due: str, latest: str, **extra: Any) -> Event:
    customer, kind = VISITS[visit]
    return event(
        VisitPlanned, customer_id=customer, visit_id=visit, kind=kind,
        due_date=due, latest_date=latest, channel="phone", policy_version="t",
        **extra,
    )  # fmt: skip


def cancelled(visit: str) -> Event:
    customer = VISITS[visit][0]
    return event(VisitCancelled, customer_id=customer, visit_id=visit, reason="fix")


def overdue(visit: str, latest: str, announced: str) -> Event:
    customer, kind = VISITS[visit]
    return event(
        VisitOverdue, customer_id=customer, visit_id=visit, kind=kind,
        latest_date=latest, announced_on=announced,
    )  # fmt: skip


def completed(
    no: str, visit: str, on: str, ratings: str, score: int, **extra: Any
) -> Event:
    """A record; `ratings` is product then service quality: S, N, D or - (none)."""
    customer, kind = VISITS[visit]
    return event(
        VisitCompleted, customer_id=customer, visit_id=visit, kind=kind,
        record_no=no, visited_on=on, visitor="Zhang San", channel="phone",
        product_quality=RATINGS.get(ratings[0]),
        service_quality=RATINGS.get(ratings[1]), score=score, **extra,
    )  # fmt: skip


def failed(visit: str, attempt_no: int, on: str, reason: str) -> Event:
    return event(
        VisitAttemptFailed, customer_id=VISITS[visit][0], visit_id=visit,
        attempted_on=on, visitor="Zhang San", reason=reason, attempt_no=attempt_no,
    )  # fmt: skip


def ticket_opened(ticket: str, subject: str, department: str, on: str) -> Event:
    return event(
        TicketOpened, customer_id=TICKETS[ticket], ticket_id=ticket,
        complaint_id=f"K-{ticket}", subject=subject, department=department,
        description="dissatisfied", opened_on=on, visit_id="V1",
        record_no="HF-2026-11-0001",
    )  # fmt: skip


def ticket_step(cls: type[Event], ticket: str, **payload: Any) -> Event:
    return event(cls, customer_id=TICKETS[ticket], ticket_id=ticket, **payload)


def november_events() -> list[Event]:
    """The facts of the scenario; `check_november` holds the expected report."""
    return [
        event(
            ContractRegistered, customer_id="C1", customer_name="Customer C1",
            contract_id="K1", project_name="Substation K1", amount="1200000.00",
            region="east", power_contact={"name": "Li Wei", "phone": "13800000001"},
            substation_contact={"name": "Wang Fang", "phone": "13800000002"},
        ),
        event(
            Shipped, customer_id="C1", contract_id="K1", unit_id="U1",
            product_model="KYN28-12", quantity=4, ship_date="2026-01-05",
        ),
        # Schedule: due dates inside and outside November (10-26..11-25).
        planned("V1", "2026-10-20", "2026-11-20", unit_id="U1"),
        planned(
            "V2", "2026-11-10", "2026-12-10", unit_id="U1", region="east",
            product_model="KYN61-40.5",
        ),
        planned("V3", "2026-11-25", "2026-12-25"),
        planned("V4", "2026-11-02", "2026-11-08", order_id="O1", region="south"),
        planned("V5", "2026-11-26", "2026-12-26"),
        planned("V6", "2026-11-05", "2026-12-05"),
        cancelled("V6"),
        planned("V7", "2026-09-01", "2026-10-01"),
        overdue("V7", "2026-10-01", "2026-10-02"),
        planned("V8", "2026-10-01", "2026-10-31"),
        overdue("V8", "2026-10-31", "2026-11-01"),
        # Survey: four records in November, one in December, one in September.
        completed("HF-2026-11-0001", "V1", "2026-11-21", "SN", 90, unit_id="U1"),
        completed(
            "HF-2026-10-0001", "V2", "2026-10-26", "DS", 80,
            suggestions="more training",
        ),
        completed(
            "HF-2026-11-0002", "V3", "2026-11-25", "SS", 100,
            product_model="XGN15", region="north", needs="spare parts",
        ),
        completed("HF-2026-11-0003", "V4", "2026-11-03", "-D", 80, order_id="O1"),
        completed("HF-2026-11-0004", "V9", "2026-11-26", "-S", 60),
        completed("HF-2026-09-0001", "V10", "2026-09-10", "-S", 100),
        failed("V2", 1, "2026-10-30", "no_answer"),
        failed("V2", 2, "2026-11-01", "no_answer"),
        failed("V3", 1, "2026-11-20", "refused"),
        failed("V3", 2, "2026-11-26", "wrong_number"),
        # Feedback: T1 reassigned and verified, T2 reopened, T3 open since
        # September; CAPA A1 verified, A2 open.
        ticket_opened("T1", "product_quality", "production", "2026-11-01"),
        ticket_step(
            TicketAssigned, "T1", department="technical", assignee="Zhao",
            assigned_on="2026-11-02",
        ),
        ticket_step(
            TicketResolved, "T1", department="technical", resolution="replaced",
            resolved_on="2026-11-05",
        ),
        ticket_step(
            TicketVerified, "T1", verified_on="2026-11-10",
            record_no="HF-2026-11-0010",
        ),
        ticket_opened("T2", "service_quality", "after_sales", "2026-11-04"),
        ticket_step(
            TicketResolved, "T2", department="after_sales", resolution="apology",
            resolved_on="2026-11-06",
        ),
        ticket_step(
            TicketReopened, "T2", reopened_on="2026-11-08",
            record_no="HF-2026-11-0011",
        ),
        ticket_opened("T3", "suggestion", "quality", "2026-09-01"),
        event(
            CapaOpened, capa_id="A1", subject="product_quality",
            owner="producing_company", action="redesign", due_date="2026-12-31",
            opened_on="2026-11-15", source_period="2026-10",
        ),
        event(CapaVerified, capa_id="A1", verified_on="2026-11-20", evidence="audit"),
        event(
            CapaOpened, capa_id="A2", subject="service_quality", owner="quality",
            action="training", due_date="2026-12-31", opened_on="2026-11-20",
        ),
    ]  # fmt: skip


def tally(satisfied: int, neutral: int, dissatisfied: int) -> dict[str, Any]:
    rated = satisfied + neutral + dissatisfied
    return {
        "satisfied": satisfied,
        "neutral": neutral,
        "dissatisfied": dissatisfied,
        "rated": rated,
        "shares": {
            "satisfied": round(satisfied / rated, 4),
            "neutral": round(neutral / rated, 4),
            "dissatisfied": round(dissatisfied / rated, 4),
        },
    }


@pytest.fixture
def producer(settings: Settings) -> Iterator[EventProducer]:
    p = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    yield p
    p.close()


def deliver(
    client: TestClient, producer: EventProducer, events: Sequence[Event]
) -> None:
    """Produce the events and wait until the reporting projection applied them."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    # Produce only once the projection has sought to its stored positions: the
    # kit's rebalance listener shares the batch loop's connection, and a batch
    # fetched while it runs leaves that connection in a transaction that is
    # never committed (reported to the lead; the kit is not ours to change).
    deadline = time.monotonic() + runtime.settings.wait_timeout_s
    while runtime.runner is not None and runtime.runner.state.assigned == 0:
        assert time.monotonic() < deadline, "projection got no partitions"
        time.sleep(0.05)
    assert runtime.wait_until_applied(producer.publish(events))


def check_november(report: dict[str, Any]) -> None:
    assert (report["start"], report["end"]) == ("2026-10-26", "2026-11-25")
    assert report["records"] == 4
    assert report["product_quality"] == tally(2, 0, 1)
    assert report["service_quality"] == tally(2, 1, 1)
    # Product model and region: the record's, else the plan's, else the ledger's.
    assert {k: v["records"] for k, v in report["by_product_model"].items()} == {
        "KYN28-12": 1,
        "KYN61-40.5": 1,
        "XGN15": 1,
        "unknown": 1,
    }
    assert {k: v["records"] for k, v in report["by_region"].items()} == {
        "east": 2,
        "north": 1,
        "south": 1,
    }
    assert report["by_kind"]["warranty_6m"]["product_quality"] == tally(0, 0, 1)
    assert set(report["by_kind"]) == {
        "trial_run",
        "warranty_6m",
        "warranty_12m",
        "retail_followup",
    }
    assert report["by_customer"]["C1"]["records"] == 2
    assert report["by_customer"]["C1"]["customer_name"] == "Customer C1"
    assert report["retail_mean_score"] == 80.0
    trend = report["score_trend"]
    assert [p["period"] for p in trend] == ["2025-12"] + [
        f"2026-{m:02d}" for m in range(1, 12)
    ]
    assert trend[-1] == {"period": "2026-11", "mean_score": 80.0, "records": 1}
    assert trend[-3] == {"period": "2026-09", "mean_score": 100.0, "records": 1}
    assert report["visits"] == {
        "planned": 3,
        "done": 4,
        "done_late": 1,
        "overdue": 1,
        "missed": 0,
        "failed_attempts_by_reason": {
            "no_answer": 2,
            "wrong_number": 0,
            "refused": 1,
            "contact_left": 0,
            "other": 0,
        },
    }
    assert report["complaints"] == {
        "opened": 2,
        "resolved": 2,
        "revisited": 2,
        "still_open": 1,
        "by_department": {
            "after_sales": {
                "opened": 1,
                "resolved": 1,
                "revisited": 1,
                "still_open": 1,
            },
            "technical": {"opened": 1, "resolved": 1, "revisited": 1, "still_open": 0},
        },
    }
    # Issue 16, bug 4: the suggestion to quality is a suggestion form, not a
    # complaint (it used to count as one, still open at quality).
    quiet = {"opened": 0, "resolved": 0, "revisited": 0, "still_open": 0}
    assert report["suggestion_forms"] == {
        "opened": 0,
        "resolved": 0,
        "revisited": 0,
        "still_open": 1,
        "by_department": {"quality": quiet | {"still_open": 1}},
    }
    assert report["service_requests"] == quiet | {"by_department": {}}
    assert report["capas"] == {"opened": 2, "verified": 1, "still_open": 1}
    assert [(s["record_no"], s["text"]) for s in report["suggestions"]] == [
        ("HF-2026-10-0001", "more training"),
        ("HF-2026-11-0002", "spare parts"),
    ]


def test_the_report_counts_the_period_and_redelivery_changes_nothing(
    settings: Settings, producer: EventProducer
) -> None:
    events = november_events()
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings))
        deliver(client, producer, events)
        first = client.get("/v1/reports/monthly/2026-11")
        assert first.status_code == 200, first.text
        check_november(first.json())

        deliver(client, producer, events)  # the same event ids again
        assert client.get("/v1/reports/monthly/2026-11").json() == first.json()

        # The same facts resent under new ids land on the same rows.
        resent = [e.model_copy(update={"event_id": uuid4()}) for e in events]
        deliver(client, producer, resent)
        assert client.get("/v1/reports/monthly/2026-11").json() == first.json()

        december = client.get("/v1/reports/monthly/2026-12").json()
        periods = client.get("/v1/reports/periods").json()
    assert december["records"] == 1
    assert december["visits"]["planned"] == 1
    assert december["visits"]["failed_attempts_by_reason"]["wrong_number"] == 1
    assert december["complaints"]["still_open"] == 1
    assert december["suggestion_forms"]["still_open"] == 1
    assert periods == {
        "cutoff_day": 25,
        "periods": ["2026-09", "2026-10", "2026-11", "2026-12"],
    }


def test_the_workbook_holds_the_same_numbers(
    settings: Settings, producer: EventProducer
) -> None:
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings))
        deliver(client, producer, november_events())
        report = client.get("/v1/reports/monthly/2026-11").json()
        response = client.get("/v1/reports/monthly/2026-11.xlsx?lang=en")
        chinese = client.get("/v1/reports/monthly/2026-11.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "Summary",
        "Product quality",
        "Service quality",
        "By product model",
        "By kind",
        "By region",
        "By customer",
        "By customer tag",
        "By company",
        "Score trend",
        "Visits",
        "Feedback forms",
        "CAPAs",
        "Suggestions",
        "Opportunities",
        "Reviews",
    ]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["period"] == "2026-11"
    assert summary["records"] == report["records"] == 4
    assert summary["retail mean score"] == report["retail_mean_score"]
    for sheet, axis in (
        ("Product quality", "product_quality"),
        ("Service quality", "service_quality"),
    ):
        rows = list(book[sheet].iter_rows(min_row=2, values_only=True))
        assert [r[1] for r in rows] == [
            report[axis]["satisfied"],
            report[axis]["neutral"],
            report[axis]["dissatisfied"],
            report[axis]["rated"],
        ]
        assert rows[0][2] == report[axis]["shares"]["satisfied"]
    models = {
        r[0]: r[1:6]
        for r in book["By product model"].iter_rows(min_row=2, values_only=True)
    }
    assert models == {
        k: (
            v["records"],
            v["product_quality"]["satisfied"],
            v["product_quality"]["neutral"],
            v["product_quality"]["dissatisfied"],
            v["product_quality"]["shares"]["satisfied"],
        )
        for k, v in report["by_product_model"].items()
    }
    visits = dict(
        r for r in book["Visits"].iter_rows(min_row=2, values_only=True) if r[0]
    )
    assert visits["planned"] == report["visits"]["planned"]
    assert visits["done late"] == report["visits"]["done_late"]
    assert visits["no answer"] == 2
    forms = list(book["Feedback forms"].iter_rows(min_row=2, values_only=True))
    complaints = [r for r in forms if r[0] == "complaint"]
    c = report["complaints"]
    assert complaints[0][2:] == (c["opened"], c["resolved"], c["revisited"], 1)
    assert len(complaints[1:]) == len(c["by_department"])
    # Chinese by default: no code reaches a reader
    zh = load_workbook(BytesIO(chinese.content))
    assert zh.sheetnames[:3] == ["概要", "产品质量", "服务质量"]
    assert "信息反馈单" in zh.sheetnames
    words = {
        str(cell)
        for sheet in zh.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }
    codes = {"after_sales", "production", "quality", "no_answer", "warranty_6m"}
    assert words & codes == set()
    assert {"无人接听", "投诉"} <= words
    trend = [r[1] for r in book["Score trend"].iter_rows(min_row=2, values_only=True)]
    assert trend == [p["mean_score"] for p in report["score_trend"]]
    suggestions = list(book["Suggestions"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in suggestions] == ["HF-2026-10-0001", "HF-2026-11-0002"]


def test_the_cutoff_day_comes_from_the_settings(
    settings: Settings, producer: EventProducer
) -> None:
    on_the_20th = ReportingSettings(
        **settings.model_dump(exclude_unset=False), report_cutoff_day=20
    )
    with TestClient(create_app(SERVICE, on_the_20th)) as client:
        client.headers.update(auth.headers(on_the_20th))
        deliver(client, producer, november_events())
        report = client.get("/v1/reports/monthly/2026-11").json()
    assert (report["start"], report["end"]) == ("2026-10-21", "2026-11-20")
    assert report["cutoff_day"] == 20
    # 10-26 and 11-03 are in; 11-21, 11-25 and 11-26 belong to December.
    assert report["records"] == 2
    assert report["product_quality"] == tally(0, 0, 1)


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/v1/reports/monthly/2026-13", "month must be 01..12, not 13"),
        ("/v1/reports/monthly/2026-1.xlsx", "must be YYYY-MM, e.g. 2026-11"),
        ("/v1/reports/monthly/november", "must be YYYY-MM, e.g. 2026-11"),
    ],
)
def test_a_malformed_period_is_a_422_naming_the_field(
    settings: Settings, path: str, rule: str
) -> None:
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings))
        response = client.get(path)
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "period", "rule": rule}]
