"""domain.md, "The retail standard" and the complaint loop's re-visit."""

import pytest

from schemas.types import Channel, VisitKind
from services.scheduler.domain.plan import plan_customer

from .builders import D, customer, delivered, done, resolved


@pytest.mark.parametrize(
    "delivered_on",
    ["2026-11-23", "2026-11-25", "2026-11-29"],  # Monday, Wednesday, Sunday
)
def test_retail_followup_is_due_the_monday_after_the_delivery_week(
    delivered_on: str,
) -> None:
    (visit,) = plan_customer(customer(delivered("o1", delivered_on)))
    assert visit.kind is VisitKind.RETAIL_FOLLOWUP
    assert (visit.due_date, visit.latest_date) == (D("2026-11-30"), D("2026-12-06"))


def test_retail_followup_across_the_new_year() -> None:
    (visit,) = plan_customer(customer(delivered("o1", "2026-12-31")))
    assert (visit.due_date, visit.latest_date) == (D("2027-01-04"), D("2027-01-10"))


def test_every_delivered_order_is_followed_up_by_phone() -> None:
    plan = plan_customer(
        customer(
            delivered("o1", "2026-11-25", store_id="S1"),
            delivered("o2", "2026-11-26", store_id="S2", region="south"),
        )
    )
    assert [
        (v.visit_id, v.store_id, v.order_id, v.region, v.channel) for v in plan
    ] == [
        ("o1:retail_followup", "S1", "o1", "north", Channel.PHONE),
        ("o2:retail_followup", "S2", "o2", "south", Channel.PHONE),
    ]


def test_revisit_is_due_on_the_resolution_date_and_overdue_7_days_after() -> None:
    (visit,) = plan_customer(customer(resolved("t1", "2026-05-10")))
    assert visit.visit_id == "t1:revisit:1"
    assert visit.kind is VisitKind.REVISIT
    assert visit.ticket_id == "t1"
    assert (visit.due_date, visit.latest_date) == (D("2026-05-10"), D("2026-05-17"))


def test_a_reopened_ticket_resolved_again_gets_a_second_revisit() -> None:
    facts = customer(
        resolved("t1", "2026-05-10"),
        done("t1:revisit:1", "2026-05-12"),  # dissatisfied: the ticket reopens
        resolved("t1", "2026-06-01"),
    )
    plan = plan_customer(facts)
    assert [(v.visit_id, v.due_date) for v in plan] == [
        ("t1:revisit:1", D("2026-05-10")),
        ("t1:revisit:2", D("2026-06-01")),
    ]


def test_a_redelivered_resolution_does_not_add_a_revisit() -> None:
    plan = plan_customer(
        customer(resolved("t1", "2026-05-10"), resolved("t1", "2026-05-10"))
    )
    assert [v.visit_id for v in plan] == ["t1:revisit:1"]


def test_revisit_takes_the_region_of_a_single_region_customer() -> None:
    (visit,) = plan_customer(
        customer(delivered("o1", "2026-05-01"), resolved("t1", "2026-05-10"))
    )[1:]
    assert visit.region == "north"
