"""The SLA check decides against the tickets only once feedback applied the
log as it stood (issue 8: business-date commands ignored lag)."""

import time
from datetime import date

import pytest
from fastapi.testclient import TestClient

from services.feedback.service import SERVICE
from services.kit.db import connect
from services.kit.service import create_app
from services.kit.settings import Settings
from tests.integration.test_feedback_command_path import complaint, open_ticket
from tests.support.auth import headers
from tests.support.survey import produce

pytestmark = pytest.mark.integration


def test_an_sla_check_while_the_reactions_are_behind_is_503(
    settings: Settings,
) -> None:
    own = settings.model_copy(
        update={"wait_timeout_s": 1, "clock_date": date(2026, 12, 31)}
    )
    with TestClient(create_app(SERVICE, own), headers=headers(own)) as client:
        open_ticket(client, own)
        # The reactions' positions locked elsewhere: they cannot commit the
        # next complaint's ticket, so a check now would miss its breach.
        store = own.store_schema_for("feedback")
        with connect(own.database_url, store) as held:
            held.execute("SELECT 1 FROM consumer_positions FOR UPDATE").fetchall()
            produce(own, [complaint("C1", "HF-2026-11-0002-1", "2026-11-03")])
            refused = client.post("/v1/sla/check", params={"as_of": "2026-12-31"})
            held.rollback()
        assert refused.status_code == 503, refused.text
        assert "Retry-After" in refused.headers
        deadline = time.monotonic() + 30
        while (
            after := client.post("/v1/sla/check", params={"as_of": "2026-12-31"})
        ).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert after.status_code == 200, after.text
        breached = {a["ticket_id"] for a in after.json()["announced"]}
        assert breached == {"FB-2026-11-0001-1", "FB-2026-11-0002-1"}
