"""The whole path through HTTP, with every service a real process on the real
broker and database: facts in → the trial-run visit → a dissatisfied visit
record → a ticket at production → the monthly report counts it."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from services.kit.settings import Settings
from tests.support.factories import contract, installed, powered_on, shipped
from tests.support.processes import eventually, running_services

pytestmark = pytest.mark.e2e


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
    with running_services(settings, tmp_path) as url:
        facts = [
            contract("C1", "K1"),
            shipped("C1", "K1", "U1", "2026-09-20"),
            installed("C1", "U1", "2026-10-05"),
            powered_on("C1", "U1", "2026-10-15"),
        ]
        r = httpx.post(f"{url['ledger']}/v1/events?wait=true", json=facts, timeout=30)
        assert r.status_code == 202, r.text

        def trial_run() -> list[dict[str, Any]]:
            return httpx.get(  # type: ignore[no-any-return]
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

        template = httpx.get(f"{url['survey']}/v1/questionnaires/trial_run").json()

        def record() -> httpx.Response | None:
            # The survey learns of the visit from the log; until then it is 404.
            response = httpx.post(
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
            return httpx.get(  # type: ignore[no-any-return]
                f"{url['feedback']}/v1/tickets", params={"customer_id": "C1"}
            ).json()["items"]

        ticket = eventually(tickets)[0]
        assert ticket["subject"] == "product_quality"
        assert ticket["department"] == "production"

        def report() -> dict[str, Any] | None:
            body = httpx.get(f"{url['reporting']}/v1/reports/monthly/2026-11").json()
            return body if body["records"] == 1 else None

        monthly = eventually(report)
        assert (monthly["start"], monthly["end"]) == ("2026-10-26", "2026-11-25")
        assert monthly["product_quality"]["dissatisfied"] == 1
        assert monthly["service_quality"]["satisfied"] == 1

        done = httpx.get(f"{url['scheduler']}/v1/visits/{visit['visit_id']}").json()
        assert done["status"] == "done"
