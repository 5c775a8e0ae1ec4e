"""A rebuild drops the scheduler's views and replays the log into them: the
API answers the same, and the reactions (the command side) decide nothing
again, so nothing is published twice."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.kit.db import drop_schema
from services.kit.settings import Settings
from tests.support.factories import contract, delivered, installed, powered_on, shipped
from tests.support.scheduler import (
    attempt_failed,
    counted,
    dead_letters,
    feed,
    schedule_events,
    scheduler,
    scheduler_settings,
    settle,
    ticket_resolved,
    visit_completed,
)

pytestmark = pytest.mark.integration

FACTS = [
    contract("C1", "K1", "2500000.00"),
    shipped("C1", "K1", "U1", "2026-09-20"),
    installed("C1", "U1", "2026-10-05"),
    powered_on("C1", "U1", "2026-10-15"),
    delivered("C4", "O1", "2026-11-18"),
    visit_completed("C1", "U1:pre_power_on", "pre_power_on", "2026-10-06"),
    attempt_failed("C1", "U1:trial_run", 1, "2026-11-16"),
    attempt_failed("C1", "U1:trial_run", 2, "2026-11-17"),
    ticket_resolved("C1", "T1", "2026-11-18"),
    contract("C1", "K2", "600000.00"),  # crosses 3,000,000: on site
    powered_on("C1", "U1", "2026-10-20"),  # a correction moves the open visits
]


def answers(client: TestClient) -> dict[str, Any]:
    """Everything the API answers about the visits."""
    listed = client.get("/v1/visits", params={"limit": 1000, "as_of": "2026-11-20"})
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    calendar = client.get("/v1/visits.ics", params={"as_of": "2026-11-20"}).text
    return {
        "visits": items,
        "details": {
            v["visit_id"]: client.get(f"/v1/visits/{v['visit_id']}").json()
            for v in items
        },
        "worklist": client.get("/v1/worklist", params={"as_of": "2026-11-20"}).json(),
        "calendar": re.sub(r"DTSTAMP:\S+", "", calendar),
        "overdue": client.get(
            "/v1/visits", params={"status": "overdue", "as_of": "2027-12-01"}
        ).json(),
    }


def test_a_rebuild_answers_the_same(settings: Settings) -> None:
    own = scheduler_settings(settings, clock_date="2030-01-01", tick_interval_s=3600)
    with scheduler(own) as client:
        feed(client, FACTS)
        tick = client.post("/v1/tick", params={"as_of": "2026-11-20", "wait": True})
        assert tick.json()["applied"] is True
        before = answers(client)
        published = counted(schedule_events(own))
    assert len(before["visits"]) == 8
    drop_schema(own.database_url, own.schema_for("scheduler"))
    with scheduler(own) as rebuilt:
        runtime = rebuilt.app.state.runtime  # type: ignore[attr-defined]
        settle(runtime, [])
        assert answers(rebuilt) == before
    assert counted(schedule_events(own)) == published
    assert dead_letters(own) == 0
