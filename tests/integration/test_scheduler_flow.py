"""The scheduler driven through the real broker: facts in (out of order,
duplicated, corrected), the plan out through the API, the derived events on
the schedule topic once each."""

from typing import Any

import pytest

from schemas.codec import decode_obj
from schemas.schedule import ThresholdCrossed, VisitEscalated, VisitRescheduled
from services.kit.settings import Settings
from tests.support.factories import contract, delivered, installed, powered_on, shipped
from tests.support.scheduler import (
    attempt_failed,
    by_kind,
    counted,
    dead_letters,
    feed,
    of_type,
    schedule_events,
    scheduler,
    scheduler_settings,
    ticket_resolved,
    visit_completed,
    visits,
)

pytestmark = pytest.mark.integration

# "Today" for the scheduler (what a read without `as_of` answers for); the
# background tick is an hour away, so it never runs within a test.
CLOCK = "2026-11-20"

PLAN_C1 = {
    # kind: (due, latest, channel) as domain.md says for power-on 2026-10-15,
    # installed 2026-10-05, shipped 2026-09-20 (warranty end 2027-10-15).
    "pre_power_on": ("2026-10-05", "2026-11-05", "on_site"),
    "trial_run": ("2026-11-15", "2026-12-15", "phone"),
    "warranty_6m": ("2027-04-15", "2027-05-15", "phone"),
    "warranty_12m": ("2027-10-15", "2027-11-15", "phone"),
    "post_warranty_1": ("2028-10-15", "2028-11-15", "phone"),
    "post_warranty_2": ("2029-10-15", "2029-11-15", "phone"),
}


