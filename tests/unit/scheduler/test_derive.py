"""The events one fact derives: stable ids, linked to their cause."""

from datetime import date

from schemas.codec import decode_obj
from schemas.envelope import Event
from schemas.schedule import (
    ThresholdCrossed,
    VisitCancelled,
    VisitEscalated,
    VisitPlanned,
    VisitRescheduled,
)
from schemas.types import EscalationTarget, VisitKind
from services.scheduler.domain.events import Fact
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.step import take_fact
from services.scheduler.domain.visit import Visit
from services.scheduler.events import derived_events
from tests.support.factories import powered_on

from .builders import contract, delivered, failed, installed, shipped
from .builders import powered_on as power_on_fact

CAUSE: Event = decode_obj(powered_on("c1", "u1", "2026-02-15"))


def derive_all(*facts: Fact) -> list[Event]:
    known, stored = CustomerFacts("c1"), dict[str, Visit]()
    out: list[Event] = []
    for fact in facts:
        outcome = take_fact(known, stored, fact, DEFAULT_POLICY)
        out = derived_events(outcome, CAUSE, on=date(2026, 3, 1), policy=DEFAULT_POLICY)
        known, stored = outcome.facts, outcome.visits
    return out


def test_planned_visits_carry_the_plan_and_their_cause() -> None:
    events = derive_all(
        contract(), shipped("u1", "2026-01-10"), power_on_fact("u1", "2026-02-15")
    )
    assert {type(e) for e in events} == {VisitPlanned}
    trial = next(
        e
        for e in events
        if isinstance(e, VisitPlanned) and e.payload.kind == "trial_run"
    )
    assert trial.payload.due_date == date(2026, 3, 15)
    assert trial.payload.product_model == "KYN28-12"
    assert trial.payload.region == "east"
    assert trial.key == "c1"
    assert trial.source == trial.actor == "scheduler"
    assert trial.causation_id == CAUSE.event_id
    assert trial.correlation_id == CAUSE.event_id
    assert trial.occurred_at == CAUSE.occurred_at


def test_ids_are_stable_for_the_same_cause_and_differ_by_change() -> None:
    facts = (shipped("u1", "2026-01-10"), power_on_fact("u1", "2026-02-15"))
    first, second = derive_all(*facts), derive_all(*facts)
    assert [e.event_id for e in first] == [e.event_id for e in second]
    assert len({e.event_id for e in first}) == len(first)


def test_a_correction_reschedules_and_cancels() -> None:
    events = derive_all(
        shipped("u1", "2026-01-10"),
        power_on_fact("u1", "2026-02-15"),
        power_on_fact("u1", "2027-09-01"),
    )
    kinds = {type(e) for e in events}
    assert kinds <= {VisitRescheduled, VisitCancelled}
    assert VisitCancelled in kinds


def test_every_move_carries_the_region_and_model_known_now() -> None:
    # A date move (the corrected power-on) and a details-only move (the
    # contract, registered last, names the region) both carry both.
    dated = derive_all(
        shipped("u1", "2026-01-10"),
        power_on_fact("u1", "2026-02-15"),
        power_on_fact("u1", "2026-03-01"),
    )
    moved = [e for e in dated if isinstance(e, VisitRescheduled)]
    assert moved
    assert len(moved) == len(dated)
    assert {(e.payload.region, e.payload.product_model) for e in moved} == {
        (None, "KYN28-12")
    }
    late_contract = derive_all(
        shipped("u1", "2026-01-10"), power_on_fact("u1", "2026-02-15"), contract()
    )
    regional = [e for e in late_contract if isinstance(e, VisitRescheduled)]
    assert regional
    assert len(regional) == len(late_contract)
    assert {(e.payload.region, e.payload.product_model) for e in regional} == {
        ("east", "KYN28-12")
    }
    assert {e.payload.reason for e in regional} == {"details changed: region"}


def test_the_third_failure_escalates_on_site_for_a_unit() -> None:
    events = derive_all(
        shipped("u1", "2026-01-10"),
        installed("u1", "2026-02-01"),
        power_on_fact("u1", "2026-02-15"),
        failed("u1:trial_run", 1),
        failed("u1:trial_run", 2),
        failed("u1:trial_run", 3),
    )
    escalated = [e for e in events if isinstance(e, VisitEscalated)]
    assert len(escalated) == 1
    payload = escalated[0].payload
    assert (payload.visit_id, payload.attempts) == ("u1:trial_run", 3)
    assert payload.escalated_to is EscalationTarget.ON_SITE
    assert payload.escalated_on == date(2026, 3, 1)


def test_crossing_the_threshold_is_announced_with_the_total() -> None:
    events = derive_all(
        contract("K1", "2500000", "2026-01-05"), contract("K2", "600000", "2026-02-01")
    )
    (crossed,) = events
    assert isinstance(crossed, ThresholdCrossed)
    assert str(crossed.payload.total_amount) == "3100000"
    assert crossed.payload.crossed_on == date(2026, 2, 1)
    assert crossed.payload.threshold == DEFAULT_POLICY.on_site_threshold


def test_a_retail_visit_escalates_to_the_store_manager() -> None:
    events = derive_all(
        delivered("o1", "2026-03-04"),
        *(failed("o1:retail_followup", n) for n in (1, 2, 3)),
    )
    (escalated,) = [e for e in events if isinstance(e, VisitEscalated)]
    assert escalated.payload.escalated_to is EscalationTarget.STORE_MANAGER
    assert escalated.payload.visit_id.endswith(VisitKind.RETAIL_FOLLOWUP)
