"""Exports never fail on stored text (issue 8): what the edge lets in (the
longest names and texts of schemas/limits.py, Chinese, emoji, tabs and
newlines), the reporting XLSX and the scheduler's iCalendar feed can write."""

from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from schemas.codec import decode_obj
from schemas.envelope import Event
from schemas.feedback import TicketOpened
from schemas.limits import MAX_NAME, MAX_TEXT
from schemas.schedule import VisitPlanned
from schemas.survey import ComplaintRaised, VisitCompleted
from services.kit.service import create_app
from services.kit.settings import Settings
from services.reporting.service import SERVICE as REPORTING
from services.scheduler.service import SERVICE as SCHEDULER
from tests.support.auth import headers
from tests.support.factories import contract, powered_on, shipped
from tests.support.processes import eventually
from tests.support.survey import produce

pytestmark = pytest.mark.integration

TEXT = ("😀\t意见,;\\\n" * MAX_TEXT)[:MAX_TEXT]
NAME = ("变电站😀 ,;\\" * MAX_NAME)[:MAX_NAME]
ENVELOPE = {"source": "test", "actor": NAME}


def event(cls: type[Event], **payload: Any) -> Event:
    return cls.model_validate({**ENVELOPE, "payload": payload})


def longest_record() -> list[Event]:
    where = {"unit_id": "U" * 64, "region": NAME, "product_model": NAME}
    return [
        event(
            VisitPlanned, customer_id="C1", visit_id="V1", kind="trial_run",
            due_date="2026-11-10", latest_date="2026-11-20", channel="phone",
            policy_version="t", **where,
        ),
        event(
            VisitCompleted, customer_id="C1", visit_id="V1", kind="trial_run",
            record_no="HF-2026-11-0001", visited_on="2026-11-20", visitor=NAME,
            channel="phone", product_quality="dissatisfied",
            service_quality="satisfied", suggestions=TEXT, needs=TEXT, score=10,
            answers={"abnormal_sound": True}, **where,
        ),
        event(
            ComplaintRaised, customer_id="C1", complaint_id="HF-2026-11-0001-1",
            visit_id="V1", record_no="HF-2026-11-0001", subject="product_quality",
            description=TEXT, customer_suggestion=TEXT, raised_on="2026-11-20",
            **where,
        ),
        event(
            TicketOpened, customer_id="C1", ticket_id="T1",
            complaint_id="HF-2026-11-0001-1", subject="product_quality",
            department="production", description=TEXT, customer_suggestion=TEXT,
            opened_on="2026-11-20", visit_id="V1", record_no="HF-2026-11-0001",
        ),
    ]  # fmt: skip


def test_the_monthly_workbook_writes_the_longest_texts(settings: Settings) -> None:
    with TestClient(
        create_app(REPORTING, settings), headers=headers(settings)
    ) as client:
        produce(settings, longest_record())

        def report() -> dict[str, Any] | None:
            found = client.get("/v1/reports/monthly/2026-11").json()
            return found if found.get("records") == 1 else None

        eventually(report)
        answer = client.get("/v1/reports/monthly/2026-11.xlsx")
    assert answer.status_code == 200, answer.text
    book = load_workbook(BytesIO(answer.content))
    cells = {
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    assert any(TEXT[:40] in cell for cell in cells), "the suggestions are missing"


def test_the_calendar_feed_writes_the_longest_names(settings: Settings) -> None:
    facts = [
        contract("C1", "K1", amount="9999999999999.99", region=NAME) | {"actor": NAME},
        shipped("C1", "K1", "U1", "2026-09-20", model=NAME),
        powered_on("C1", "U1", "2026-10-15"),
    ]
    facts[0]["payload"]["customer_name"] = NAME
    facts[0]["payload"]["project_name"] = NAME
    with TestClient(
        create_app(SCHEDULER, settings), headers=headers(settings)
    ) as client:
        produce(settings, [decode_obj(f) for f in facts])

        def feed() -> str | None:
            answer = client.get("/v1/visits.ics")
            assert answer.status_code == 200, answer.text
            return answer.text if "BEGIN:VEVENT" in answer.text else None

        body: str = eventually(feed)
    unfolded = body.replace("\r\n ", "")
    assert unfolded.startswith("BEGIN:VCALENDAR")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "变电站😀" in unfolded
