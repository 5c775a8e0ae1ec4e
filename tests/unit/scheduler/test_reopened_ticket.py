"""Issue 7, failure 4: a reopened ticket resolved again on the same date must
be re-visited again. Dates by hand from domain.md: a revisit is due on the
resolution date and overdue 7 days after it."""

import json

from schemas.types import VisitKind
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.reconcile import Planned
from services.scheduler.domain.step import take_fact
from services.scheduler.snapshot import dump_facts, load_facts

from .builders import D, customer, done, reopened, resolved

FIRST = "HF-2026-05-0001"  # the dissatisfied revisit's record


def revisits(facts: CustomerFacts) -> list[tuple[str, str, str]]:
    return [
        (v.visit_id, v.due_date.isoformat(), v.latest_date.isoformat())
        for v in plan_customer(facts)
        if v.kind is VisitKind.REVISIT
    ]


def test_resolved_again_on_the_same_date_after_a_reopening_plans_a_second_revisit() -> (
    None
):
    facts = customer(
        resolved("t1", "2026-05-10"),
        done("t1:revisit:1", "2026-05-10"),
        reopened("t1", FIRST),
        resolved("t1", "2026-05-10"),
    )
    assert revisits(facts) == [
        ("t1:revisit:1", "2026-05-10", "2026-05-17"),
        ("t1:revisit:2", "2026-05-10", "2026-05-17"),
    ]


def test_the_second_resolution_is_published_as_a_new_visit() -> None:
    before = customer(
        resolved("t1", "2026-05-10"),
        done("t1:revisit:1", "2026-05-10"),
        reopened("t1", FIRST),
    )
    outcome = take_fact(before, {}, resolved("t1", "2026-05-10"), DEFAULT_POLICY)
    planned = {
        c.visit.visit_id: c.visit for c in outcome.changes if isinstance(c, Planned)
    }
    assert "t1:revisit:2" in planned
    second = planned["t1:revisit:2"]
    assert (second.due_date, second.latest_date) == (D("2026-05-10"), D("2026-05-17"))
    assert second.ticket_id == "t1"


def test_resent_resolutions_and_reopenings_add_nothing() -> None:
    facts = customer(
        resolved("t1", "2026-05-10"),
        resolved("t1", "2026-05-10"),  # the same resolution, resent
        reopened("t1", FIRST),
        reopened("t1", FIRST),  # the same reopening, resent
        resolved("t1", "2026-05-10"),
        resolved("t1", "2026-05-10"),  # the second resolution, resent
    )
    assert [v for v, _, _ in revisits(facts)] == ["t1:revisit:1", "t1:revisit:2"]


def test_each_reopening_answered_gets_its_revisit() -> None:
    facts = customer(
        resolved("t1", "2026-05-10"),
        reopened("t1", FIRST),
        resolved("t1", "2026-05-10"),
        reopened("t1", "HF-2026-05-0002"),
        resolved("t1", "2026-05-20"),
    )
    assert revisits(facts) == [
        ("t1:revisit:1", "2026-05-10", "2026-05-17"),
        ("t1:revisit:2", "2026-05-10", "2026-05-17"),
        ("t1:revisit:3", "2026-05-20", "2026-05-27"),
    ]


def test_reopenings_survive_the_snapshot() -> None:
    facts = customer(resolved("t1", "2026-05-10"), reopened("t1", FIRST))
    assert load_facts(json.loads(json.dumps(dump_facts(facts)))) == facts
    # The reopening is still waiting for its resolution after a reload.
    again = take_fact(
        load_facts(dump_facts(facts)), {}, resolved("t1", "2026-05-10"), DEFAULT_POLICY
    )
    assert [v for v, _, _ in revisits(again.facts)] == ["t1:revisit:1", "t1:revisit:2"]
