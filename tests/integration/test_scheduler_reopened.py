"""Issue 7, failure 4, through the real broker: a ticket resolved, reopened
by a dissatisfied re-visit and resolved again on the same date gets a second
re-visit (it used to get none: resolutions were deduplicated by date, so the
ticket stayed resolved forever)."""

import pytest

from services.kit.settings import Settings
from tests.support.scheduler import (
    counted,
    dead_letters,
    feed,
    schedule_events,
    scheduler,
    scheduler_settings,
    ticket_reopened,
    ticket_resolved,
    visit_completed,
    visits,
)

pytestmark = pytest.mark.integration


def test_a_reopened_ticket_resolved_again_the_same_day_is_revisited_again(
    settings: Settings,
) -> None:
    own = scheduler_settings(settings)
    with scheduler(own) as client:
        feed(client, [ticket_resolved("C1", "T1", "2026-12-01")])
        (first,) = visits(client, customer_id="C1", kind="revisit")
        assert first["visit_id"] == "T1:revisit:1"

        feed(
            client,
            [
                visit_completed(
                    "C1", "T1:revisit:1", "revisit", "2026-12-01", record_no="R-1"
                ),
                ticket_reopened("C1", "T1", "2026-12-01", record_no="R-1"),
                ticket_resolved("C1", "T1", "2026-12-01"),  # the same day again
            ],
        )
        revisits = {
            v["visit_id"]: v
            for v in visits(
                client, customer_id="C1", kind="revisit", as_of="2026-12-01"
            )
        }
        assert set(revisits) == {"T1:revisit:1", "T1:revisit:2"}
        assert revisits["T1:revisit:1"]["status"] == "done"
        second = revisits["T1:revisit:2"]
        assert (second["due_date"], second["latest_date"]) == (
            "2026-12-01",
            "2026-12-08",
        )
        assert (second["status"], second["ticket_id"]) == ("due", "T1")
        planned = counted(e for e in schedule_events(own) if e.type == "visit_planned")
        assert planned == {
            ("visit_planned", "T1:revisit:1"): 1,
            ("visit_planned", "T1:revisit:2"): 1,
        }
    assert dead_letters(own) == 0
