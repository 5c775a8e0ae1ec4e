"""The daily tick: each visit announced due once and overdue once on the
schedule topic, across repeated ticks, missed days, restarts and replicas."""

import asyncio
import time
from datetime import date

import pytest
from httpx import Response

from schemas.schedule import VisitDue, VisitOverdue
from services.kit.settings import Settings
from services.scheduler.tick import Leadership
from tests.support.factories import contract, installed, powered_on, shipped
from tests.support.scheduler import (
    counted,
    feed,
    of_type,
    schedule_events,
    scheduler,
    scheduler_settings,
    visit_completed,
)

pytestmark = pytest.mark.integration

UNIT = [
    contract("C1", "K1"),
    shipped("C1", "K1", "U1", "2026-09-20"),
    installed("C1", "U1", "2026-10-05"),  # pre_power_on due 10-05, latest 11-05
    powered_on("C1", "U1", "2026-10-15"),  # trial_run due 11-15, latest 12-15
]


def notices(settings: Settings) -> dict[tuple[str, str], int]:
    """How often each visit was announced due / overdue on the topic."""
    events = schedule_events(settings)
    return dict(counted([*of_type(events, VisitDue), *of_type(events, VisitOverdue)]))


def announced(response: Response) -> set[tuple[str, str]]:
    body = response.json()
    return {(a["notice"], a["visit_id"]) for a in body["announced"]}


def test_each_visit_is_announced_once_across_ticks_and_restarts(
    settings: Settings,
) -> None:
    # The background job's clock stands before every due date: only the
    # ticks this test asks for announce anything.
    own = scheduler_settings(settings, clock_date=date(2026, 1, 1))
    with scheduler(own) as client:
        feed(client, UNIT)
        # The first tick catches up on the days it missed: the pre-power-on
        # visit went due and overdue before it ever ran.
        first = client.post("/v1/tick", params={"as_of": "2026-11-20"})
        assert first.status_code == 200, first.text
        assert announced(first) == {
            ("due", "U1:pre_power_on"),
            ("overdue", "U1:pre_power_on"),
            ("due", "U1:trial_run"),
        }
        again = client.post("/v1/tick", params={"as_of": "2026-11-20"})
        assert announced(again) == set()
        later = client.post("/v1/tick", params={"as_of": "2026-12-20"})
        assert announced(later) == {("overdue", "U1:trial_run")}
        history = client.get("/v1/visits/U1:trial_run").json()["history"]
        assert [h["type"] for h in history] == [
            "visit_planned",
            "visit_due",
            "visit_overdue",
        ]

    with scheduler(own) as restarted:  # the same deployment, started again
        assert announced(restarted.post("/v1/tick?as_of=2026-12-20")) == set()
        next_year = restarted.post("/v1/tick", params={"as_of": "2027-04-20"})
        assert announced(next_year) == {("due", "U1:warranty_6m")}

    assert notices(settings) == {
        ("visit_due", "U1:pre_power_on"): 1,
        ("visit_overdue", "U1:pre_power_on"): 1,
        ("visit_due", "U1:trial_run"): 1,
        ("visit_overdue", "U1:trial_run"): 1,
        ("visit_due", "U1:warranty_6m"): 1,
    }
    due = {e.payload.visit_id: e for e in of_type(schedule_events(own), VisitDue)}
    assert str(due["U1:trial_run"].payload.announced_on) == "2026-11-20"
    assert str(due["U1:trial_run"].payload.due_date) == "2026-11-15"


def test_a_done_visit_is_not_announced(settings: Settings) -> None:
    own = scheduler_settings(settings, clock_date=date(2026, 1, 1))
    with scheduler(own) as client:
        feed(client, UNIT)
        feed(client, [visit_completed("C1", "U1:trial_run", "trial_run", "2026-11-16")])
        result = client.post("/v1/tick", params={"as_of": "2026-12-20"})
        assert ("due", "U1:trial_run") not in announced(result)
        assert ("due", "U1:pre_power_on") in announced(result)


def test_the_leader_s_daily_job_announces_once_with_two_replicas(
    settings: Settings,
) -> None:
    own = scheduler_settings(
        settings, clock_date=date(2026, 11, 20), tick_interval_s=0.2
    )
    with scheduler(own) as one, scheduler(own) as two:
        feed(one, UNIT)
        expected = {
            ("visit_due", "U1:pre_power_on"): 1,
            ("visit_overdue", "U1:pre_power_on"): 1,
            ("visit_due", "U1:trial_run"): 1,
        }
        deadline = time.monotonic() + 30
        while notices(settings) != expected and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(1.5)  # several more intervals on both replicas
        assert notices(settings) == expected
        assert announced(two.post("/v1/tick")) == set()  # today is the clock's


def test_only_one_process_leads_until_it_lets_go(settings: Settings) -> None:
    schema = settings.schema_for("scheduler")

    async def scenario() -> list[bool]:
        first = Leadership(settings.database_url, schema)
        second = Leadership(settings.database_url, schema)
        try:
            seen = [await first.hold(), await second.hold(), await first.hold()]
            await first.release()
            seen.append(await second.hold())
            return seen
        finally:
            await first.release()
            await second.release()

    assert asyncio.run(scenario()) == [True, False, True, True]
