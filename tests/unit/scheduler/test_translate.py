"""Integration events on the log become the domain's facts."""

from datetime import UTC, date, datetime
from decimal import Decimal

from schemas.catalogue import AnyEvent
from schemas.codec import decode_obj
from schemas.types import Channel, VisitKind
from services.scheduler.domain import events
from services.scheduler.translate import business_date, customer_name, to_fact
from tests.support.factories import contract, delivered, envelope, powered_on

TZ = "Asia/Shanghai"


def event(wire: dict[str, object]) -> AnyEvent:
    return decode_obj(wire)


def test_a_contract_counts_from_its_registration_day_in_the_company_zone() -> None:
    # 20:30 UTC on 4 January is already 5 January in Shanghai.
    registered = event(
        {**contract("C1", "K1", "3000000.00"), "occurred_at": "2026-01-04T20:30:00Z"}
    )
    assert to_fact(registered, TZ) == events.ContractRegistered(
        "K1", Decimal("3000000.00"), date(2026, 1, 5), "east"
    )
    assert customer_name(registered) == "Customer C1"


def test_a_power_on_keeps_its_business_date() -> None:
    fact = event(powered_on("C1", "U1", "2026-02-15"))
    assert to_fact(fact, TZ) == events.PoweredOn("U1", date(2026, 2, 15))
    assert business_date(fact, TZ) == date(2026, 2, 15)


def test_a_visit_record_and_an_attempt_carry_what_the_rules_need() -> None:
    record = event(
        envelope(
            "visit_completed",
            {
                "customer_id": "C1",
                "visit_id": "U1:trial_run",
                "kind": "trial_run",
                "record_no": "HF-2026-03-0001",
                "visited_on": "2026-03-20",
                "visitor": "Zhao Min",
                "channel": "phone",
                "unresolved_by_phone": True,
                "score": 90,
                "unit_id": "U1",
            },
        )
    )
    assert to_fact(record, TZ) == events.VisitCompleted(
        "U1:trial_run",
        date(2026, 3, 20),
        unresolved_by_phone=True,
        channel=Channel.PHONE,
        unit_id="U1",
        record_no="HF-2026-03-0001",
        kind=VisitKind.TRIAL_RUN,
    )
    attempt = event(
        envelope(
            "visit_attempt_failed",
            {
                "customer_id": "C1",
                "visit_id": "U1:trial_run",
                "attempted_on": "2026-03-18",
                "visitor": "Zhao Min",
                "reason": "no_answer",
                "attempt_no": 2,
            },
        )
    )
    assert to_fact(attempt, TZ) == events.VisitAttemptFailed("U1:trial_run", 2)
    assert business_date(attempt, TZ) == date(2026, 3, 18)


def test_events_the_rules_do_not_read_translate_to_nothing() -> None:
    complaint = event(
        envelope(
            "complaint_raised",
            {
                "customer_id": "C1",
                "complaint_id": "P1",
                "visit_id": "U1:trial_run",
                "record_no": "HF-2026-03-0001",
                "subject": "product_quality",
                "description": "ozone smell",
                "raised_on": "2026-03-20",
            },
        )
    )
    assert to_fact(complaint, TZ) is None
    moment = datetime(2026, 3, 20, 1, tzinfo=UTC)
    assert business_date(complaint.model_copy(update={"occurred_at": moment}), TZ) == (
        date(2026, 3, 20)
    )


def test_a_retail_delivery_names_its_store_and_region() -> None:
    wire = delivered("C9", "O1", "2026-03-04", store="S2")
    wire["payload"]["region"] = "north"
    assert to_fact(event(wire), TZ) == events.Delivered(
        "O1", "S2", date(2026, 3, 4), "north"
    )
