"""Details learnt late reach the survey's copy of a visit, through the real
broker: the power-on plans the visits before the shipment names the model,
so the scheduler moves them to carry it, and the survey's record of the
visit names the model that the scheduler learnt."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import SURVEY as SURVEY_TOPIC
from schemas.schedule import VisitRescheduled, VisitRescheduledPayload
from schemas.survey import VisitCompleted
from schemas.types import Channel, VisitKind
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.service import SERVICE as SURVEY
from tests.support.auth import headers
from tests.support.factories import powered_on, shipped
from tests.support.processes import eventually
from tests.support.scheduler import (
    dead_letters,
    feed,
    of_type,
    schedule_events,
    scheduler,
    scheduler_settings,
    visits,
)
from tests.support.survey import events_on, produce, record_body, wait_for_visit

pytestmark = pytest.mark.integration

TRIAL = "U7:trial_run"


def survey_visit_when(
    survey: TestClient, visit_id: str, **expected: Any
) -> dict[str, Any]:
    """The survey's view of a visit once it shows `expected`."""

    def probe() -> dict[str, Any] | None:
        body: dict[str, Any] = survey.get(f"/v1/visits/{visit_id}").json()
        return body if all(body.get(k) == v for k, v in expected.items()) else None

    found: dict[str, Any] = eventually(probe)
    return found


def test_a_model_shipped_after_the_power_on_reaches_the_survey(
    settings: Settings,
) -> None:
    own = scheduler_settings(settings)
    with (
        scheduler(own) as planner,
        TestClient(create_app(SURVEY, settings), headers=headers(settings)) as survey,
    ):
        feed(planner, [powered_on("C7", "U7", "2026-10-15")])
        planned = {v["visit_id"] for v in visits(planner, customer_id="C7")}
        assert TRIAL in planned
        assert wait_for_visit(survey, TRIAL)["product_model"] is None
        assert of_type(schedule_events(own), VisitRescheduled) == []

        # A later request: the shipment names the model (and moves no date:
        # the warranty still ends a year after the power-on).
        feed(planner, [shipped("C7", "K7", "U7", "2026-09-20", model="KYN28-12")])
        moved = of_type(schedule_events(own), VisitRescheduled)
        assert {e.payload.visit_id for e in moved} == planned
        assert {e.payload.product_model for e in moved} == {"KYN28-12"}
        assert {e.payload.reason for e in moved} == {"details changed: product_model"}
        assert all(e.payload.due_date == e.payload.previous_due_date for e in moved)

        seen = survey_visit_when(survey, TRIAL, product_model="KYN28-12")
        assert seen["unit_id"] == "U7"

        # A move that does not know the model (null) leaves the survey's copy.
        blind = VisitRescheduled(
            source="test-scheduler",
            actor="scheduler",
            payload=VisitRescheduledPayload(
                customer_id="C7",
                visit_id=TRIAL,
                due_date=seen["due_date"],
                latest_date="2026-12-31",
                channel=Channel.PHONE,
                previous_due_date=seen["due_date"],
                reason="latest_date moved by hand",
                policy_version="test",
            ),
        )
        produce(settings, [blind])
        after = survey_visit_when(survey, TRIAL, latest_date="2026-12-31")
        assert after["product_model"] == "KYN28-12"

        # The record of the visit carries the model the scheduler learnt.
        created = survey.post(
            "/v1/visit-records?wait=true",
            json=record_body(TRIAL, VisitKind.TRIAL_RUN),
        )
        assert created.status_code == 201, created.text
        record = survey.get(f"/v1/visit-records/{created.json()['record_no']}")
        assert record.json()["product_model"] == "KYN28-12"
        completed = [
            e
            for e in events_on(settings, SURVEY_TOPIC)
            if isinstance(e, VisitCompleted)
        ]
        assert [e.payload.product_model for e in completed] == ["KYN28-12"]
    assert dead_letters(own) == 0
