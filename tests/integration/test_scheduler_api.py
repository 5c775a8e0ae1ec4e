"""The scheduler's API for the service centre: filters, pages, errors, the
worklist, the calendar feed and the policy what-if."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.kit.settings import Settings
from services.scheduler.settings import SchedulerSettings
from tests.conftest import remove_deployment, unique_prefix
from tests.support.factories import contract, delivered, powered_on, shipped
from tests.support.scheduler import (
    attempt_failed,
    feed,
    pinned_scheduler,
    schedule_events,
    scheduler,
    visits,
)

pytestmark = pytest.mark.integration

AS_OF = "2026-11-20"


def unit(customer: str, contract_id: str, unit_id: str, power_on: str) -> list[Any]:
    return [
        shipped(customer, contract_id, unit_id, "2026-03-01"),
        powered_on(customer, unit_id, power_on),
    ]


FACTS = [
    contract("C1", "K1", region="east"),
    contract("C7", "K7", region="west"),
    *unit("C1", "K1", "U5", "2026-05-10"),  # warranty_6m due 11-10, latest 12-10
    *unit("C1", "K1", "U6", "2026-05-25"),  # warranty_6m due 11-25, latest 12-25
    *unit("C1", "K1", "U8", "2026-04-01"),  # warranty_6m overdue since 11-01
    *unit("C7", "K7", "U7", "2026-05-01"),  # west: warranty_6m due 11-01
    delivered("C4", "O1", "2026-11-18"),
]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [v["visit_id"] for v in items]


def error_fields(response: Any) -> set[str]:
    """The fields a 422 names, in FastAPI's form or the scheduler's own."""
    assert response.status_code == 422, response.text
    fields = set()
    for error in response.json()["detail"]:
        field = error["field"] if "field" in error else str(error["loc"][-1])
        # The kit names a parameter by its location too (`query.as_of`).
        fields.add(field.removeprefix("query.").removeprefix("path."))
    return fields


@pytest.fixture
def client(settings: Settings) -> Any:
    # "Today" pinned and the background tick an hour away: statuses read
    # without `as_of` and the histories never depend on the machine's date.
    with pinned_scheduler(settings, AS_OF) as running:
        feed(running, FACTS)
        yield running


@pytest.fixture(scope="module")
def bare() -> Any:
    """A scheduler with nothing on its log, shared by the read-only error tests."""
    prefix = unique_prefix()
    own = SchedulerSettings(
        topic_prefix=prefix,
        schema_prefix=f"{prefix}_",
        clock_date=AS_OF,
        tick_interval_s=3600,
    )
    with scheduler(own) as running:
        yield running
    remove_deployment(own)


def test_unknown_visit_is_404(bare: TestClient) -> None:
    response = bare.get("/v1/visits/nope:trial_run")
    assert response.status_code == 404
    assert "nope:trial_run" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"status": "bogus"}, "status"),
        ({"kind": "yearly"}, "kind"),
        ({"channel": "fax"}, "channel"),
        ({"due_from": "2026-12-01", "due_to": "2026-11-01"}, "due_to"),
        ({"limit": 0}, "limit"),
        ({"cursor": "!!"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_filter_is_422_naming_it(
    bare: TestClient, params: dict[str, Any], field: str
) -> None:
    assert error_fields(bare.get("/v1/visits", params=params)) == {field}


def test_other_bad_inputs_are_422_naming_them(bare: TestClient) -> None:
    assert error_fields(bare.get("/v1/visits/U5:trial_run?as_of=x")) == {"as_of"}
    assert error_fields(bare.get("/v1/worklist?as_of=2026-02-30")) == {"as_of"}
    assert error_fields(bare.post("/v1/tick?as_of=tomorrow")) == {"as_of"}
    what_if = bare.post("/v1/policy/what-if", json={"threshold": 1})
    assert error_fields(what_if) == {"threshold"}


def test_pages_follow_each_other_in_due_date_order(client: TestClient) -> None:
    everything = visits(client)
    assert len(everything) == 4 * 5 + 1  # four units (no install), one order
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/visits", params=params).json()
        seen += page["items"]
        cursor = page["next"]
        if cursor is None:
            break
    assert ids(seen) == ids(everything)
    keys = [(v["due_date"], v["visit_id"]) for v in seen]
    assert keys == sorted(keys)


def test_filters_narrow_the_list(client: TestClient) -> None:
    assert ids(visits(client, unit_id="U5", kind="warranty_6m")) == ["U5:warranty_6m"]
    assert {v["customer_id"] for v in visits(client, region="west")} == {"C7"}
    assert ids(visits(client, order_id="O1")) == ["O1:retail_followup"]
    assert ids(visits(client, store_id="S1")) == ["O1:retail_followup"]
    window = visits(client, due_from="2026-11-01", due_to="2026-11-30")
    assert set(ids(window)) == {
        "U5:warranty_6m",
        "U6:warranty_6m",
        "U7:warranty_6m",
        "O1:retail_followup",
    }
    due = visits(client, status="due", as_of=AS_OF, kind="warranty_6m")
    assert set(ids(due)) == {"U5:warranty_6m", "U7:warranty_6m"}
    assert {v["status"] for v in due} == {"due"}
    overdue = visits(client, status="overdue", as_of=AS_OF, customer_id="C1")
    # Past the latest date (due + 1 month) on 11-20: every trial run (power-on
    # + 1 month, latest by July) and U8's warranty_6m (latest 11-01).
    assert ids(overdue) == [
        "U8:trial_run",  # due 05-01
        "U5:trial_run",  # due 06-10
        "U6:trial_run",  # due 06-25
        "U8:warranty_6m",  # due 10-01
    ]
    assert {v["status"] for v in overdue} == {"overdue"}
    planned = visits(client, status="planned", as_of=AS_OF, kind="warranty_6m")
    assert ids(planned) == ["U6:warranty_6m"]
    # The same visit, read for another day.
    (u6,) = visits(client, unit_id="U6", kind="warranty_6m", as_of="2026-11-26")
    assert u6["status"] == "due"
    assert visits(client, channel="on_site") == []


def test_a_visitor_is_the_one_of_the_latest_attempt(client: TestClient) -> None:
    feed(client, [attempt_failed("C1", "U5:warranty_6m", 1, "2026-11-19")])
    assert ids(visits(client, visitor="Qian Li")) == ["U5:warranty_6m"]
    (mine,) = client.get("/v1/worklist?as_of=2026-11-20&visitor=Qian Li").json()[
        "batches"
    ]
    assert ids(mine["visits"]) == ["U5:warranty_6m"]
    feed_ = client.get("/v1/visits.ics", params={"visitor": "Qian Li"})
    assert feed_.status_code == 200
    assert feed_.headers["content-type"].startswith("text/calendar")
    text = feed_.text.replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 1
    assert "UID:U5:warranty_6m@followup\r\n" in text
    assert "DTSTART;VALUE=DATE:20261110\r\n" in text
    # Chinese by default (issue 16), English on request.
    assert "SUMMARY:质保期内回访（6个月）（电话）：Customer C1（U5）\r\n" in text
    english = client.get(
        "/v1/visits.ics", params={"visitor": "Qian Li", "lang": "en"}
    ).text.replace("\r\n ", "")
    assert "SUMMARY:warranty visit (6 months) (phone): Customer C1 (U5)\r\n" in english
    everyone = client.get("/v1/visits.ics").text
    assert everyone.count("BEGIN:VEVENT") == 21


def test_the_worklist_batches_by_region_and_channel_overdue_first(
    client: TestClient,
) -> None:
    body = client.get(
        "/v1/worklist", params={"as_of": AS_OF, "until": "2026-11-30"}
    ).json()
    assert body["as_of"] == AS_OF
    batches = body["batches"]
    flags = [b["has_overdue"] for b in batches]
    assert flags == sorted(flags, reverse=True)  # overdue first
    by_visit = {v["visit_id"]: b for b in batches for v in b["visits"]}
    # The overdue U8 is made at once, and takes along U5, whose window is
    # open today; U6 is not due before the 25th, so it waits for its own.
    east = by_visit["U8:warranty_6m"]
    assert ids(east["visits"]) == ["U8:warranty_6m", "U5:warranty_6m"]
    assert (east["region"], east["channel"], east["first_day"], east["last_day"]) == (
        "east",
        "phone",
        AS_OF,
        AS_OF,
    )
    assert ids(by_visit["U6:warranty_6m"]["visits"]) == ["U6:warranty_6m"]
    assert by_visit["U7:warranty_6m"]["region"] == "west"
    # Trial runs are made one by one, never batched.
    trial = by_visit["U5:trial_run"]
    assert ids(trial["visits"]) == ["U5:trial_run"]
    assert trial["has_overdue"] is True
    west_only = client.get("/v1/worklist", params={"as_of": AS_OF, "region": "west"})
    assert {b["region"] for b in west_only.json()["batches"]} == {"west"}


def test_what_if_shows_a_lower_threshold_without_changing_anything(
    settings: Settings, client: TestClient
) -> None:
    feed(
        client,
        [contract("C9", "K9", "2600000.00"), *unit("C9", "K9", "U9", "2026-10-01")],
    )
    before_visits = visits(client)
    before_events = len(schedule_events(settings))
    response = client.post("/v1/policy/what-if", json={"on_site_threshold": 2500000})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["current_policy"] == "2026.1"
    assert "on_site_threshold=2500000" in body["changed_policy"]
    assert body["customers"] == 4
    changed = {
        (d["customer_id"], d["visit_id"], d["difference"]) for d in body["differences"]
    }
    assert changed == {
        ("C9", f"U9:{kind}", "channel_changed")
        for kind in (
            "trial_run",
            "warranty_6m",
            "warranty_12m",
            "post_warranty_1",
            "post_warranty_2",
        )
    }
    sample = body["differences"][0]
    assert (sample["current"]["channel"], sample["changed"]["channel"]) == (
        "phone",
        "on_site",
    )
    assert visits(client) == before_visits
    assert len(schedule_events(settings)) == before_events
    one = client.post(
        "/v1/policy/what-if", json={"on_site_threshold": 2500000, "customer_id": "C1"}
    ).json()
    assert (one["customers"], one["differences"]) == (1, [])
