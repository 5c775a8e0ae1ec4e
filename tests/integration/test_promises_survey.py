"""README promises of the survey no other test checks: `GET /v1/attempts`
filtered by reason, and a visit escalated by the real scheduler after the
third failed attempt recorded through the survey's API (across services)."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import SURVEY
from schemas.schedule import VisitEscalated
from schemas.survey import VisitAttemptFailed
from schemas.types import VisitKind
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.service import SERVICE
from tests.support.auth import headers
from tests.support.factories import contract, powered_on, shipped
from tests.support.processes import eventually
from tests.support.scheduler import (
    feed,
    of_type,
    schedule_events,
    scheduler,
    scheduler_settings,
)
from tests.support.survey import events_on, produce, visit_planned, wait_for_visit

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 30)  # after every date named here


def survey(settings: Settings) -> TestClient:
    """The survey app, "today" pinned, every call with an admin key."""
    own = settings.model_copy(update={"clock_date": TODAY})
    return TestClient(create_app(SERVICE, own), headers=headers(own))


def attempt(
    client: TestClient, visit_id: str, on: str, reason: str, note: str = ""
) -> dict[str, Any]:
    made = client.post(
        f"/v1/visits/{visit_id}/attempts?wait=true",
        json={
            "attempted_on": on,
            "visitor": "Zhao Min",
            "reason": reason,
            "note": note,
        },
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_failed_attempts_are_listed_by_reason_alone_and_with_the_customer(
    settings: Settings,
) -> None:
    with survey(settings) as client:
        produce(
            settings,
            [
                visit_planned("C1", "V1", VisitKind.TRIAL_RUN),
                visit_planned("C2", "V2", VisitKind.TRIAL_RUN),
            ],
        )
        wait_for_visit(client, "V1")
        wait_for_visit(client, "V2")
        attempt(client, "V1", "2026-11-16", "no_answer")
        attempt(client, "V1", "2026-11-17", "wrong_number", "空号")
        attempt(client, "V2", "2026-11-17", "no_answer", "关机")
        attempt(client, "V2", "2026-11-18", "refused")

        def listed(**params: str) -> dict[str, Any]:
            page = client.get("/v1/attempts", params=params)
            assert page.status_code == 200, page.text
            body: dict[str, Any] = page.json()
            return body

        no_answer = listed(reason="no_answer")
        of_c2 = listed(reason="no_answer", customer_id="C2")
        refused_in_december = listed(reason="refused", month="2026-12")
        bad = client.get("/v1/attempts", params={"reason": "busy"})
    assert no_answer["count"] == 2
    assert sorted((a["visit_id"], a["attempted_on"]) for a in no_answer["items"]) == [
        ("V1", "2026-11-16"),
        ("V2", "2026-11-17"),
    ]
    assert {a["reason"] for a in no_answer["items"]} == {"no_answer"}
    assert no_answer["by_reason"]["no_answer"] == 2
    assert no_answer["by_reason"]["wrong_number"] == 0
    assert of_c2["count"] == 1
    assert [a["note"] for a in of_c2["items"]] == ["关机"]
    assert refused_in_december["count"] == 0
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"].removeprefix("query.") == "reason"


def test_three_failed_attempts_through_the_survey_escalate_the_visit_at_the_scheduler(
    settings: Settings,
) -> None:
    planner = scheduler_settings(settings, clock_date=TODAY, tick_interval_s=3600)
    with scheduler(planner) as plans, survey(settings) as client:
        # The real scheduler plans the unit's visits from the ledger's facts.
        feed(
            plans,
            [
                contract("C1", "K1"),
                shipped("C1", "K1", "U1", "2026-09-20"),
                powered_on("C1", "U1", "2026-10-15"),  # trial run due 11-15
            ],
        )
        visit = "U1:trial_run"
        wait_for_visit(client, visit)
        made = [
            attempt(client, visit, on, "no_answer")
            for on in ("2026-11-16", "2026-11-17", "2026-11-18")
        ]

        def escalated() -> dict[str, Any] | None:
            body: dict[str, Any] = plans.get(
                f"/v1/visits/{visit}", params={"as_of": "2026-11-18"}
            ).json()
            # The status counts the attempts at once; the escalation's event
            # and the re-plan on site follow from the scheduler's reactions.
            kinds = [h["type"] for h in body["history"]]
            done = "visit_escalated" in kinds and body["channel"] == "on_site"
            return body if done else None

        body = eventually(escalated)
        escalations = of_type(schedule_events(settings), VisitEscalated)
    assert [m["attempt_no"] for m in made] == [1, 2, 3]
    assert (body["status"], body["attempts"], body["channel"]) == (
        "escalated",
        3,
        "on_site",
    )
    assert [h["type"] for h in body["history"]].count("visit_escalated") == 1
    (escalation,) = escalations
    assert str(escalation.payload.escalated_on) == "2026-11-18"
    (third,) = [
        e
        for e in of_type(events_on(settings, SURVEY), VisitAttemptFailed)
        if e.payload.attempt_no == 3
    ]
    assert escalation.causation_id == third.event_id
