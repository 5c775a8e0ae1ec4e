from dataclasses import replace
from datetime import date

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.reconcile import (
    Cancelled,
    Change,
    Planned,
    Rescheduled,
    apply_changes,
    reconcile,
)
from services.scheduler.domain.visit import VisitPlan, open_visit

from .builders import (
    D,
    contract,
    customer,
    done,
    installed,
    powered_on,
    shipped,
    stored,
    visit,
)

UNIT = (
    shipped("u1", "2026-01-10"),
    installed("u1", "2026-02-01"),
    powered_on("u1", "2026-02-15"),
)


def planned(
    visit_id: str = "u1:warranty_6m",
    due: str = "2026-06-01",
    latest: str = "2026-07-01",
) -> VisitPlan:
    return VisitPlan(
        "c1",
        visit_id,
        VisitKind.WARRANTY_6M,
        D(due),
        D(latest),
        Channel.PHONE,
        "2026.1",
        unit_id="u1",
        region="east",
    )


def test_a_first_plan_is_all_new_in_due_date_order() -> None:
    # domain.md's table for installed 02-01, power-on 02-15 (warranty end
    # 2027-02-15, power-on + 12 months, before shipment + 18 months), each
    # latest a month after its due date; pre-power-on is always on site.
    def unit_visit(kind: VisitKind, due: str, latest: str) -> VisitPlan:
        on_site = kind is VisitKind.PRE_POWER_ON
        return VisitPlan(
            "c1",
            f"u1:{kind.value}",
            kind,
            D(due),
            D(latest),
            Channel.ON_SITE if on_site else Channel.PHONE,
            "2026.1",
            unit_id="u1",
            product_model="KYN28-12",
        )

    expected = [
        unit_visit(VisitKind.PRE_POWER_ON, "2026-02-01", "2026-03-01"),
        unit_visit(VisitKind.TRIAL_RUN, "2026-03-15", "2026-04-15"),
        unit_visit(VisitKind.WARRANTY_6M, "2026-08-15", "2026-09-15"),
        unit_visit(VisitKind.WARRANTY_12M, "2027-02-15", "2027-03-15"),
        unit_visit(VisitKind.POST_WARRANTY_1, "2028-02-15", "2028-03-15"),
        unit_visit(VisitKind.POST_WARRANTY_2, "2029-02-15", "2029-03-15"),
    ]
    plan = plan_customer(customer(*UNIT))
    changes = reconcile({}, reversed(plan))
    assert changes == [Planned(v) for v in expected]


def test_an_open_visit_whose_dates_changed_is_rescheduled() -> None:
    changes = reconcile(
        {"u1:warranty_6m": visit()}, [planned(due="2026-06-10", latest="2026-07-10")]
    )
    assert changes == [
        Rescheduled(
            planned(due="2026-06-10", latest="2026-07-10"),
            previous_due_date=D("2026-06-01"),
            reason="due_date 2026-06-01 -> 2026-06-10; "
            "latest_date 2026-07-01 -> 2026-07-10",
        )
    ]


def test_an_unchanged_visit_and_a_new_policy_version_change_nothing() -> None:
    assert reconcile({"u1:warranty_6m": visit()}, [planned()]) == []
    new_version = replace(planned(), policy_version="2027.1")
    assert reconcile({"u1:warranty_6m": visit()}, [new_version]) == []


def test_an_open_visit_no_longer_planned_is_cancelled() -> None:
    assert reconcile({"u1:warranty_6m": visit()}, []) == [
        Cancelled(
            "c1",
            "u1:warranty_6m",
            D("2026-06-01"),
            "warranty_6m no longer applies to the known facts",
        )
    ]


def test_an_escalated_visit_is_still_open_and_moves() -> None:
    escalated = visit(status=VisitStatus.ESCALATED)
    changes = reconcile({"u1:warranty_6m": escalated}, [planned(due="2026-06-10")])
    assert [type(c) for c in changes] == [Rescheduled]
    assert reconcile({"u1:warranty_6m": escalated}, []) != []


def test_a_done_visit_never_changes_and_is_never_cancelled() -> None:
    done_visit = visit(status=VisitStatus.DONE)
    assert reconcile({"u1:warranty_6m": done_visit}, [planned(due="2026-09-01")]) == []
    assert reconcile({"u1:warranty_6m": done_visit}, []) == []


def test_a_cancelled_visit_back_in_the_plan_is_planned_again() -> None:
    gone = visit(status=VisitStatus.CANCELLED)
    assert reconcile({"u1:warranty_6m": gone}, [planned()]) == [Planned(planned())]
    assert reconcile({"u1:warranty_6m": gone}, []) == []


def test_changes_are_ordered_by_due_date_then_visit_id() -> None:
    read_model = {
        "b": visit("b", "2026-03-01"),
        "z": visit("z", "2026-02-01"),
    }
    changes = reconcile(
        read_model,
        [
            planned("a", "2026-03-01"),
            planned("c", "2026-01-01"),
            planned("z", "2026-04-01"),
        ],
    )
    assert [(type(c).__name__, _id(c)) for c in changes] == [
        ("Planned", "c"),
        ("Planned", "a"),
        ("Cancelled", "b"),
        ("Rescheduled", "z"),
    ]


def _id(change: Change) -> str:
    return change.visit_id if isinstance(change, Cancelled) else change.visit.visit_id