def plan_of(items: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    return {
        kind: (v["due_date"], v["latest_date"], v["channel"])
        for kind, v in by_kind(items).items()
    }


def test_an_industrial_unit_from_its_facts_to_escalation(settings: Settings) -> None:
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
    with scheduler(own) as client:
        first_power_on = decode_obj(powered_on("C1", "U1", "2026-10-15"))
        feed(
            client,
            [
                first_power_on,  # before its shipment
                shipped("C1", "K1", "U1", "2026-09-20"),
                installed("C1", "U1", "2026-10-05"),
                contract("C1", "K1"),
                first_power_on,  # the same event delivered twice
                powered_on("C1", "U1", "2026-10-15"),  # the same fact, new id
            ],
        )
        items = visits(client, customer_id="C1", as_of="2026-11-20")
        assert plan_of(items) == PLAN_C1
        assert {v["status"] for v in items} == {"overdue", "due", "planned"}
        assert by_kind(items)["pre_power_on"]["status"] == "overdue"
        assert by_kind(items)["trial_run"]["status"] == "due"
        assert {(v["region"], v["product_model"]) for v in items} == {
            ("east", "KYN28-12")
        }
        assert [v["due_date"] for v in items] == sorted(v["due_date"] for v in items)
        first = schedule_events(own)
        planned = counted(e for e in first if e.type == "visit_planned")
        assert planned == {("visit_planned", f"U1:{kind}"): 1 for kind in PLAN_C1}
        # The shipment and the contract, read after the power-on planned the
        # visits, move them only to carry the model and the region.
        details = of_type(first, VisitRescheduled)
        assert {e.payload.reason for e in details} == {
            "details changed: product_model",
            "details changed: region",
        }
        assert {(e.payload.region, e.payload.product_model) for e in details} == {
            (None, "KYN28-12"),
            ("east", "KYN28-12"),
        }
        # Planned by the first power-on, the trial run moved twice: for the
        # model (the shipment), then for the region (the contract).
        trial_moves = 2
        assert counted(details)[("visit_rescheduled", "U1:trial_run")] == trial_moves

        # The survey's record closes the trial-run visit.
        feed(client, [visit_completed("C1", "U1:trial_run", "trial_run", "2026-11-20")])
        trial = client.get("/v1/visits/U1:trial_run").json()
        assert (trial["status"], trial["done_on"]) == ("done", "2026-11-20")
        assert (trial["visitor"], trial["record_no"]) == ("Zhao Min", "HF-2026-11-0001")
        assert [h["type"] for h in trial["history"]] == [
            "visit_planned",
            *["visit_rescheduled"] * trial_moves,
            "visit_completed",
        ]

        # A corrected power-on moves the open visits; the done one stays.
        feed(client, [powered_on("C1", "U1", "2026-11-01")])
        after = plan_of(visits(client, customer_id="C1"))
        assert after["trial_run"] == PLAN_C1["trial_run"]
        assert after["warranty_6m"] == ("2027-05-01", "2027-06-01", "phone")
        assert after["warranty_12m"] == ("2027-11-01", "2027-12-01", "phone")
        assert after["post_warranty_2"] == ("2029-11-01", "2029-12-01", "phone")
        assert client.get("/v1/visits/U1:trial_run").json()["status"] == "done"
        seen = {e.event_id for e in first}
        events = [e for e in schedule_events(own) if e.event_id not in seen]
        moved = counted(e for e in events if e.type == "visit_rescheduled")
        assert moved == {
            ("visit_rescheduled", f"U1:{kind}"): 1
            for kind in ("warranty_6m", "warranty_12m", "post_warranty_1")
        } | {("visit_rescheduled", "U1:post_warranty_2"): 1}
        six = next(
            e
            for e in of_type(events, VisitRescheduled)
            if e.payload.visit_id == "U1:warranty_6m"
        )
        assert str(six.payload.previous_due_date) == "2027-04-15"
        assert (six.payload.region, six.payload.product_model) == ("east", "KYN28-12")

        # Three failed attempts (the third delivered twice) escalate it once.
        third = decode_obj(attempt_failed("C1", "U1:warranty_6m", 3, "2027-05-05"))
        feed(
            client,
            [
                attempt_failed("C1", "U1:warranty_6m", 1, "2027-05-03"),
                attempt_failed("C1", "U1:warranty_6m", 2, "2027-05-04"),
                third,
                third,
                attempt_failed("C1", "U1:warranty_6m", 2, "2027-05-04"),  # resent
            ],
        )
        six_m = client.get("/v1/visits/U1:warranty_6m", params={"as_of": "2027-05-05"})
        body = six_m.json()
        assert (body["status"], body["attempts"], body["channel"]) == (
            "escalated",
            3,
            "on_site",
        )
        assert body["visitor"] == "Qian Li"
        history = [h["type"] for h in body["history"]]
        assert history.count("visit_attempt_failed") == 3
        assert history.count("visit_escalated") == 1
        escalated = of_type(schedule_events(own), VisitEscalated)
        assert len(escalated) == 1
        assert escalated[0].payload.escalated_to == "on_site"
        assert str(escalated[0].payload.escalated_on) == "2027-05-05"
        assert escalated[0].causation_id == third.event_id

        # A resolved ticket asks for a revisit: due that day, latest 7 days on.
        feed(client, [ticket_resolved("C1", "T1", "2026-12-01")])
        (revisit,) = visits(client, customer_id="C1", kind="revisit")
        assert (revisit["due_date"], revisit["latest_date"]) == (
            "2026-12-01",
            "2026-12-08",
        )
        assert revisit["ticket_id"] == "T1"

        # A later correction leaves the done visit done.
        feed(client, [powered_on("C1", "U1", "2026-12-01")])
        assert client.get("/v1/visits/U1:trial_run").json()["status"] == "done"
        final = counted(schedule_events(own))
        assert final[("visit_rescheduled", "U1:trial_run")] == trial_moves
        assert final[("visit_planned", "U1:trial_run")] == 1
    assert dead_letters(own) == 0


def test_cancellation_threshold_and_retail(settings: Settings) -> None:
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
    with scheduler(own) as client:
        feed(
            client,
            [
                shipped("C2", "K2", "U2", "2025-01-10"),
                powered_on("C2", "U2", "2025-03-01"),
                contract("C3", "K3", "2000000.00"),
                shipped("C3", "K3", "U3", "2026-09-01"),
                installed("C3", "U3", "2026-09-10"),
                powered_on("C3", "U3", "2026-09-20"),
                delivered("C4", "O1", "2026-11-18"),  # a Wednesday
            ],
        )
        assert set(by_kind(visits(client, customer_id="C2"))) >= {
            "warranty_6m",
            "warranty_12m",
        }

        # Power-on corrected past ship + 18 months: the warranty ended before
        # the unit ran, so its warranty visits no longer apply.
        feed(client, [powered_on("C2", "U2", "2026-09-01")])
        c2 = by_kind(visits(client, customer_id="C2"))
        assert c2["warranty_6m"]["status"] == "cancelled"
        assert c2["warranty_12m"]["status"] == "cancelled"
        assert c2["trial_run"]["due_date"] == "2026-10-01"
        cancelled = visits(client, customer_id="C2", status="cancelled")
        assert {v["kind"] for v in cancelled} == {"warranty_6m", "warranty_12m"}

        # 2,000,000 + 1,500,000 crosses 3,000,000: every open visit on site.
        phone_before = {
            v["visit_id"] for v in visits(client, customer_id="C3", channel="phone")
        }
        assert phone_before
        feed(client, [contract("C3", "K4", "1500000.00")])
        assert visits(client, customer_id="C3", channel="phone") == []
        feed(client, [contract("C3", "K5", "10.00")])  # still crossed: no news
        events = schedule_events(own)
        crossed = of_type(events, ThresholdCrossed)
        assert len(crossed) == 1
        assert str(crossed[0].payload.total_amount) == "3500000.00"
        to_site = {
            e.payload.visit_id
            for e in of_type(events, VisitRescheduled)
            if e.payload.channel == "on_site"
        }
        assert to_site == phone_before

        # Retail: due the Monday after the delivery week, overdue after Sunday.
        (order,) = visits(client, customer_id="C4")
        assert (order["kind"], order["order_id"], order["store_id"]) == (
            "retail_followup",
            "O1",
            "S1",
        )
        assert (order["due_date"], order["latest_date"]) == ("2026-11-23", "2026-11-29")
        counts = counted(events)
        assert counts[("visit_cancelled", "U2:warranty_6m")] == 1
        assert counts[("visit_cancelled", "U2:warranty_12m")] == 1
        assert max(counts.values()) == 1  # nothing published twice
    assert dead_letters(own) == 0


def test_a_record_applied_before_its_plan_closes_the_visit(
    settings: Settings,
) -> None:
    # The survey's topic is not ordered with the ledger's: on a rebuild the
    # scheduler may read a visit record before the facts that plan the visit.
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
    with scheduler(own) as client:
        record = visit_completed(
            "C5", "O2:retail_followup", "retail_followup", "2026-11-24"
        )
        feed(client, [record])
        assert client.get("/v1/visits/O2:retail_followup").status_code == 404
        feed(client, [delivered("C5", "O2", "2026-11-18")])
        visit = client.get("/v1/visits/O2:retail_followup").json()
        assert (visit["status"], visit["done_on"], visit["record_no"]) == (
            "done",
            "2026-11-24",
            "HF-2026-11-0001",
        )
        assert visit["visitor"] == "Zhao Min"
        assert [h["type"] for h in visit["history"]] == [
            "visit_completed",
            "visit_planned",
        ]
    assert dead_letters(own) == 0
