"""Properties that hold for any customer's facts (hypothesis)."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings, target
from hypothesis import strategies as st

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain import events
from services.scheduler.domain.calendar import add_months
from services.scheduler.domain.channel import threshold_crossed_on
from services.scheduler.domain.facts import CustomerFacts, apply_facts
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import DEFAULT_POLICY
from services.scheduler.domain.reconcile import (
    Cancelled,
    apply_changes,
    reconcile,
)
from services.scheduler.domain.status import announcements
from services.scheduler.domain.visit import open_visit
from services.scheduler.domain.worklist import gather_batches

from .builders import stored
from .strategies import THRESHOLD, customer_facts, days, shuffled_with_duplicates

K = VisitKind


def know(facts: list[events.Fact]) -> CustomerFacts:
    return apply_facts(CustomerFacts("c1"), facts)


@given(customer_facts())
def test_every_due_date_is_on_or_after_its_trigger_fact(
    facts: list[events.Fact],
) -> None:
    known = know(facts)
    for v in plan_customer(known):
        if v.unit_id is not None:
            unit = known.units[v.unit_id]
            if v.kind is K.ON_SITE_FOLLOWUP:
                # Triggered by a record "not solvable by phone", 7 days on.
                assert any(
                    o.unresolved_by_phone
                    and v.due_date == o.done_on + timedelta(days=7)
                    for o in known.outcomes.values()
                )
            elif v.kind is K.PRE_POWER_ON:
                assert v.due_date == unit.installed_date
            else:
                assert unit.power_on_date is not None
                assert v.due_date >= unit.power_on_date
        elif v.order_id is not None:
            assert v.due_date > known.orders[v.order_id].delivered_date
        else:
            assert v.ticket_id is not None
            assert v.due_date in known.resolutions[v.ticket_id]


@given(customer_facts())
def test_latest_date_is_after_the_due_date(facts: list[events.Fact]) -> None:
    for v in plan_customer(know(facts)):
        assert v.latest_date > v.due_date
        if v.kind in (K.REVISIT, K.ON_SITE_FOLLOWUP):
            assert v.latest_date - v.due_date == timedelta(days=7)
        elif v.kind is K.RETAIL_FOLLOWUP:
            assert (v.due_date.weekday(), v.latest_date.weekday()) == (0, 6)
        else:
            assert v.latest_date == add_months(v.due_date, 1)


@given(
    customer_facts().flatmap(
        lambda f: st.tuples(st.just(f), shuffled_with_duplicates(f))
    )
)
def test_facts_in_any_order_with_duplicates_give_the_same_plan(
    pair: tuple[list[events.Fact], list[events.Fact]],
) -> None:
    facts, replayed = pair
    assert know(replayed) == know(facts)
    assert plan_customer(know(replayed)) == plan_customer(know(facts))


@given(customer_facts())
def test_no_kind_is_planned_twice_for_a_unit(facts: list[events.Fact]) -> None:
    plan = plan_customer(know(facts))
    per_unit = Counter(
        (v.unit_id, v.kind)
        for v in plan
        # one on-site follow-up per record "not solvable by phone"
        if v.unit_id is not None and v.kind is not K.ON_SITE_FOLLOWUP
    )
    assert set(per_unit.values()) <= {1}
    assert len({v.visit_id for v in plan}) == len(plan)


@given(customer_facts())
def test_the_warranty_visits_stay_inside_the_warranty(
    facts: list[events.Fact],
) -> None:
    known = know(facts)
    for v in plan_customer(known):
        if v.kind not in (K.WARRANTY_6M, K.WARRANTY_12M):
            continue
        unit = known.units[v.unit_id or ""]
        assert unit.power_on_date is not None
        assert v.due_date <= add_months(unit.power_on_date, 12)
        if unit.ship_date is not None:
            assert v.due_date <= add_months(unit.ship_date, 18)


def contract_total(facts: list[events.Fact]) -> Decimal:
    return sum(
        (f.amount for f in facts if isinstance(f, events.ContractRegistered)),
        Decimal(0),
    )


def test_the_facts_strategy_reaches_the_on_site_threshold_often() -> None:
    reached: list[bool] = []

    @settings(max_examples=300, derandomize=True, database=None)
    @given(customer_facts())
    def sample(facts: list[events.Fact]) -> None:
        reached.append(contract_total(facts) >= THRESHOLD)

    sample()
    assert sum(reached) >= len(reached) / 5, f"{sum(reached)} of {len(reached)}"


@given(customer_facts())
def test_crossing_the_threshold_puts_every_open_visit_on_site(
    facts: list[events.Fact],
) -> None:
    known = know(facts)
    crossed = threshold_crossed_on(known, DEFAULT_POLICY)
    # Steer hypothesis towards customers at and over the threshold.
    target(float(min(contract_total(facts), THRESHOLD)), label="contract total")
    for v in plan_customer(known):
        if v.kind is K.PRE_POWER_ON or (
            crossed is not None and v.visit_id not in known.outcomes
        ):
            assert v.channel is Channel.ON_SITE


@given(customer_facts(), st.data())
def test_reconciling_a_plan_with_itself_changes_nothing(
    facts: list[events.Fact], data: st.DataObject
) -> None:
    plan = plan_customer(know(facts))
    done_ids = data.draw(st.sets(st.sampled_from([v.visit_id for v in plan] or [""])))
    assert reconcile(stored(plan, done_ids), plan) == []


@given(customer_facts(), customer_facts(), st.data())
def test_reconcile_converges_and_never_touches_done_visits(
    old: list[events.Fact], new: list[events.Fact], data: st.DataObject
) -> None:
    before = plan_customer(know(old))
    done_ids = data.draw(st.sets(st.sampled_from([v.visit_id for v in before] or [""])))
    read_model = stored(before, done_ids)
    after = plan_customer(know(old + new))
    changes = reconcile(read_model, after)
    touched = {
        c.visit_id if isinstance(c, Cancelled) else c.visit.visit_id for c in changes
    }
    assert not touched & done_ids
    assert reconcile(apply_changes(read_model, changes), after) == []


@given(customer_facts(), days, st.integers(1, 60))
def test_a_daily_tick_announces_what_one_late_tick_would(
    facts: list[events.Fact], start: date, span: int
) -> None:
    visits = [open_visit(v) for v in plan_customer(know(facts))]
    seen: set[tuple[str, VisitStatus]] = set()
    for offset in range(span + 1):
        new = announcements(visits, start + timedelta(days=offset), seen)
        assert not set(new) & seen
        seen |= set(new)
    late = set(announcements(visits, start + timedelta(days=span), set()))
    assert seen == late


@given(customer_facts(), days, st.integers(0, 60))
def test_a_batch_can_be_made_on_one_day_without_a_visit_going_overdue(
    facts: list[events.Fact], as_of: date, horizon: int
) -> None:
    visits = [open_visit(v) for v in plan_customer(know(facts))]
    batches = gather_batches(visits, as_of, until=as_of + timedelta(days=horizon))
    batched = [v.visit_id for b in batches for v in b.visits]
    assert len(batched) == len(set(batched))
    for batch in batches:
        assert as_of <= batch.first_day <= batch.last_day
        assert {(v.region, v.channel) for v in batch.visits} == {
            (batch.region, batch.channel)
        }
        for v in batch.visits:
            assert v.due_date <= batch.first_day
            assert batch.last_day <= max(v.latest_date, as_of)
