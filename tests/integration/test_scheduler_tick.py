"""The daily tick: each visit announced due once and overdue once on the
schedule topic, across repeated ticks, missed days, restarts and replicas."""

import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from schemas.catalogue import SCHEDULE
from schemas.codec import decode_obj
from schemas.schedule import VisitDue, VisitOverdue
from services.kit.db import connect
from services.kit.producer import EventProducer
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
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
from tests.support.survey import end_offset, produce

pytestmark = pytest.mark.integration

CLOCK = date(2030, 1, 1)  # "today": every tick of these tests is for a past day

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
    # The background job does not run within the test (its first round is an
    # hour away): only the ticks this test asks for announce anything.
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
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
        later = client.post("/v1/tick", params={"as_of": "2026-12-20", "wait": True})
        assert announced(later) == {("overdue", "U1:trial_run")}
        assert later.json()["applied"] is True
        history = client.get("/v1/visits/U1:trial_run").json()["history"]
        assert [h["type"] for h in history] == [
            "visit_planned",
            "visit_due",
            "visit_overdue",
        ]

    with scheduler(own) as restarted:  # the same deployment, started again
        assert announced(restarted.post("/v1/tick?as_of=2026-12-20")) == set()
        next_year = restarted.post(
            "/v1/tick", params={"as_of": "2027-04-20", "wait": True}
        )
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
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
    with scheduler(own) as client:
        feed(client, UNIT)
        # Made late (after its latest date, 11-05), and before the trial run
        # fell due (11-15): a record supersedes only visits due before it
        # (issue 16), so the trial run stays open.
        feed(
            client,
            [visit_completed("C1", "U1:pre_power_on", "pre_power_on", "2026-11-10")],
        )
        result = client.post("/v1/tick", params={"as_of": "2026-12-20", "wait": True})
        assert result.status_code == 200, result.text
        # Past its latest date and never announced: only being done keeps it
        # from both notices.
        assert announced(result) == {
            ("due", "U1:trial_run"),
            ("overdue", "U1:trial_run"),
        }
    assert notices(settings) == {
        ("visit_due", "U1:trial_run"): 1,
        ("visit_overdue", "U1:trial_run"): 1,
    }


def job_settled(settings: Settings, job: str, on: date) -> bool:
    """Whether the job recorded `on` as run and the outbox is drained."""
    with connect(settings.database_url, settings.store_schema_for("scheduler")) as c:
        ran = c.execute("SELECT last_date FROM job_runs WHERE job = %s", (job,))
        row = ran.fetchone()
        unsent = c.execute(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed IS NULL"
        ).fetchone()
    return row is not None and row[0] == on and unsent is not None and unsent[0] == 0


def test_the_leader_s_daily_job_announces_once_with_two_replicas(
    settings: Settings,
) -> None:
    clock = date(2026, 11, 20)
    own = scheduler_settings(settings, clock_date=clock, tick_interval_s=0.2)
    # The facts are on the log before either replica starts: the job's first
    # round (0.2 s in) applies the log as it stood first, so it cannot run the
    # day before the facts arrive and announce nothing (it did, when the
    # facts were fed after the start).
    ensure_topics(
        own.kafka_bootstrap, catalogue_topics(own.topic_prefix), own.partitions, 1
    )
    produce(own, [decode_obj(f) for f in UNIT])
    with scheduler(own), scheduler(own) as two:
        # The job records the date it ran in the transaction of its
        # announcements' outbox rows: once recorded and the outbox drained,
        # everything it will ever announce for that date is on the topic.
        deadline = time.monotonic() + 30
        while not job_settled(own, "scheduler.tick", clock):
            assert time.monotonic() < deadline, "the daily job did not run"
            time.sleep(0.2)
        settled = end_offset(settings, SCHEDULE)
        assert notices(settings) == {
            ("visit_due", "U1:pre_power_on"): 1,
            ("visit_overdue", "U1:pre_power_on"): 1,
            ("visit_due", "U1:trial_run"): 1,
        }
        assert announced(two.post("/v1/tick")) == set()  # today is the clock's
        time.sleep(1.0)  # five more intervals on both replicas
        assert job_settled(own, "scheduler.tick", clock)
        assert end_offset(settings, SCHEDULE) == settled


def accepted_tick(client: TestClient, **params: Any) -> Response:
    """POST /v1/tick, retried while it answers 503 (a scheduler just started
    refuses until its consumers run and caught up, as Retry-After says)."""
    deadline = time.monotonic() + 30
    while True:
        answer: Response = client.post("/v1/tick", params=params)
        if answer.status_code != 503:
            return answer
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)


def test_a_tick_after_today_is_refused(settings: Settings) -> None:
    own = scheduler_settings(
        settings, clock_date=date(2026, 11, 20), tick_interval_s=3600
    )
    with scheduler(own) as client:
        refused = client.post("/v1/tick", params={"as_of": "2026-11-21"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["field"] == "as_of"
        assert refused.json()["detail"][0]["rule"] == "not after today"
        today = accepted_tick(client)
        assert today.status_code == 200, today.text
        assert today.json()["as_of"] == "2026-11-20"


def test_a_tick_while_the_reactions_are_behind_is_503(settings: Settings) -> None:
    own = scheduler_settings(
        settings, clock_date=CLOCK, tick_interval_s=3600, wait_timeout_s=1
    )
    with scheduler(own) as client:
        feed(client, UNIT[:2])
        # The customer's facts locked elsewhere: the reactions cannot apply
        # the next facts, so the tick must not announce from a stale plan.
        with connect(own.database_url, own.store_schema_for("scheduler")) as held:
            held.execute("SELECT 1 FROM customer_facts FOR UPDATE").fetchall()
            producer = EventProducer(own.kafka_bootstrap, own.topic_prefix, "test")
            try:
                producer.publish([decode_obj(f) for f in UNIT[2:]])
            finally:
                producer.close()
            refused = client.post("/v1/tick", params={"as_of": "2026-11-20"})
            held.rollback()
        assert refused.status_code == 503, refused.text
        assert "Retry-After" in refused.headers
        # Once they caught up (retried as Retry-After asks), it announces.
        deadline = time.monotonic() + 30
        while (
            after := client.post("/v1/tick", params={"as_of": "2026-11-20"})
        ).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert announced(after) == {
            ("due", "U1:pre_power_on"),
            ("overdue", "U1:pre_power_on"),
            ("due", "U1:trial_run"),
        }


def test_a_tick_retried_with_its_key_answers_again_and_announces_nothing(
    settings: Settings,
) -> None:
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
    with scheduler(own) as client:
        feed(client, UNIT)
        key = {"Idempotency-Key": "tick-2026-11-20"}
        first = client.post("/v1/tick", params={"as_of": "2026-11-20"}, headers=key)
        assert first.status_code == 200, first.text
        assert announced(first) == {
            ("due", "U1:pre_power_on"),
            ("overdue", "U1:pre_power_on"),
            ("due", "U1:trial_run"),
        }
        again = client.post("/v1/tick", params={"as_of": "2026-11-20"}, headers=key)
        assert again.json() == first.json()
        other = client.post("/v1/tick", params={"as_of": "2026-11-21"}, headers=key)
        assert other.status_code == 422
        assert other.json()["detail"][0]["field"] == "Idempotency-Key"
    assert notices(settings) == {
        ("visit_due", "U1:pre_power_on"): 1,
        ("visit_overdue", "U1:pre_power_on"): 1,
        ("visit_due", "U1:trial_run"): 1,
    }
