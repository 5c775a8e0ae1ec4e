"""domain.md, "Channel": phone by default, on site by threshold or by need."""

from dataclasses import replace
from decimal import Decimal

from schemas.types import Channel, VisitKind
from services.scheduler.domain import events
from services.scheduler.domain.channel import threshold_crossed_on
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.reconcile import Rescheduled, reconcile

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
    stored,
    unit_plan,
)

K = VisitKind
PHONE, ON_SITE = Channel.PHONE, Channel.ON_SITE
UNIT = (
    shipped("u1", "2026-01-10"),
    installed("u1", "2026-02-20"),
    powered_on("u1", "2026-03-05"),
)
BELOW = (
    contract("K1", "1000000", "2026-01-05"),
    contract("K2", "1500000", "2026-02-01"),
)
CROSSING = contract("K3", "600000", "2026-05-10")


def channels(*facts: events.Fact, unit_id: str = "u1") -> dict[VisitKind, Channel]:
    plan = unit_plan(plan_customer(customer(*facts)), unit_id)
    return {kind: v.channel for kind, v in plan.items()}


def test_phone_by_default_and_pre_power_on_always_on_site() -> None:
    assert channels(*UNIT, *BELOW) == {
        K.PRE_POWER_ON: ON_SITE,
        K.TRIAL_RUN: PHONE,
        K.WARRANTY_6M: PHONE,
        K.WARRANTY_12M: PHONE,
        K.POST_WARRANTY_1: PHONE,
        K.POST_WARRANTY_2: PHONE,
    }


def test_threshold_is_crossed_by_the_contract_that_reaches_it() -> None:
    assert threshold_crossed_on(customer(*BELOW), DEFAULT_POLICY) is None
    crossed = customer(CROSSING, *BELOW)  # registered order, not arrival order
    assert threshold_crossed_on(crossed, DEFAULT_POLICY) == D("2026-05-10")


def test_exactly_the_threshold_counts_and_a_cent_less_does_not() -> None:
    exact = customer(contract("K1", "3000000.00", "2026-03-01"))
    short = customer(contract("K1", "2999999.99", "2026-03-01"))
    assert threshold_crossed_on(exact, DEFAULT_POLICY) == D("2026-03-01")
    assert threshold_crossed_on(short, DEFAULT_POLICY) is None


def test_a_lower_what_if_threshold_is_crossed_earlier() -> None:
    what_if = replace(DEFAULT_POLICY, on_site_threshold=Decimal("2500000"))
    assert threshold_crossed_on(customer(*BELOW), what_if) == D("2026-02-01")


def test_crossing_the_threshold_turns_open_visits_on_site_and_done_ones_stay() -> None:
    history = (
        *UNIT,
        *BELOW,
        done("u1:pre_power_on", "2026-02-25", channel=ON_SITE),
        done("u1:trial_run", "2026-04-06", channel=PHONE),
    )
    before = plan_customer(customer(*history))
    after = plan_customer(customer(*history, CROSSING))
    assert {v.kind: v.channel for v in after} == {
        K.PRE_POWER_ON: ON_SITE,
        K.TRIAL_RUN: PHONE,  # done by phone before the crossing
        K.WARRANTY_6M: ON_SITE,
        K.WARRANTY_12M: ON_SITE,
        K.POST_WARRANTY_1: ON_SITE,
        K.POST_WARRANTY_2: ON_SITE,
    }
    read_model = stored(before, done_ids={"u1:pre_power_on", "u1:trial_run"})
    changes = reconcile(read_model, after)
    assert [c.visit.visit_id for c in changes if isinstance(c, Rescheduled)] == [
        "u1:warranty_6m",
        "u1:warranty_12m",
        "u1:post_warranty_1",
        "u1:post_warranty_2",
    ]
    assert len(changes) == 4
    assert all(
        isinstance(c, Rescheduled) and c.reason == "channel phone -> on_site"
        for c in changes
    )


def test_without_a_recorded_channel_a_done_visit_follows_the_crossing_date() -> None:
    early = channels(*UNIT, *BELOW, CROSSING, done("u1:trial_run", "2026-05-09"))
    late = channels(*UNIT, *BELOW, CROSSING, done("u1:trial_run", "2026-05-10"))
    assert early[K.TRIAL_RUN] is PHONE
    assert late[K.TRIAL_RUN] is ON_SITE


