"""Reporting's copy of a visit: its lifecycle from schedule facts, pure."""

from datetime import date
from functools import reduce
from itertools import permutations
from typing import Any

import pytest

from schemas.schedule import (
    VisitDue,
)
from services.reporting.domain.visit_copies import VisitCopy, evolve, visit_id_of
from tests.unit.reporting.builders import (
    ENVELOPE,
    IDS,
    cancelled,
    overdue,
    planned,
    rescheduled,
)


def fold(events: Any) -> VisitCopy | None:
    return reduce(evolve, events, None)


def test_a_plan_makes_the_copy_with_its_details() -> None:
    assert fold([planned()]) == VisitCopy(
        visit_id="V1",
        customer_id="C1",
        kind="trial_run",
        due_date=date(2026, 11, 1),
        latest_date=date(2026, 12, 1),
        channel="phone",
        region="east",
        product_model="KYN28",
        unit_id="U1",
    )


def test_a_move_keeps_details_it_does_not_know() -> None:
    copy = fold([planned(), rescheduled("2026-11-20")])
    assert copy is not None
    assert (copy.due_date, copy.channel, copy.region) == (
        date(2026, 11, 20),
        "on_site",
        "east",
    )
    moved = fold([planned(), rescheduled("2026-11-20", region="west")])
    assert moved is not None
    assert moved.region == "west"


def test_a_cancelled_visit_applies_again_when_planned_again() -> None:
    copy = fold([planned(), cancelled()])
    assert copy is not None
    assert copy.cancelled
    again = fold([planned(), cancelled(), planned()])
    assert again is not None
    assert not again.cancelled


@pytest.mark.parametrize(
    "order", list(permutations([overdue("2026-12-02"), overdue("2026-12-05")]))
)
def test_a_visit_went_overdue_on_the_first_announced_day(order: Any) -> None:
    copy = fold([planned(), *order])
    assert copy is not None
    assert copy.overdue_on == date(2026, 12, 2)


def test_an_overdue_before_its_plan_fills_in_kind_and_latest_date() -> None:
    copy = fold([overdue("2026-12-02")])
    assert copy == VisitCopy(
        visit_id="V1",
        customer_id="C1",
        kind="trial_run",
        latest_date=date(2026, 12, 1),
        overdue_on=date(2026, 12, 2),
    )
    planned_after = fold([overdue("2026-12-02"), planned(latest="2026-12-09")])
    assert planned_after is not None
    assert planned_after.latest_date == date(2026, 12, 9)
    assert planned_after.overdue_on == date(2026, 12, 2)


def test_other_schedule_facts_leave_the_copy_alone() -> None:
    due = VisitDue.model_validate(
        {
            **ENVELOPE,
            "payload": {
                **IDS, "kind": "trial_run", "due_date": "2026-11-01",
                "announced_on": "2026-11-01",
            },
        }
    )  # fmt: skip
    copy = fold([planned()])
    assert evolve(copy, due) is copy
    assert visit_id_of(due) is None
    assert visit_id_of(cancelled()) == "V1"
