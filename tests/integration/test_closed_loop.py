"""The closed loop (domain.md, "Complaints and corrective action") through the
survey's and the feedback's APIs on the real broker and database:

dissatisfied record → ticket at the right department → assign → resolve →
re-visit planned → dissatisfied re-visit reopens → resolve → satisfied
re-visit verifies; every event on its topic, once.

The scheduler, which plans the re-visit on `ticket_resolved`, is played by
this test: it produces the `visit_planned` events (kind `revisit`, with the
ticket id) onto the schedule topic itself. The end-to-end test runs the real
scheduler.
"""

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import FEEDBACK, SCHEDULE, SURVEY, TOPIC_OF
from schemas.survey import VisitCompleted
from schemas.types import VisitKind
from services.feedback.service import SERVICE as FEEDBACK_SERVICE
from services.kit import keys
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.service import SERVICE as SURVEY_SERVICE
from tests.support.auth import bearer, headers
from tests.support.processes import eventually
from tests.support.survey import (
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

REVISIT = VisitKind.REVISIT


def test_a_complaint_goes_round_the_loop_until_a_satisfied_revisit_closes_it(
    settings: Settings,
) -> None:
    with (
        TestClient(
            create_app(SURVEY_SERVICE, settings), headers=headers(settings)
        ) as survey,
        TestClient(
            create_app(FEEDBACK_SERVICE, settings), headers=headers(settings)
        ) as feedback,
    ):

        def plan(visit_id: str, kind: VisitKind, **subject: str) -> None:
            produce(settings, [visit_planned("C1", visit_id, kind, **subject)])
            wait_for_visit(survey, visit_id)

        def record(visit_id: str, kind: VisitKind, on: str, rating: str) -> Any:
            created = survey.post(
                "/v1/visit-records?wait=true",
                json=record_body(visit_id, kind, visited_on=on, product_quality=rating),
            )
            assert created.status_code == 201, created.text
            return created.json()

        def ticket_when(status: str) -> dict[str, Any]:
            def probe() -> dict[str, Any] | None:
                items = feedback.get("/v1/tickets", params={"customer_id": "C1"})
                found = items.json()["items"]
                return found[0] if found and found[0]["status"] == status else None

            found: dict[str, Any] = eventually(probe)
            return found

        # the production department's desk acts with its own key: every
        # event it appends names that key's actor
        key_id, key = keys.create(
            settings, role="handler", owner="李科长", department="production"
        )
        boss = f"李科长 (handler key {key_id})"

        def command(ticket_id: str, step: str, body: dict[str, str]) -> None:
            done = feedback.post(
                f"/v1/tickets/{ticket_id}/{step}?wait=true",
                json=body,
                headers=bearer(key),
            )
            assert done.status_code == 200, done.text

        plan("V1", VisitKind.TRIAL_RUN, unit_id="U1")
        first = record("V1", VisitKind.TRIAL_RUN, "2026-11-20", "dissatisfied")
        assert [c["subject"] for c in first["complaints"]] == ["product_quality"]

        ticket = ticket_when("open")
        assert (ticket["department"], ticket["record_no"]) == (
            "production",
            first["record_no"],
        )
        ticket_id = ticket["ticket_id"]
        command(ticket_id, "assign", {"assignee": "张工", "assigned_on": "2026-11-23"})
        command(
            ticket_id,
            "resolve",
            {"resolution": "换断路器", "resolved_on": "2026-11-25"},
        )

        # The scheduler's part: it plans the re-visit on ticket_resolved.
        plan("R1", REVISIT, ticket_id=ticket_id, unit_id="U1")
        dissatisfied = record("R1", REVISIT, "2026-11-26", "dissatisfied")
        assert dissatisfied["complaints"] == []  # a re-visit raises none
        reopened = ticket_when("reopened")
        assert reopened["revisits"] == [dissatisfied["record_no"]]

        command(
            ticket_id,
            "resolve",
            {"resolution": "整柜更换", "resolved_on": "2026-11-28"},
        )
        plan("R2", REVISIT, ticket_id=ticket_id, unit_id="U1")
        satisfied = record("R2", REVISIT, "2026-11-30", "satisfied")
        verified = ticket_when("verified")
        final = feedback.post(
            f"/v1/tickets/{ticket_id}/resolve",
            json={"resolution": "again"},
            headers=bearer(key),
        )
        history = feedback.get(f"/v1/tickets/{ticket_id}").json()["history"]

    assert verified["revisits"] == [dissatisfied["record_no"], satisfied["record_no"]]
    assert (verified["resolutions"], verified["verified_on"]) == (2, "2026-11-30")
    assert final.status_code == 409  # verified is final
    assert [(h["type"], h["actor"]) for h in history] == [
        ("ticket_opened", "feedback"),
        ("ticket_assigned", boss),
        ("ticket_resolved", boss),
        ("ticket_reopened", "feedback"),
        ("ticket_resolved", boss),
        ("ticket_verified", "feedback"),
    ]

    on = {t.name: events_on(settings, t) for t in (SCHEDULE, SURVEY, FEEDBACK)}
    for name, events in on.items():
        assert all(TOPIC_OF[e.type].name == name for e in events)
        ids = [e.event_id for e in events]
        assert len(ids) == len(set(ids)), f"an event twice on {name}"
    assert Counter(e.type for e in on["survey"]) == {
        "visit_completed": 3,
        "complaint_raised": 1,
    }
    assert Counter(e.type for e in on["feedback"]) == {
        "ticket_opened": 1,
        "ticket_assigned": 1,
        "ticket_resolved": 2,
        "ticket_reopened": 1,
        "ticket_verified": 1,
    }
    revisits = [
        e.payload
        for e in on["survey"]
        if isinstance(e, VisitCompleted) and e.payload.kind is REVISIT
    ]
    assert {p.ticket_id for p in revisits} == {ticket_id}
