"""Taking one fact in: plan, reconcile and the visits' lifecycle (service layer)."""

from collections.abc import Iterable
from decimal import Decimal

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain import events
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.reconcile import Cancelled, Planned, Rescheduled
from services.scheduler.domain.step import Outcome, follow_lifecycle, take_fact
from services.scheduler.domain.visit import Visit

from .builders import (
    D,
    contract,
    done,
    failed,
    installed,
    powered_on,
    shipped,
    visit,
)

UNIT = (
    contract(),
    shipped("u1", "2026-01-10"),
    installed("u1", "2026-02-01"),
    powered_on("u1", "2026-02-15"),
)


def take_all(
    facts: Iterable[events.Fact],
    start: tuple[CustomerFacts, dict[str, Visit]] | None = None,
) -> tuple[CustomerFacts, dict[str, Visit], list[Outcome]]:
    known, stored = start or (CustomerFacts("c1"), {})
    outcomes = []
    for fact in facts:
        outcome = take_fact(known, stored, fact, DEFAULT_POLICY)
        known, stored = outcome.facts, outcome.visits
        outcomes.append(outcome)
    return known, stored, outcomes


def test_a_unit_is_planned_as_its_facts_arrive() -> None:
    _, stored, outcomes = take_all(UNIT)
    assert outcomes[0].changes == []  # a contract alone plans nothing
    (first,) = outcomes[2].changes
    assert isinstance(first, Planned)
    assert first.visit.kind is VisitKind.PRE_POWER_ON
    assert {v.kind for v in stored.values()} == {
        VisitKind.PRE_POWER_ON,
        VisitKind.TRIAL_RUN,
        VisitKind.WARRANTY_6M,
        VisitKind.WARRANTY_12M,
        VisitKind.POST_WARRANTY_1,
        VisitKind.POST_WARRANTY_2,
    }
    assert all(v.status is VisitStatus.PLANNED for v in stored.values())


def test_a_duplicate_fact_changes_nothing() -> None:
    known, stored, _ = take_all(UNIT)
    again = take_fact(known, stored, powered_on("u1", "2026-02-15"), DEFAULT_POLICY)
    assert again.changes == []
    assert again.visits == stored
    assert again.escalated == []
    assert again.threshold_crossed_on is None


def test_a_corrected_power_on_reschedules_the_open_visits() -> None:
    known, stored, _ = take_all(UNIT)
    outcome = take_fact(known, stored, powered_on("u1", "2026-03-01"), DEFAULT_POLICY)
    moved = {c.visit.visit_id: c for c in outcome.changes if isinstance(c, Rescheduled)}
    assert moved["u1:trial_run"].previous_due_date == D("2026-03-15")
    assert outcome.visits["u1:trial_run"].due_date == D("2026-04-01")


def test_a_recorded_visit_is_done_and_stays_done_after_a_correction() -> None:
    known, stored, _ = take_all(UNIT)
    closing = take_fact(
        known, stored, done("u1:trial_run", "2026-03-20"), DEFAULT_POLICY
    )
    assert closing.visits["u1:trial_run"].status is VisitStatus.DONE
    assert closing.changes == []  # closing a visit moves nothing
    later = take_fact(
        closing.facts, closing.visits, powered_on("u1", "2026-04-01"), DEFAULT_POLICY
    )
    assert later.visits["u1:trial_run"].status is VisitStatus.DONE
    assert later.visits["u1:trial_run"].due_date == D("2026-03-15")
    assert "u1:trial_run" not in {
        c.visit.visit_id for c in later.changes if not isinstance(c, Cancelled)
    }


def test_a_record_that_comes_before_its_plan_closes_the_visit_once_planned() -> None:
    _, stored, _ = take_all([done("u1:trial_run", "2026-03-20"), *UNIT])
    assert stored["u1:trial_run"].status is VisitStatus.DONE
    assert stored["u1:warranty_6m"].status is VisitStatus.PLANNED


