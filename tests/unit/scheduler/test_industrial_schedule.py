"""domain.md, "The visit schedule of an industrial unit"."""

from datetime import date

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain import events
from services.scheduler.domain.facts import Unit
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.schedule import warranty_end
from services.scheduler.domain.status import visit_status
from services.scheduler.domain.visit import open_visit

from .builders import (
    D,
    contract,
    customer,
    dates,
    installed,
    powered_on,
    shipped,
    unit_plan,
)

K = VisitKind


def plan_of(*facts: events.Fact) -> dict[VisitKind, tuple[str, str]]:
    return dates(unit_plan(plan_customer(customer(*facts))))


def test_a_commissioned_unit_gets_the_whole_table() -> None:
    assert plan_of(
        shipped("u1", "2026-01-10"),
        installed("u1", "2026-02-20"),
        powered_on("u1", "2026-03-05"),
    ) == {
        K.PRE_POWER_ON: ("2026-02-20", "2026-03-20"),
        K.TRIAL_RUN: ("2026-04-05", "2026-05-05"),
        K.WARRANTY_6M: ("2026-09-05", "2026-10-05"),
        K.WARRANTY_12M: ("2027-03-05", "2027-04-05"),
        K.POST_WARRANTY_1: ("2028-03-05", "2028-04-05"),
        K.POST_WARRANTY_2: ("2029-03-05", "2029-04-05"),
    }


def test_month_ends_are_clamped() -> None:
    assert plan_of(shipped("u1", "2026-01-10"), powered_on("u1", "2026-01-31")) == {
        K.TRIAL_RUN: ("2026-02-28", "2026-03-28"),
        K.WARRANTY_6M: ("2026-07-31", "2026-08-31"),
        K.WARRANTY_12M: ("2027-01-31", "2027-02-28"),
        K.POST_WARRANTY_1: ("2028-01-31", "2028-02-29"),
        K.POST_WARRANTY_2: ("2029-01-31", "2029-02-28"),
    }


def test_power_on_on_a_leap_day() -> None:
    assert plan_of(shipped("u1", "2027-12-01"), powered_on("u1", "2028-02-29")) == {
        K.TRIAL_RUN: ("2028-03-29", "2028-04-29"),
        K.WARRANTY_6M: ("2028-08-29", "2028-09-29"),
        K.WARRANTY_12M: ("2029-02-28", "2029-03-28"),
        K.POST_WARRANTY_1: ("2030-02-28", "2030-03-28"),
        K.POST_WARRANTY_2: ("2031-02-28", "2031-03-28"),
    }


def test_feb_28_of_a_common_year_plus_12_months_stays_the_28th() -> None:
    plan = plan_of(shipped("u1", "2027-01-10"), powered_on("u1", "2027-02-28"))
    assert plan[K.WARRANTY_12M] == ("2028-02-28", "2028-03-28")


def test_late_power_on_lets_ship_plus_18_months_end_the_warranty() -> None:
    # Power-on 14 months after shipping: the warranty ends at ship + 18 months,
    # before power-on + 6 months, so the warranty_6m visit is dropped.
    assert plan_of(shipped("u1", "2026-01-10"), powered_on("u1", "2027-03-01")) == {
        K.TRIAL_RUN: ("2027-04-01", "2027-05-01"),
        K.WARRANTY_12M: ("2027-07-10", "2027-08-10"),
        K.POST_WARRANTY_1: ("2028-07-10", "2028-08-10"),
        K.POST_WARRANTY_2: ("2029-07-10", "2029-08-10"),
    }


def test_ship_plus_18_months_into_a_leap_february() -> None:
    plan = plan_of(shipped("u1", "2026-08-31"), powered_on("u1", "2027-06-15"))
    assert plan[K.WARRANTY_6M] == ("2027-12-15", "2028-01-15")
    assert plan[K.WARRANTY_12M] == ("2028-02-29", "2028-03-29")
    assert plan[K.POST_WARRANTY_1] == ("2029-02-28", "2029-03-28")


def test_warranty_6m_on_the_warranty_end_itself_is_kept() -> None:
    plan = plan_of(shipped("u1", "2026-01-10"), powered_on("u1", "2027-01-10"))
    assert plan[K.WARRANTY_6M] == plan[K.WARRANTY_12M] == ("2027-07-10", "2027-08-10")