def test_unresolved_by_phone_turns_the_units_next_visit_on_site() -> None:
    # The pre_power_on visit is still open but older than the record: not it.
    got = channels(
        *UNIT,
        powered_on("u2", "2026-03-05"),
        done("u1:trial_run", "2026-04-06", unresolved_by_phone=True),
    )
    assert got[K.WARRANTY_6M] is ON_SITE
    assert got[K.WARRANTY_12M] is PHONE
    other_unit = channels(
        *UNIT,
        powered_on("u2", "2026-03-05"),
        done("u1:trial_run", "2026-04-06", unresolved_by_phone=True),
        unit_id="u2",
    )
    assert set(other_unit.values()) == {PHONE}


def test_the_next_visit_is_the_one_made_after_the_record() -> None:
    record = done("u1:pre_power_on", "2026-02-25", unresolved_by_phone=True)
    assert channels(*UNIT, record)[K.TRIAL_RUN] is ON_SITE
    # Once the trial run was made (on site), the warranty visit is by phone.
    after_trial = channels(*UNIT, record, done("u1:trial_run", "2026-04-06"))
    assert after_trial[K.WARRANTY_6M] is PHONE


def test_a_record_naming_its_unit_scopes_the_rule_even_if_no_longer_planned() -> None:
    record = events.VisitCompleted(
        "u1:old_visit", D("2026-04-06"), unresolved_by_phone=True, unit_id="u1"
    )
    got = channels(*UNIT, done("u1:trial_run", "2026-04-06"), record)
    assert got[K.WARRANTY_6M] is ON_SITE


def test_unresolved_retail_followup_turns_the_customers_next_visit_on_site() -> None:
    plan = plan_customer(
        customer(
            delivered("o1", "2026-11-25"),
            delivered("o2", "2026-12-02"),
            delivered("o3", "2026-12-09"),
            done("o1:retail_followup", "2026-12-01", unresolved_by_phone=True),
        )
    )
    assert [v.channel for v in plan] == [PHONE, ON_SITE, PHONE]


def test_unresolved_revisit_turns_the_customers_next_visit_on_site() -> None:
    plan = plan_customer(
        customer(
            resolved("t1", "2026-05-10"),
            done("t1:revisit:1", "2026-05-11", unresolved_by_phone=True),
            delivered("o1", "2026-05-20"),
        )
    )
    assert [(v.visit_id, v.channel) for v in plan] == [
        ("t1:revisit:1", PHONE),
        ("o1:retail_followup", ON_SITE),
    ]


def test_three_failed_attempts_send_an_industrial_visit_on_site() -> None:
    two = channels(*UNIT, failed("u1:trial_run", 1), failed("u1:trial_run", 2))
    three = channels(*UNIT, failed("u1:trial_run", 2), failed("u1:trial_run", 3))
    assert two[K.TRIAL_RUN] is PHONE
    assert three[K.TRIAL_RUN] is ON_SITE


def test_three_failed_attempts_leave_a_retail_visit_to_the_store_manager() -> None:
    (visit,) = plan_customer(
        customer(delivered("o1", "2026-11-25"), failed("o1:retail_followup", 3))
    )
    assert visit.channel is PHONE


def test_contracts_are_summed_in_registration_order_not_id_order() -> None:
    facts = customer(
        contract("A", "600000", "2026-05-10"),
        contract("B", "1000000", "2026-01-05"),
        contract("C", "1500000", "2026-02-01"),
    )
    assert threshold_crossed_on(facts, DEFAULT_POLICY) == D("2026-05-10")


def test_a_done_visit_keeps_the_channel_its_record_names() -> None:
    got = channels(
        *UNIT,
        *BELOW,
        CROSSING,
        done("u1:trial_run", "2026-06-01", channel=PHONE),  # after the crossing
        done("u1:warranty_6m", "2026-09-07", channel=PHONE),
    )
    assert (got[K.TRIAL_RUN], got[K.WARRANTY_6M]) == (PHONE, PHONE)
    assert channels(*UNIT, done("u1:trial_run", "2026-04-06", channel=ON_SITE))[
        K.TRIAL_RUN
    ] is (ON_SITE)


def test_a_visit_already_made_before_the_record_is_not_the_next_one() -> None:
    # The trial run was made first; the late pre_power_on record comes after it.
    got = channels(
        *UNIT,
        done("u1:trial_run", "2026-04-06"),
        done("u1:pre_power_on", "2026-04-10", unresolved_by_phone=True),
    )
    assert got[K.WARRANTY_6M] is ON_SITE
