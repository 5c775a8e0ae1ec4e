from dataclasses import replace
from decimal import Decimal

from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.whatif import Difference, diff_plans

from .builders import (
    D,
    contract,
    customer,
    delivered,
    done,
    installed,
    powered_on,
    shipped,
)

UNIT = (
    contract("K1", "2600000", "2026-01-05"),
    shipped("u1", "2026-01-10"),
    installed("u1", "2026-02-20"),
    powered_on("u1", "2026-03-05"),
)


def test_same_policy_makes_no_difference() -> None:
    facts = {"c1": customer(*UNIT)}
    assert diff_plans(facts, DEFAULT_POLICY, DEFAULT_POLICY) == []


def test_a_lower_threshold_turns_a_customers_phone_visits_on_site() -> None:
    facts = {
        "c1": customer(*UNIT, done("u1:trial_run", "2026-04-06")),
        "c2": customer(delivered("o1", "2026-05-01"), customer_id="c2"),
    }
    what_if = replace(
        DEFAULT_POLICY, version="what-if", on_site_threshold=Decimal(2_500_000)
    )
    diffs = diff_plans(facts, DEFAULT_POLICY, what_if)
    assert [(d.customer_id, d.visit_id, d.difference) for d in diffs] == [
        ("c1", "u1:post_warranty_1", Difference.CHANNEL_CHANGED),
        ("c1", "u1:post_warranty_2", Difference.CHANNEL_CHANGED),
        # Replayed: the trial run was done after the crossing of 2026-01-05.
        ("c1", "u1:trial_run", Difference.CHANNEL_CHANGED),
        ("c1", "u1:warranty_12m", Difference.CHANNEL_CHANGED),
        ("c1", "u1:warranty_6m", Difference.CHANNEL_CHANGED),
    ]
    first = diffs[0]
    assert first.current is not None
    assert first.changed is not None
    assert first.changed.policy_version == "what-if"


def test_a_shorter_warranty_moves_and_removes_visits() -> None:
    facts = {"c1": customer(*UNIT)}
    shorter = replace(DEFAULT_POLICY, warranty_months_from_ship=6)
    diffs = diff_plans(facts, DEFAULT_POLICY, shorter)
    assert [(d.visit_id, d.difference) for d in diffs] == [
        ("u1:post_warranty_1", Difference.MOVED),
        ("u1:post_warranty_2", Difference.MOVED),
        ("u1:warranty_12m", Difference.MOVED),
        ("u1:warranty_6m", Difference.REMOVED),
    ]
    assert diffs[-1].changed is None


def test_a_longer_warranty_adds_the_dropped_warranty_6m() -> None:
    late = customer(shipped("u1", "2026-01-10"), powered_on("u1", "2027-03-01"))
    longer = replace(DEFAULT_POLICY, warranty_months_from_ship=24)
    added = [
        (d.visit_id, d.current, d.changed.due_date if d.changed else None)
        for d in diff_plans({"c1": late}, DEFAULT_POLICY, longer)
        if d.difference is Difference.ADDED
    ]
    assert added == [("u1:warranty_6m", None, D("2027-09-01"))]
