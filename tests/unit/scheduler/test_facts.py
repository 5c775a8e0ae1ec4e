from decimal import Decimal

from schemas.types import Channel
from services.scheduler.domain import events
from services.scheduler.domain.facts import (
    CustomerFacts,
    Unit,
    VisitOutcome,
    apply_fact,
)

from .builders import (
    D,
    contract,
    customer,
    delivered,
    done,
    failed,
    installed,
    powered_on,
    resolved,
    shipped,
)


def test_a_unit_fills_in_as_departments_report() -> None:
    facts = customer(
        shipped("u1", "2026-01-10"),
        installed("u1", "2026-02-20"),
        powered_on("u1", "2026-03-05"),
    )
    assert facts.units["u1"] == Unit(
        "u1", "K1", "KYN28-12", D("2026-01-10"), D("2026-02-20"), D("2026-03-05")
    )


def test_powered_on_before_shipped_gives_the_same_unit() -> None:
    in_order = customer(shipped("u1", "2026-01-10"), powered_on("u1", "2026-03-05"))
    reversed_ = customer(powered_on("u1", "2026-03-05"), shipped("u1", "2026-01-10"))
    assert reversed_ == in_order


def test_a_powered_on_alone_makes_a_unit_with_only_its_date() -> None:
    facts = customer(powered_on("u1", "2026-03-05"))
    assert facts.units["u1"] == Unit("u1", power_on_date=D("2026-03-05"))


def test_duplicate_facts_change_nothing() -> None:
    facts: list[events.Fact] = [
        contract(),
        shipped("u1", "2026-01-10"),
        powered_on("u1", "2026-03-05"),
        delivered("o1", "2026-03-04"),
        resolved("t1", "2026-04-01"),
        done("u1:trial_run", "2026-04-06"),
        failed("u1:warranty_6m", 1),
    ]
    assert customer(*facts, *facts) == customer(*facts)


def test_a_later_power_on_corrects_the_date() -> None:
    facts = customer(powered_on("u1", "2026-03-05"), powered_on("u1", "2026-04-02"))
    assert facts.units["u1"].power_on_date == D("2026-04-02")


def test_a_corrected_contract_replaces_the_amount() -> None:
    facts = customer(contract(amount="100"), contract(amount="250"))
    assert facts.contracts["K1"].amount == Decimal("250")


def test_resolutions_are_distinct_and_in_date_order() -> None:
    facts = customer(
        resolved("t1", "2026-06-01"),
        resolved("t1", "2026-05-10"),
        resolved("t1", "2026-06-01"),
    )
    assert facts.resolutions["t1"] == (D("2026-05-10"), D("2026-06-01"))


def test_failed_attempts_count_the_highest_attempt_number() -> None:
    facts = customer(failed("v", 2), failed("v", 1), failed("v", 2), failed("w", 1))
    assert facts.failed_attempts == {"v": 2, "w": 1}


def test_a_visit_record_keeps_what_the_scheduler_needs() -> None:
    facts = customer(
        done("v", "2026-04-06", unresolved_by_phone=True, channel=Channel.PHONE)
    )
    assert facts.outcomes["v"] == VisitOutcome(
        D("2026-04-06"), unresolved_by_phone=True, channel=Channel.PHONE
    )


def test_applying_a_fact_never_mutates_the_facts_it_was_given() -> None:
    before = CustomerFacts("c1")
    after = apply_fact(before, powered_on("u1", "2026-03-05"))
    assert before.units == {}
    assert "u1" in after.units
