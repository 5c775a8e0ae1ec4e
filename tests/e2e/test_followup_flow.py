"""The whole path through HTTP, with every service a real process on the real
broker and database: facts in → the trial-run visit → a dissatisfied visit
record → a ticket at production → the monthly report counts it."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.kit.settings import Settings
from tests.support.auth import headers
from tests.support.factories import contract, installed, powered_on, shipped
from tests.support.processes import eventually, running_services

pytestmark = pytest.mark.e2e

# "Today" pinned for the scheduler, whose background tick is an hour away;
# every feedback command names its date: nothing depends on the machine's date.
PINNED = {"FOLLOWUP_CLOCK_DATE": "2026-11-30", "FOLLOWUP_TICK_INTERVAL_S": "3600"}


def keyed(settings: Settings) -> httpx.Client:
    """An HTTP client sending an admin key of the deployment on every call."""
    return httpx.Client(headers=headers(settings), timeout=30)


def neutral_answers(template: dict[str, Any]) -> dict[str, Any]:
    """Answer every question of a questionnaire template without complaint."""
    by_type = {"rating": "satisfied", "yes_no": False, "text": ""}
    return {
        q["id"]: by_type[q["answer_type"]]
        for q in template["questions"]
        if q["stored_in"] == "answers" and q["required"]
    }


def test_a_dissatisfied_trial_run_reaches_production_and_the_report(
    settings: Settings, tmp_path: Path
) -> None:
    with (
        running_services(settings, tmp_path, extra_env=PINNED) as url,
        keyed(settings) as http,
    ):
        facts = [
            contract("C1", "K1"),
            shipped("C1", "K1", "U1", "2026-09-20"),
            installed("C1", "U1", "2026-10-05"),
            powered_on("C1", "U1", "2026-10-15"),
        ]
        r = http.post(f"{url['ledger']}/v1/events?wait=true", json=facts, timeout=30)
        assert r.status_code == 202, r.text

        def trial_run() -> list[dict[str, Any]]:
            return http.get(  # type: ignore[no-any-return]
                f"{url['scheduler']}/v1/visits",
                params={
                    "customer_id": "C1",
                    "kind": "trial_run",
                    "as_of": "2026-11-20",
                },
            ).json()["items"]

        visit = eventually(trial_run)[0]
        assert visit["due_date"] == "2026-11-15"  # power-on + 1 month
        assert visit["status"] == "due"

        template = http.get(f"{url['survey']}/v1/questionnaires/trial_run").json()

        def record() -> httpx.Response | None:
            # The survey learns of the visit from the log; until then it is 404.
            response = http.post(
                f"{url['survey']}/v1/visit-records",
                json={
                    "visit_id": visit["visit_id"],
                    "visited_on": "2026-11-20",
                    "visitor": "Zhao Min",
                    "channel": "phone",
                    "answers": neutral_answers(template),
                    "product_quality": "dissatisfied",
                    "service_quality": "satisfied",
                    "suggestions": "",
                    "needs": "",
                },
                timeout=30,
            )
            return None if response.status_code == 404 else response

        created = eventually(record)
        assert created.status_code == 201, created.text
        assert created.json()["record_no"].startswith("HF-2026-11-")

        def tickets() -> list[dict[str, Any]]:
            return http.get(  # type: ignore[no-any-return]
                f"{url['feedback']}/v1/tickets", params={"customer_id": "C1"}
            ).json()["items"]

        ticket = eventually(tickets)[0]
        assert ticket["subject"] == "product_quality"
        assert ticket["department"] == "production"

        def report() -> dict[str, Any] | None:
            body = http.get(f"{url['reporting']}/v1/reports/monthly/2026-11").json()
            return body if body["records"] == 1 else None

        monthly = eventually(report)
        assert (monthly["start"], monthly["end"]) == ("2026-10-26", "2026-11-25")
        assert monthly["product_quality"]["dissatisfied"] == 1
        assert monthly["service_quality"]["satisfied"] == 1

        done = http.get(f"{url['scheduler']}/v1/visits/{visit['visit_id']}").json()
        assert done["status"] == "done"
        for name, base in url.items():
            assert http.get(f"{base}/healthz").status_code == 200, name
    # Every service logs JSON lines (README: "Logs are JSON lines on stderr").
    for name in url:
        lines = (tmp_path / f"{name}.log").read_text().splitlines()
        assert lines, name
        for line in lines:
            assert isinstance(json.loads(line), dict), (name, line)


def test_the_complaint_loop_closes_through_the_real_scheduler(
    settings: Settings, tmp_path: Path
) -> None:
    """Dissatisfied record → ticket → assign → resolve → the scheduler plans a
    re-visit → a dissatisfied re-visit reopens → resolve → a second re-visit,
    satisfied, verifies the ticket."""
    with (
        running_services(settings, tmp_path, extra_env=PINNED) as url,
        keyed(settings) as http,
    ):
        facts = [
            contract("C2", "K2"),
            shipped("C2", "K2", "U2", "2026-09-20"),
            powered_on("C2", "U2", "2026-10-15"),
        ]
        r = http.post(f"{url['ledger']}/v1/events?wait=true", json=facts, timeout=30)
        assert r.status_code == 202, r.text

        def visit_of(kind: str, n: int = 1) -> dict[str, Any] | None:
            items = http.get(
                f"{url['scheduler']}/v1/visits",
                params={
                    "customer_id": "C2",
                    "kind": kind,
                    "as_of": "2026-12-31",
                },
            ).json()["items"]
            return items[n - 1] if len(items) >= n else None

        def record(visit: dict[str, Any], on: str, rating: str) -> httpx.Response:
            template = http.get(
                f"{url['survey']}/v1/questionnaires/{visit['kind']}"
            ).json()

            def post() -> httpx.Response | None:
                response = http.post(
                    f"{url['survey']}/v1/visit-records",
                    json={
                        "visit_id": visit["visit_id"],
                        "visited_on": on,
                        "visitor": "Zhao Min",
                        "answers": neutral_answers(template),
                        "product_quality": rating,
                        "service_quality": "satisfied",
                    },
                    timeout=30,
                )
                return None if response.status_code == 404 else response

            response: httpx.Response = eventually(post)
            assert response.status_code == 201, response.text
            return response

        def ticket(status: str) -> dict[str, Any] | None:
            items = http.get(
                f"{url['feedback']}/v1/tickets", params={"customer_id": "C2"}
            ).json()["items"]
            return items[0] if items and items[0]["status"] == status else None

        # The department's own handler acts on its ticket (the key's owner
        # is the actor of each event).
        production = headers(settings, "handler", department="production")

        def resolve(ticket_id: str, on: str) -> None:
            r = http.post(
                f"{url['feedback']}/v1/tickets/{ticket_id}/resolve?wait=true",
                headers=production,
                json={
                    "resolution": "relay replaced",
                    "resolved_on": on,
                },
                timeout=30,
            )
            assert r.status_code == 200, r.text

        record(eventually(lambda: visit_of("trial_run")), "2026-11-20", "dissatisfied")
        opened = eventually(lambda: ticket("open"))
        assert opened["department"] == "production"
        assigned = http.post(
            f"{url['feedback']}/v1/tickets/{opened['ticket_id']}/assign?wait=true",
            headers=production,
            json={
                "assignee": "Qian Gang",
                "assigned_on": "2026-11-21",
            },
            timeout=30,
        )
        assert assigned.status_code == 200, assigned.text
        resolve(opened["ticket_id"], "2026-11-25")

        first = eventually(lambda: visit_of("revisit"))
        assert (first["due_date"], first["latest_date"]) == ("2026-11-25", "2026-12-02")
        record(first, "2026-11-26", "dissatisfied")
        eventually(lambda: ticket("reopened"))
        resolve(opened["ticket_id"], "2026-11-27")

        second = eventually(lambda: visit_of("revisit", 2))
        assert second["due_date"] == "2026-11-27"
        record(second, "2026-11-28", "satisfied")
        verified = eventually(lambda: ticket("verified"))
        assert verified["ticket_id"] == opened["ticket_id"]