def test_the_third_failed_attempt_escalates_once_and_goes_on_site() -> None:
    known, stored, _ = take_all(UNIT)
    _, stored, outcomes = take_all(
        [failed("u1:trial_run", 1), failed("u1:trial_run", 2)], (known, stored)
    )
    assert all(o.escalated == [] for o in outcomes)
    assert stored["u1:trial_run"].failed_attempts == 2
    known, stored, (third,) = take_all(
        [failed("u1:trial_run", 3)], (outcomes[-1].facts, stored)
    )
    assert [v.visit_id for v in third.escalated] == ["u1:trial_run"]
    assert stored["u1:trial_run"].status is VisitStatus.ESCALATED
    assert stored["u1:trial_run"].channel is Channel.ON_SITE
    (moved,) = third.changes
    assert isinstance(moved, Rescheduled)
    assert moved.reason == "channel phone -> on_site"
    _, _, (redelivered,) = take_all([failed("u1:trial_run", 3)], (known, stored))
    assert redelivered.escalated == []


def test_attempts_before_the_plan_escalate_when_the_visit_is_planned() -> None:
    early = [failed("u1:trial_run", n) for n in (1, 2, 3)]
    _, stored, outcomes = take_all([*early, *UNIT])
    escalated = [v.visit_id for o in outcomes for v in o.escalated]
    assert escalated == ["u1:trial_run"]
    assert stored["u1:trial_run"].status is VisitStatus.ESCALATED


def test_the_threshold_is_reported_once_when_first_crossed() -> None:
    known, stored, outcomes = take_all(
        [
            *UNIT,
            contract("K2", "2000000", "2026-03-01"),
            contract("K3", "1000000", "2026-04-01"),
            contract("K4", "500000", "2026-05-01"),
        ]
    )
    crossed = [o.threshold_crossed_on for o in outcomes]
    assert crossed == [None] * 5 + [D("2026-04-01"), None]
    assert sum(c.amount for c in known.contracts.values()) == Decimal("3600000")
    open_channels = {
        v.channel for v in stored.values() if v.kind is not VisitKind.PRE_POWER_ON
    }
    assert open_channels == {Channel.ON_SITE}


def test_a_visit_the_plan_no_longer_has_is_cancelled() -> None:
    # Power-on corrected to more than 18 months after shipping: the warranty
    # ends before the unit runs, so no visit of a running unit is left.
    known, stored, _ = take_all(UNIT)
    outcome = take_fact(known, stored, powered_on("u1", "2027-09-01"), DEFAULT_POLICY)
    cancelled = {c.visit_id for c in outcome.changes if isinstance(c, Cancelled)}
    assert "u1:warranty_6m" in cancelled
    assert outcome.visits["u1:warranty_6m"].status is VisitStatus.CANCELLED


def test_a_cancelled_visit_that_comes_back_is_planned_again() -> None:
    known, stored, _ = take_all(UNIT)
    gone = take_fact(known, stored, powered_on("u1", "2027-09-01"), DEFAULT_POLICY)
    back = take_fact(
        gone.facts, gone.visits, powered_on("u1", "2026-02-15"), DEFAULT_POLICY
    )
    planned = {c.visit.visit_id for c in back.changes if isinstance(c, Planned)}
    assert "u1:warranty_6m" in planned
    assert back.visits["u1:warranty_6m"].status is VisitStatus.PLANNED


def test_lifecycle_leaves_closed_visits_closed() -> None:
    known = CustomerFacts("c1", failed_attempts={"u1:warranty_6m": 5})
    cancelled = visit(status=VisitStatus.CANCELLED)
    after = follow_lifecycle({cancelled.visit_id: cancelled}, known, DEFAULT_POLICY)
    assert after[cancelled.visit_id].status is VisitStatus.CANCELLED
    assert after[cancelled.visit_id].failed_attempts == 5


def test_a_model_learnt_late_moves_the_open_visits_not_the_done_one() -> None:
    # The shipment names the model after the power-on planned the visits, and
    # after the trial-run visit was made: the open ones move to carry it.
    early = (powered_on("u1", "2026-02-15"), done("u1:trial_run", "2026-03-16"))
    known, stored, _ = take_all(early)
    outcome = take_fact(known, stored, shipped("u1", "2026-01-10"), DEFAULT_POLICY)
    moved = {c.visit.visit_id: c for c in outcome.changes if isinstance(c, Rescheduled)}
    assert len(moved) == len(outcome.changes)
    assert set(moved) == {v for v in stored if v != "u1:trial_run"}
    assert {c.visit.product_model for c in moved.values()} == {"KYN28-12"}
    assert outcome.visits["u1:trial_run"] == stored["u1:trial_run"]
    assert outcome.visits["u1:warranty_6m"].product_model == "KYN28-12"
