"""Issue 16, the scheduler's part of the regulation (domain.md, "The visit
schedule of an industrial unit"): moot visits, on-site follow-ups, supporting
equipment, retail batched apart, unplanned service visits. Every expectation
is computed by hand from these facts:

unit u1 (contract K1, east): shipped 2026-01-01, installed 2026-01-10, powered
on 2026-02-01. Warranty end = min(2026-02-01 + 12 m, 2026-01-01 + 18 m) =
2027-02-01. Plan: pre_power_on 2026-01-10 (latest 02-10), trial_run 03-01
(04-01), warranty_6m 08-01 (09-01), warranty_12m 2027-02-01 (03-01),
post_warranty_1 2028-02-01, post_warranty_2 2029-02-01.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain import events
from services.scheduler.domain.facts import CustomerFacts
from services.scheduler.domain.plan import followup_id, plan_customer
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.reconcile import Cancelled, Planned, Rescheduled
from services.scheduler.domain.status import visit_status
from services.scheduler.domain.step import Outcome, take_fact
from services.scheduler.domain.visit import Visit
from services.scheduler.domain.worklist import gather_batches

from .builders import D, contract, installed, powered_on, visit

U1 = (
    contract(),
    events.Shipped("u1", "K1", "KYN28-12", D("2026-01-01")),
    installed("u1", "2026-01-10"),
    powered_on("u1", "2026-02-01"),
)


def record(
    visit_id: str,
    on: str,
    record_no: str,
    *,
    unresolved_by_phone: bool = False,
    kind: VisitKind | None = None,
    unit_id: str | None = "u1",
) -> events.VisitCompleted:
    return events.VisitCompleted(
        visit_id,
        D(on),
        unresolved_by_phone=unresolved_by_phone,
        channel=Channel.PHONE,
        unit_id=unit_id,
        record_no=record_no,
        kind=kind or VisitKind(visit_id.split(":")[1]),
    )


def take_all(
    facts: Iterable[events.Fact],
    policy: Policy = DEFAULT_POLICY,
    start: tuple[CustomerFacts, dict[str, Visit]] | None = None,
) -> tuple[CustomerFacts, dict[str, Visit], list[Outcome]]:
    known, stored = start or (CustomerFacts("c1"), {})
    outcomes = []
    for fact in facts:
        outcome = take_fact(known, stored, fact, policy)
        known, stored = outcome.facts, outcome.visits
        outcomes.append(outcome)
    return known, stored, outcomes


def statuses(stored: dict[str, Visit]) -> dict[str, VisitStatus]:
    return {k: v.status for k, v in sorted(stored.items())}


# --- 1. moot visits (bug 5) ---------------------------------------------------


def test_a_record_supersedes_the_units_open_visits_that_fell_due_before_it() -> None:
    # The 6-month visit made 2026-08-05: pre_power_on (due 01-10) and
    # trial_run (due 03-01) were never made; they are moot.
    _, stored, outcomes = take_all(
        [*U1, record("u1:warranty_6m", "2026-08-05", "HF-2026-08-0001")]
    )
    assert statuses(stored) == {
        "u1:post_warranty_1": VisitStatus.PLANNED,
        "u1:post_warranty_2": VisitStatus.PLANNED,
        "u1:pre_power_on": VisitStatus.SUPERSEDED,
        "u1:trial_run": VisitStatus.SUPERSEDED,
        "u1:warranty_12m": VisitStatus.PLANNED,
        "u1:warranty_6m": VisitStatus.DONE,
    }
    last = outcomes[-1]
    assert [
        (v.visit_id, by.by_visit_id, by.by_record_no, by.on)
        for v, by in last.superseded
    ] == [
        ("u1:pre_power_on", "u1:warranty_6m", "HF-2026-08-0001", D("2026-08-05")),
        ("u1:trial_run", "u1:warranty_6m", "HF-2026-08-0001", D("2026-08-05")),
    ]
    # Nothing else is published for them: not cancelled, not moved.
    assert last.changes == []
    # Superseded is its own status whatever the day, and off the worklist.
    moot = stored["u1:trial_run"]
    assert visit_status(moot, D("2026-12-01")) is VisitStatus.SUPERSEDED
    worklist = gather_batches(stored.values(), D("2026-08-10"))
    assert [v.visit_id for b in worklist for v in b.visits] == []


def test_a_visit_due_on_the_day_of_the_record_is_not_moot() -> None:
    _, stored, outcomes = take_all(
        [*U1, record("u1:warranty_6m", "2026-03-01", "HF-2026-03-0001")]
    )
    assert stored["u1:trial_run"].status is VisitStatus.PLANNED  # due 03-01
    assert stored["u1:pre_power_on"].status is VisitStatus.SUPERSEDED
    assert [v.visit_id for v, _ in outcomes[-1].superseded] == ["u1:pre_power_on"]


def test_only_the_same_units_visits_are_superseded_and_each_only_once() -> None:
    u2 = (
        events.Shipped("u2", "K1", "KYN28-12", D("2026-01-01")),
        powered_on("u2", "2026-02-01"),
    )
    _, stored, outcomes = take_all(
        [
            *U1,
            *u2,
            record("u1:warranty_6m", "2026-08-05", "HF-2026-08-0001"),
            # a second, later record supersedes nothing new
            record("u1:warranty_12m", "2027-02-03", "HF-2027-02-0001"),
        ]
    )
    assert stored["u2:trial_run"].status is VisitStatus.PLANNED
    assert [v.visit_id for v, _ in outcomes[-1].superseded] == []
    assert sum(len(o.superseded) for o in outcomes) == 2


def test_a_superseded_visit_stays_so_until_its_own_record_closes_it() -> None:
    known, stored, _ = take_all(
        [*U1, record("u1:warranty_6m", "2026-08-05", "HF-2026-08-0001")]
    )
    # A corrected power-on moves what is open; the moot visit does not move.
    _, after, outcomes = take_all(
        [powered_on("u1", "2026-02-10")], start=(known, stored)
    )
    assert after["u1:trial_run"] == stored["u1:trial_run"]
    assert all(
        c.visit.visit_id != "u1:trial_run"
        for c in outcomes[-1].changes
        if not isinstance(c, Cancelled)
    )
    # Its own record, late, closes it as done.
    _, closed, _ = take_all(
        [record("u1:trial_run", "2026-08-20", "HF-2026-08-0002")], start=(known, stored)
    )
    assert closed["u1:trial_run"].status is VisitStatus.DONE


def test_a_visit_planned_late_and_already_moot_is_planned_then_superseded() -> None:
    # The installation is reported after the 6-month record: its pre-power-on
    # visit is planned (it exists) and at once superseded (it was missed).
    facts = [f for f in U1 if not isinstance(f, events.Installed)]
    known, stored, _ = take_all(
        [*facts, record("u1:warranty_6m", "2026-08-05", "HF-2026-08-0001")]
    )
    _, after, outcomes = take_all(
        [installed("u1", "2026-01-10")], start=(known, stored)
    )
    assert [type(c) for c in outcomes[-1].changes] == [Planned]
    assert [v.visit_id for v, _ in outcomes[-1].superseded] == ["u1:pre_power_on"]
    assert after["u1:pre_power_on"].status is VisitStatus.SUPERSEDED


# --- 2. on-site follow-up -------------------------------------------------------


def test_a_problem_not_solved_by_phone_plans_an_on_site_followup_in_7_days() -> None:
    _, stored, outcomes = take_all(
        [
            *U1,
            record(
                "u1:warranty_6m",
                "2026-08-05",
                "HF-2026-08-0001",
                unresolved_by_phone=True,
            ),
        ]
    )
    changes = outcomes[-1].changes
    planned = [c.visit for c in changes if isinstance(c, Planned)]
    (followup,) = planned
    assert followup.visit_id == "u1:on_site_followup:HF-2026-08-0001"
    assert followup.kind is VisitKind.ON_SITE_FOLLOWUP
    assert (followup.due_date, followup.latest_date) == (
        D("2026-08-12"),
        D("2026-08-19"),
    )
    assert followup.channel is Channel.ON_SITE
    assert (followup.unit_id, followup.region) == ("u1", "east")
    # ... and the next planned visit of the unit (the 12-month one) on site.
    moved = [c for c in changes if isinstance(c, Rescheduled)]
    assert [(c.visit.visit_id, c.visit.channel) for c in moved] == [
        ("u1:warranty_12m", Channel.ON_SITE)
    ]
    assert stored["u1:post_warranty_1"].channel is Channel.PHONE
    # Overdue after due + 7 days.
    assert visit_status(stored[followup.visit_id], D("2026-08-19")) is VisitStatus.DUE
    assert (
        visit_status(stored[followup.visit_id], D("2026-08-20")) is VisitStatus.OVERDUE
    )


def test_each_unresolved_record_gets_its_own_followup() -> None:
    _, stored, _ = take_all(
        [
            *U1,
            record(
                "u1:warranty_6m",
                "2026-08-05",
                "HF-2026-08-0001",
                unresolved_by_phone=True,
            ),
            record(
                "u1:warranty_12m",
                "2027-02-03",
                "HF-2027-02-0001",
                unresolved_by_phone=True,
            ),
        ]
    )
    followups = {
        k: (v.due_date, v.status)
        for k, v in stored.items()
        if v.kind is VisitKind.ON_SITE_FOLLOWUP
    }
    # The first follow-up, never made, is moot by the 12-month record.
    assert followups == {
        "u1:on_site_followup:HF-2026-08-0001": (
            D("2026-08-12"),
            VisitStatus.SUPERSEDED,
        ),
        "u1:on_site_followup:HF-2027-02-0001": (D("2027-02-10"), VisitStatus.PLANNED),
    }


def test_the_followup_delay_is_a_policy_number() -> None:
    policy = replace(DEFAULT_POLICY, on_site_followup_days=10)
    plan = plan_customer(
        take_all(
            [
                *U1,
                record(
                    "u1:post_warranty_2",
                    "2029-02-03",
                    "HF-2029-02-0001",
                    unresolved_by_phone=True,
                ),
            ],
            policy,
        )[0],
        policy,
    )
    # After the last visit of the schedule there is no next one: the
    # follow-up alone brings someone on site.
    (followup,) = [v for v in plan if v.kind is VisitKind.ON_SITE_FOLLOWUP]
    assert (followup.due_date, followup.latest_date) == (
        D("2029-02-13"),
        D("2029-02-20"),
    )


def test_a_record_without_a_unit_plans_no_followup() -> None:
    facts: list[events.Fact] = [
        events.Delivered("o1", "S1", D("2026-03-04"), "north"),
        record(
            "o1:retail_followup",
            "2026-03-10",
            "HF-2026-03-0001",
            unresolved_by_phone=True,
            unit_id=None,
        ),
    ]
    plan = plan_customer(take_all(facts)[0])
    assert [v.kind for v in plan] == [VisitKind.RETAIL_FOLLOWUP]


# --- 3. supporting equipment ---------------------------------------------------


def shipped(supporting: bool) -> events.Shipped:
    return events.Shipped(
        "u1", "K1", "KYN28-12", D("2026-01-01"), supporting_equipment=supporting
    )


def test_supporting_equipment_gets_no_visits() -> None:
    facts: list[events.Fact] = [
        contract(),
        shipped(True),
        installed("u1", "2026-01-10"),
    ]
    _, stored, _ = take_all([*facts, powered_on("u1", "2026-02-01")])
    assert stored == {}


def test_a_correction_of_the_flag_plans_or_cancels_the_open_visits() -> None:
    known, stored, _ = take_all(
        [contract(), shipped(True), installed("u1", "2026-01-10")]
    )
    known, stored, outcomes = take_all(
        [powered_on("u1", "2026-02-01"), shipped(False)], start=(known, stored)
    )
    assert len(stored) == 6
    assert all(isinstance(c, Planned) for c in outcomes[-1].changes)
    known, stored, _ = take_all(
        [record("u1:pre_power_on", "2026-01-12", "HF-2026-01-0001")],
        start=(known, stored),
    )
    _, stored, outcomes = take_all([shipped(True)], start=(known, stored))
    cancelled = {c.visit_id for c in outcomes[-1].changes if isinstance(c, Cancelled)}
    assert cancelled == {
        "u1:trial_run",
        "u1:warranty_6m",
        "u1:warranty_12m",
        "u1:post_warranty_1",
        "u1:post_warranty_2",
    }
    assert stored["u1:pre_power_on"].status is VisitStatus.DONE


# --- 4. retail batched apart (bug 6) ------------------------------------------


def test_retail_followups_are_never_batched_with_industrial_visits() -> None:
    as_of = D("2026-06-03")
    industrial = visit("w", "2026-06-01", "2026-07-01")
    retail = replace(
        visit("r", "2026-06-01", "2026-06-07", kind=VisitKind.RETAIL_FOLLOWUP),
        store_id="S1",
    )
    other_store = replace(retail, visit_id="r2", store_id="S2")
    same_store = replace(retail, visit_id="r3")
    batches = gather_batches([industrial, retail, other_store, same_store], as_of)
    found = {(b.store_id, tuple(v.visit_id for v in b.visits)) for b in batches}
    assert found == {(None, ("w",)), ("S1", ("r", "r3")), ("S2", ("r2",))}


# --- 5. unplanned service visits ----------------------------------------------


def test_a_service_visit_record_changes_no_plan() -> None:
    known, stored, _ = take_all(U1)
    service_visit = record(
        "SV-0001",
        "2026-08-05",
        "HF-2026-08-0009",
        unresolved_by_phone=True,
        kind=VisitKind.SERVICE_VISIT,
    )
    outcome = take_fact(known, stored, service_visit, DEFAULT_POLICY)
    assert outcome.facts == known
    assert outcome.visits == stored
    assert (outcome.changes, outcome.superseded) == ([], [])
    assert "SV-0001" not in outcome.visits


def test_the_superseded_status_is_closed_for_the_date_rules() -> None:
    moot = visit(status=VisitStatus.SUPERSEDED)
    for day in ("2026-05-01", "2026-06-15", "2026-08-01"):
        assert visit_status(moot, date.fromisoformat(day)) is VisitStatus.SUPERSEDED


def test_a_followup_id_always_fits_a_visit_id() -> None:
    assert (
        followup_id("u1", "HF-2026-08-0001", D("2026-08-05"))
        == "u1:on_site_followup:HF-2026-08-0001"
    )
    assert followup_id("u1", None, D("2026-08-05")) == "u1:on_site_followup:2026-08-05"
    long = followup_id("u" * 64, "HF-2026-08-" + "9" * 100, D("2026-08-05"))
    assert len(long) <= 128
    assert long == followup_id("u" * 64, "HF-2026-08-" + "9" * 100, D("2026-08-06"))
