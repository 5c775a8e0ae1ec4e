"""Issue 16 through the real broker and the scheduler's API: moot visits
superseded, an on-site follow-up of a problem the phone could not solve,
supporting equipment without visits, retail batched apart from industrial
visits, an unplanned service visit ignored, the calendar feed in Chinese."""

from typing import Any

import pytest

from schemas.schedule import VisitSuperseded
from services.kit.settings import Settings
from tests.support.factories import contract, delivered, installed, powered_on, shipped
from tests.support.scheduler import (
    dead_letters,
    feed,
    of_type,
    schedule_events,
    scheduler,
    scheduler_settings,
    visit_completed,
    visits,
)

pytestmark = pytest.mark.integration

CLOCK = "2026-11-24"


def supporting(customer: str, contract_id: str, unit: str, flag: bool) -> Any:
    fact = shipped(customer, contract_id, unit, "2026-01-01")
    fact["payload"]["supporting_equipment"] = flag
    return fact


def ids(items: list[dict[str, Any]]) -> list[str]:
    return sorted(v["visit_id"] for v in items)


def test_the_regulation_of_issue_16(settings: Settings) -> None:
    own = scheduler_settings(settings, clock_date=CLOCK, tick_interval_s=3600)
    with scheduler(own) as client:
        feed(
            client,
            [
                contract("C1", "K1"),
                shipped("C1", "K1", "U1", "2026-01-01"),
                installed("C1", "U1", "2026-01-10"),
                powered_on("C1", "U1", "2026-02-01"),
                contract("C2", "K2"),
                shipped("C2", "K2", "U2", "2026-01-01"),
                powered_on("C2", "U2", "2026-02-01"),
                contract("C3", "K3"),
                supporting("C3", "K3", "U3", True),
                powered_on("C3", "U3", "2026-02-01"),
                contract("C4", "K4"),
                powered_on("C4", "U4", "2026-05-20"),
                delivered("C4", "O4", "2026-11-18", store="S4"),
            ],
        )
        feed(
            client,
            [
                # bug 5: the 6-month visit made; the first two never were
                visit_completed(
                    "C1",
                    "U1:warranty_6m",
                    "warranty_6m",
                    "2026-08-05",
                    record_no="HF-2026-08-0001",
                    unit_id="U1",
                ),
                # not solvable by phone: an on-site follow-up in 7 days
                visit_completed(
                    "C2",
                    "U2:warranty_6m",
                    "warranty_6m",
                    "2026-08-05",
                    record_no="HF-2026-08-0002",
                    unit_id="U2",
                    unresolved_by_phone=True,
                ),
                # an unplanned service visit (6.2.7): no visit of the plan
                visit_completed(
                    "C1",
                    "SV-C1-0001",
                    "service_visit",
                    "2026-09-01",
                    record_no="HF-2026-09-0001",
                    unit_id="U1",
                    channel="on_site",
                    unresolved_by_phone=True,
                ),
            ],
        )

        # 1. moot visits leave the worklist as superseded (counted as missed)
        moot = visits(client, customer_id="C1", status="superseded")
        assert ids(moot) == ["U1:pre_power_on", "U1:trial_run"]
        superseded = of_type(schedule_events(own), VisitSuperseded)
        assert sorted(
            (e.payload.visit_id, e.payload.by_record_no, str(e.payload.superseded_on))
            for e in superseded
            if e.payload.customer_id == "C1"
        ) == [
            ("U1:pre_power_on", "HF-2026-08-0001", "2026-08-05"),
            ("U1:trial_run", "HF-2026-08-0001", "2026-08-05"),
        ]
        worklist = client.get("/v1/worklist", params={"as_of": "2026-08-10"}).json()
        listed = {v["visit_id"] for b in worklist["batches"] for v in b["visits"]}
        assert not listed & {"U1:pre_power_on", "U1:trial_run"}
        tick = client.post("/v1/tick", params={"as_of": "2026-08-13", "wait": True})
        assert tick.status_code == 200, tick.text
        announced = {a["visit_id"] for a in tick.json()["announced"]}
        assert "U2:on_site_followup:HF-2026-08-0002" in announced
        assert not announced & {"U1:pre_power_on", "U1:trial_run"}
        detail = client.get("/v1/visits/U1:trial_run").json()
        assert detail["status"] == "superseded"
        assert detail["history"][-1]["type"] == "visit_superseded"

        # 2. the on-site follow-up, and the next visit turned on site
        c2 = {v["visit_id"]: v for v in visits(client, customer_id="C2")}
        followup = c2["U2:on_site_followup:HF-2026-08-0002"]
        assert (
            followup["kind"],
            followup["due_date"],
            followup["latest_date"],
            followup["channel"],
            followup["unit_id"],
        ) == ("on_site_followup", "2026-08-12", "2026-08-19", "on_site", "U2")
        assert c2["U2:warranty_12m"]["channel"] == "on_site"
        assert c2["U2:post_warranty_1"]["channel"] == "phone"

        # 5. the service visit planned, closed and superseded nothing
        assert client.get("/v1/visits/SV-C1-0001").status_code == 404
        assert [
            v["visit_id"]
            for v in visits(client, customer_id="C1", kind="on_site_followup")
        ] == []

        # 3. supporting equipment: no visits; corrected to false, planned;
        # back to true, the open ones cancelled
        assert visits(client, customer_id="C3") == []
        feed(client, [supporting("C3", "K3", "U3", False)])
        planned = visits(client, customer_id="C3")
        assert len(planned) == 5
        assert {v["status"] for v in planned} <= {"planned", "due", "overdue"}
        feed(client, [supporting("C3", "K3", "U3", True)])
        assert {v["status"] for v in visits(client, customer_id="C3")} == {"cancelled"}

        # 4. bug 6: a retail follow-up is never batched with an industrial
        # visit, even of the same region and channel on the same days
        batches = client.get(
            "/v1/worklist", params={"as_of": CLOCK, "region": "east"}
        ).json()["batches"]
        by_visit = {v["visit_id"]: b for b in batches for v in b["visits"]}
        retail = by_visit["O4:retail_followup"]
        assert retail["store_id"] == "S4"
        assert [v["visit_id"] for v in retail["visits"]] == ["O4:retail_followup"]
        industrial = by_visit["U4:warranty_6m"]
        assert industrial["store_id"] is None
        assert all(v["kind"] != "retail_followup" for v in industrial["visits"])

        # 6. the calendar feed: Chinese by default, with the contact's phone
        feed_ = client.get("/v1/visits.ics", params={"region": "east"})
        assert feed_.status_code == 200
        text = feed_.text.replace("\r\n ", "")
        assert "X-WR-CALNAME:顾客回访计划\r\n" in text
        assert "SUMMARY:现场跟进回访（电话未能解决）（现场）：Customer C2（U2）" in text
        assert "电力管理联系人：Li Wei 13800000001" in text
        assert "on_site_followup visit" not in text
        english = client.get(
            "/v1/visits.ics", params={"region": "east", "lang": "en"}
        ).text.replace("\r\n ", "")
        assert "SUMMARY:on-site follow-up (not solved by phone) (on site)" in english
        assert "power-management contact: Li Wei 13800000001" in english
        assert client.get("/v1/visits.ics", params={"lang": "fr"}).status_code == 422

        assert dead_letters(own) == 0