def test_warranty_over_before_power_on_plans_no_visit_before_power_on() -> None:
    # Power-on 20 months after shipping: the warranty ended (2027-07-10) before
    # the unit ran, so there is no in-warranty visit at all.
    assert plan_of(shipped("u1", "2026-01-10"), powered_on("u1", "2027-09-01")) == {
        K.TRIAL_RUN: ("2027-10-01", "2027-11-01"),
        K.POST_WARRANTY_1: ("2028-07-10", "2028-08-10"),
        K.POST_WARRANTY_2: ("2029-07-10", "2029-08-10"),
    }


def test_warranty_end_is_the_earlier_of_the_two_limits() -> None:
    unit = Unit("u1", ship_date=D("2026-01-10"), power_on_date=D("2026-03-05"))
    assert warranty_end(unit, DEFAULT_POLICY) == D("2027-03-05")
    late = Unit("u1", ship_date=D("2026-01-10"), power_on_date=D("2026-09-05"))
    assert warranty_end(late, DEFAULT_POLICY) == D("2027-07-10")


def test_without_ship_date_power_on_plus_12_months_ends_the_warranty() -> None:
    unit = Unit("u1", power_on_date=D("2026-03-05"))
    assert warranty_end(unit, DEFAULT_POLICY) == D("2027-03-05")
    assert warranty_end(Unit("u1", ship_date=D("2026-01-10")), DEFAULT_POLICY) is None


def test_powered_on_before_shipped_plans_the_same_visits() -> None:
    facts: list[events.Fact] = [
        shipped("u1", "2026-01-10"),
        powered_on("u1", "2027-03-01"),
    ]
    assert plan_of(*reversed(facts)) == plan_of(*facts)


def test_pre_power_on_needs_the_installed_date() -> None:
    assert plan_of(shipped("u1", "2026-01-10")) == {}
    assert plan_of(shipped("u1", "2026-01-10"), installed("u1", "2026-02-20")) == {
        K.PRE_POWER_ON: ("2026-02-20", "2026-03-20")
    }
    assert K.PRE_POWER_ON not in plan_of(powered_on("u1", "2026-03-05"))


def test_visit_ids_refs_region_and_policy_version() -> None:
    plan = plan_customer(
        customer(
            contract(region="east"),
            shipped("u1", "2026-01-10"),
            installed("u1", "2026-02-20"),
        )
    )
    assert len(plan) == 1
    visit = plan[0]
    assert visit.visit_id == "u1:pre_power_on"
    assert (visit.customer_id, visit.unit_id, visit.region) == ("c1", "u1", "east")
    assert visit.product_model == "KYN28-12"
    assert visit.policy_version == DEFAULT_POLICY.version
    assert (visit.order_id, visit.store_id, visit.ticket_id) == (None, None, None)


def test_a_visit_already_past_is_still_planned_and_due_or_overdue_at_once() -> None:
    plan = unit_plan(
        plan_customer(
            customer(shipped("u1", "2020-01-10"), powered_on("u1", "2020-03-05"))
        )
    )
    assert len(plan) == 5
    today = date(2026, 6, 1)
    assert visit_status(open_visit(plan[K.TRIAL_RUN]), today) is VisitStatus.OVERDUE
    assert all(v.channel is Channel.PHONE for v in plan.values())


def test_units_are_planned_independently() -> None:
    plan = plan_customer(
        customer(powered_on("u1", "2026-03-05"), powered_on("u2", "2026-05-01"))
    )
    assert {v.unit_id for v in plan} == {"u1", "u2"}
    assert unit_plan(plan, "u2")[K.TRIAL_RUN].due_date == D("2026-06-01")


def test_a_units_region_is_its_contracts_else_the_customers() -> None:
    two_regions = plan_customer(
        customer(
            contract("K1", region="east"),
            contract("K2", region="west"),
            shipped("u1", "2026-01-10", contract_id="K2"),
            installed("u1", "2026-02-20"),
        )
    )
    assert [v.region for v in two_regions] == ["west"]
    # Installed reported before shipped: the contract is not known yet.
    early = plan_customer(customer(contract("K1"), installed("u1", "2026-02-20")))
    assert [v.region for v in early] == ["east"]