def _due(change: Change) -> date:
    return change.due_date if isinstance(change, Cancelled) else change.visit.due_date


def test_corrected_power_on_after_visits_were_done() -> None:
    history = (
        *UNIT,
        done("u1:pre_power_on", "2026-02-03"),
        done("u1:trial_run", "2026-03-16"),
    )
    read_model = stored(
        plan_customer(customer(*history)), {"u1:pre_power_on", "u1:trial_run"}
    )
    # The power-on was in fact a year later: the warranty now ends at ship +
    # 18 months (2027-07-10), before power-on + 6 months.
    corrected = plan_customer(customer(*history, powered_on("u1", "2027-01-20")))
    changes = reconcile(read_model, corrected)
    summary = [(type(c).__name__, _id(c), _due(c)) for c in changes]
    assert summary == [
        ("Cancelled", "u1:warranty_6m", D("2026-08-15")),
        ("Rescheduled", "u1:warranty_12m", D("2027-07-10")),
        ("Rescheduled", "u1:post_warranty_1", D("2028-07-10")),
        ("Rescheduled", "u1:post_warranty_2", D("2029-07-10")),
    ]
    moved = changes[1]
    assert isinstance(moved, Rescheduled)
    assert moved.previous_due_date == D("2027-02-15")


def test_a_late_shipment_brings_the_warranty_end_forward() -> None:
    before = plan_customer(customer(powered_on("u1", "2026-06-01")))
    after = plan_customer(
        customer(powered_on("u1", "2026-06-01"), shipped("u1", "2025-10-15"))
    )
    changes = reconcile(stored(before), after)
    # The shipment also names the model: the visits whose dates stay move too.
    assert [(_id(c), _due(c), _reason(c)) for c in changes] == [
        ("u1:trial_run", D("2026-07-01"), "details changed: product_model"),
        ("u1:warranty_6m", D("2026-12-01"), "details changed: product_model"),
        (
            "u1:warranty_12m",
            D("2027-04-15"),
            "due_date 2027-06-01 -> 2027-04-15; latest_date 2027-07-01 -> "
            "2027-05-15; details changed: product_model",
        ),
        ("u1:post_warranty_1", D("2028-04-15"), _moved_a_year("2028")),
        ("u1:post_warranty_2", D("2029-04-15"), _moved_a_year("2029")),
    ]


def _reason(change: Change) -> str:
    return "" if isinstance(change, Planned) else change.reason


def _moved_a_year(year: str) -> str:
    return (
        f"due_date {year}-06-01 -> {year}-04-15; latest_date {year}-07-01 -> "
        f"{year}-05-15; details changed: product_model"
    )


def test_unchanged_details_publish_nothing() -> None:
    facts = customer(*UNIT, contract())
    plan = plan_customer(facts)
    assert {(v.region, v.product_model) for v in plan} == {("east", "KYN28-12")}
    assert reconcile(stored(plan), plan) == []


def test_a_model_learnt_late_moves_each_open_visit_once_with_the_model() -> None:
    early = plan_customer(customer(powered_on("u1", "2026-02-15")))
    assert {v.product_model for v in early} == {None}
    # Shipped recently: the warranty end (power-on + 12 months) stays.
    late = plan_customer(
        customer(powered_on("u1", "2026-02-15"), shipped("u1", "2026-01-10"))
    )
    changes = reconcile(stored(early), late)
    assert {_id(c) for c in changes} == {v.visit_id for v in early}
    for change in changes:
        assert isinstance(change, Rescheduled)
        assert change.reason == "details changed: product_model"
        assert change.visit.product_model == "KYN28-12"
        assert change.previous_due_date == change.visit.due_date
    assert reconcile(apply_changes(stored(early), changes), late) == []


def test_a_region_learnt_late_names_the_region() -> None:
    before = [replace(planned(), region=None)]
    changes = reconcile(stored(before), [planned()])
    assert changes == [
        Rescheduled(planned(), D("2026-06-01"), "details changed: region")
    ]


def test_a_done_visit_keeps_its_details_whatever_is_learnt() -> None:
    early = plan_customer(customer(powered_on("u1", "2026-02-15")))
    read_model = stored(early, {"u1:trial_run"})
    late = plan_customer(
        customer(powered_on("u1", "2026-02-15"), shipped("u1", "2026-01-10"))
    )
    changes = reconcile(read_model, late)
    assert "u1:trial_run" not in {_id(c) for c in changes}
    after = apply_changes(read_model, changes)
    assert after["u1:trial_run"] == read_model["u1:trial_run"]


def test_apply_changes_gives_the_read_model_after_publishing() -> None:
    read_model = {
        "gone": visit("gone"),
        "moved": visit("moved", failed_attempts=2),
        "back": visit("back", status=VisitStatus.CANCELLED, failed_attempts=1),
    }
    plan = [
        planned("moved", "2026-08-01", "2026-09-01"),
        planned("back"),
        planned("new"),
    ]
    after = apply_changes(read_model, reconcile(read_model, plan))
    assert after["gone"].status is VisitStatus.CANCELLED
    assert (after["moved"].due_date, after["moved"].failed_attempts) == (
        D("2026-08-01"),
        2,
    )
    assert after["back"] == open_visit(planned("back"), failed_attempts=1)
    assert after["new"] == open_visit(planned("new"))
    assert reconcile(after, plan) == []
