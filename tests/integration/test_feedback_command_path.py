"""The feedback's commands on the kit's command path (issue 7): decided
against the store in one transaction with their outbox rows, idempotent
under an Idempotency-Key, checked against the version the caller read, and
the SLA sweep announcing each breach once, from the API or the daily job.

The survey's part (complaints on the survey topic) is played by the tests.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import FEEDBACK
from schemas.survey import ComplaintRaised, ComplaintRaisedPayload
from schemas.types import ComplaintSubject
from services.feedback.jobs import SLA_SWEEP
from services.feedback.service import SERVICE
from services.kit.db import connect
from services.kit.jobs import run_due
from services.kit.service import create_app
from services.kit.settings import Settings
from tests.support.auth import headers
from tests.support.processes import eventually
from tests.support.survey import events_on, produce

pytestmark = pytest.mark.integration


def complaint(customer: str, complaint_id: str, on: str) -> ComplaintRaised:
    return ComplaintRaised(
        source="test-survey",
        actor="Zhao Min",
        payload=ComplaintRaisedPayload(
            customer_id=customer,
            complaint_id=complaint_id,
            visit_id=f"V-{complaint_id}",
            record_no=complaint_id[:15],
            subject=ComplaintSubject.PRODUCT_QUALITY,
            description="顾客不满意",
            customer_suggestion="",
            raised_on=on,
        ),
    )


def open_ticket(client: TestClient, settings: Settings, on: str = "2026-11-02") -> str:
    produce(settings, [complaint("C1", "HF-2026-11-0001-1", on)])
    ticket_id = "FB-2026-11-0001-1"
    eventually(lambda: client.get(f"/v1/tickets/{ticket_id}").status_code == 200)
    return ticket_id


def outbox_rows(settings: Settings) -> int:
    """Every event the feedback decided so far (sent or not)."""
    schema = settings.store_schema_for("feedback")
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}".outbox').fetchone()
    assert row is not None
    return int(row[0])


def idempotent(
    settings: Settings,
    send: Callable[[dict[str, Any], dict[str, str]], Any],
    body: dict[str, Any],
    other: dict[str, Any],
    key: str,
) -> None:
    """Same key and body: the first answer again, nothing appended; same key,
    another body: 422, nothing appended."""
    first = send(body, {"Idempotency-Key": key})
    assert first.status_code in (200, 201), first.text
    decided = outbox_rows(settings)
    again = send(body, {"Idempotency-Key": key})
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    reused = send(other, {"Idempotency-Key": key})
    assert reused.status_code == 422, reused.text
    assert reused.json()["detail"][0]["field"] == "Idempotency-Key"
    assert outbox_rows(settings) == decided


def test_every_command_answers_a_retried_key_once_and_refuses_it_for_another_body(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        ticket = open_ticket(client, settings)
        url = f"/v1/tickets/{ticket}"

        def post(path: str) -> Callable[[dict[str, Any], dict[str, str]], Any]:
            return lambda body, headers: client.post(path, json=body, headers=headers)

        idempotent(
            settings,
            post(f"{url}/assign"),
            {"assignee": "张工", "assigned_on": "2026-11-03"},
            {"assignee": "赵工", "assigned_on": "2026-11-03"},
            "assign-1",
        )
        idempotent(
            settings,
            post(f"{url}/resolve"),
            {"resolution": "换了断路器", "resolved_on": "2026-11-05"},
            {"resolution": "换了整柜", "resolved_on": "2026-11-05"},
            "resolve-1",
        )
        capa = {
            "source": {"ticket_ids": [ticket]},
            "subject": "product_quality",
            "action": "改进装配工艺",
            "due": "2026-12-15",
            "opened_on": "2026-11-26",
        }
        idempotent(
            settings,
            post("/v1/capas"),
            capa,
            capa | {"action": "另一个措施"},
            "capa-1",
        )
        capa_id = client.post(
            "/v1/capas", json=capa, headers={"Idempotency-Key": "capa-1"}
        ).json()["id"]
        idempotent(
            settings,
            post(f"/v1/capas/{capa_id}/verify"),
            {"verified_on": "2026-12-10", "evidence": "抽检无故障"},
            {"verified_on": "2026-12-10", "evidence": "别的证据"},
            "verify-1",
        )
        idempotent(
            settings,
            lambda body, headers: client.post(
                "/v1/sla/check", params=body, headers=headers
            ),
            {"as_of": "2026-11-20"},
            {"as_of": "2026-11-21"},
            "sla-1",
        )
        # Keys are per command: the same key on another command is its own.
        other_command = client.post(
            f"{url}/assign",
            json={"assignee": "张工"},
            headers={"Idempotency-Key": "resolve-1"},
        )
        capas = client.get("/v1/capas").json()["items"]
    assert other_command.status_code == 409  # resolved: no assignment
    assert len(capas) == 1


def test_a_command_read_against_a_stale_version_is_refused_and_appends_nothing(
    settings: Settings,
) -> None:
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        ticket = open_ticket(client, settings)
        url = f"/v1/tickets/{ticket}"
        read = client.get(url).json()
        assigned = client.post(
            f"{url}/assign?wait=true",
            json={"assignee": "张工", "assigned_on": "2026-11-03", "version": 1},
        )
        before = outbox_rows(settings)
        stale_body = client.post(
            f"{url}/assign",
            json={"assignee": "赵工", "version": read["version"]},
        )
        stale_header = client.post(
            f"{url}/resolve",
            json={"resolution": "换了断路器", "resolved_on": "2026-11-05"},
            headers={"If-Match": '"1"'},
        )
        disagreeing = client.post(
            f"{url}/resolve",
            json={"resolution": "x", "resolved_on": "2026-11-05", "version": 2},
            headers={"If-Match": '"3"'},
        )
        nothing = outbox_rows(settings)
        current = client.post(
            f"{url}/resolve?wait=true",
            json={"resolution": "换了断路器", "resolved_on": "2026-11-05"},
            headers={"If-Match": f'"{assigned.json()["version"]}"'},
        )
        capa = client.post(
            "/v1/capas?wait=true",
            json={
                "source": {"period": "2026-11"},
                "subject": "service_quality",
                "action": "培训",
                "due": "2026-12-15",
                "opened_on": "2026-11-26",
            },
        ).json()
        capa_before = outbox_rows(settings)
        stale_capa = client.post(
            f"/v1/capas/{capa['id']}/verify",
            json={"evidence": "培训记录", "verified_on": "2026-12-01", "version": 2},
        )
        capa_nothing = outbox_rows(settings)
        detail = client.get(url).json()
    assert read["version"] == 1
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["version"] == 2
    assert stale_body.status_code == 409
    assert stale_body.json()["detail"].startswith("stale version")
    assert stale_header.status_code == 409
    assert stale_header.json()["detail"].startswith("stale version")
    assert disagreeing.status_code == 422
    assert nothing == before
    assert current.status_code == 200, current.text
    assert current.json()["version"] == 3
    assert stale_capa.status_code == 409
    assert capa_nothing == capa_before
    assert (detail["status"], detail["version"]) == ("resolved", 3)


def test_the_daily_sla_job_and_the_api_announce_each_breach_once(
    settings: Settings,
) -> None:
    today = settings.today()
    with TestClient(create_app(SERVICE, settings), headers=headers(settings)) as client:
        ticket = open_ticket(client, settings, str(today - timedelta(days=30)))
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with connect(
            settings.database_url, [runtime.store_schema, runtime.schema]
        ) as conn:
            conn.autocommit = True
            ran = run_due(runtime, SLA_SWEEP, conn, 10.0)
            again = run_due(runtime, SLA_SWEEP, conn, 10.0)
        by_api = client.post("/v1/sla/check?wait=true").json()

        def announced() -> list[str] | None:
            history = client.get(f"/v1/tickets/{ticket}").json()["history"]
            found = [
                h["detail"]["breach"] for h in history if h["type"] == "ticket_overdue"
            ]
            return sorted(found) if len(found) == 2 else None

        breaches = eventually(announced)
    assert (ran, again) == (1, 0)
    assert by_api["announced"] == []
    assert breaches == ["assignment", "resolution"]
    on_log = [e for e in events_on(settings, FEEDBACK) if e.type == "ticket_overdue"]
    assert len({e.event_id for e in on_log}) == 2
