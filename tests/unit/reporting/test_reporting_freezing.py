"""The frozen report's rules (domain/freezing.py) and the dashboard's
(domain/dashboard.py), with hand-computed expectations."""

import hashlib
from datetime import date

import pytest

from schemas.types import VisitKind
from services.reporting.domain.complaints import Step, Ticket, TicketStep
from services.reporting.domain.dashboard import (
    FilterError,
    Filters,
    cards,
    open_ages,
    trend,
)
from services.reporting.domain.freezing import (
    amendments,
    canonical,
    content_hash,
    distribution,
    period_closed_by,
)
from tests.unit.reporting.builders import D, N, S, record


@pytest.mark.parametrize(
    ("day", "cutoff", "period"),
    [
        (date(2026, 11, 26), 25, "2026-11"),
        (date(2026, 11, 25), 25, None),
        (date(2026, 11, 27), 25, None),
        (date(2027, 1, 1), 31, "2026-12"),  # calendar months
        (date(2026, 3, 1), 30, "2026-02"),  # February's cutoff clamped to the 28th
        (date(2026, 12, 26), 25, "2026-12"),
    ],
)
def test_the_day_after_the_cutoff_freezes_its_period(
    day: date, cutoff: int, period: str | None
) -> None:
    assert period_closed_by(day, cutoff) == period


def test_the_canonical_json_and_its_hash_are_stable() -> None:
    text = canonical({"b": 1, "a": {"z": "满意", "y": [1.5, None]}})
    assert text == '{"a":{"y":[1.5,null],"z":"满意"},"b":1}'
    assert content_hash(text) == (
        "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    )


def test_amendments_are_the_period_records_not_counted() -> None:
    counted = ["HF-2026-11-0001", "HF-2026-11-0002"]
    records = [record(1), record(2), record(3)]
    assert [r.record_no for r in amendments(counted, records)] == ["HF-2026-11-0003"]


def test_the_report_goes_to_the_leadership_quality_its_departments_and_companies() -> (
    None
):
    report = {
        "complaints": {"by_department": {"technical": {}, "unknown": {}}},
        "service_requests": {"by_department": {"after_sales": {}}},
        "by_company": {"Pinggao": {}, "unknown": {}},
    }
    copies = distribution(report, handed_at="2026-11-26T00:05:00+00:00")
    assert [(c.recipient, c.kind) for c in copies] == [
        ("leadership", "leadership"),
        ("after_sales", "department"),
        ("quality", "department"),
        ("technical", "department"),
        ("Pinggao", "company"),
    ]
    assert {c.handed_at for c in copies} == {"2026-11-26T00:05:00+00:00"}


def test_filters_keep_matching_records_and_unknown_selects_unnamed() -> None:
    east = record(1, region="east", product_model="KYN28-12")
    bare = record(2, tags={"strength": "strong"})
    assert Filters(region="east").keeps(east)
    assert not Filters(region="east").keeps(bare)
    assert Filters(region="unknown").keeps(bare)
    assert Filters(tag="strength:strong").keeps(bare)
    assert not Filters(tag="strength:strong").keeps(east)
    assert Filters(kind="warranty_6m", product_model="KYN28-12").keeps(east)
    with pytest.raises(FilterError):
        Filters(tag="colour:red")


def test_cards_compare_with_the_previous_period() -> None:
    now = [
        record(1, product=S, service=N),
        record(2, product=D, service=S),
        record(3, kind=VisitKind.RETAIL_FOLLOWUP, product=None, service=S, score=90),
    ]
    before = [record(4, on=date(2026, 10, 1), product=S, service=S)]
    found = cards(now, before)
    assert found["product_quality"].value == 0.5
    assert found["product_quality"].change == -0.5
    assert found["service_quality"].value == 0.6667
    assert found["service_quality"].change == -0.3333
    assert found["retail_mean_score"].value == 90.0
    assert found["retail_mean_score"].previous is None


def test_the_trend_groups_records_by_period() -> None:
    points = trend(
        [record(1, on=date(2026, 10, 26)), record(2, on=date(2026, 10, 25))],
        ["2026-10", "2026-11"],
        25,
    )
    assert [(p.period, p.records) for p in points] == [("2026-10", 1), ("2026-11", 1)]


def test_open_tickets_by_age_at_the_period_end() -> None:
    end = date(2026, 11, 25)
    tickets = [
        Ticket("T1", "quality", date(2026, 11, 20)),  # 5 days
        Ticket("T2", "quality", date(2026, 10, 26)),  # 30 days
        Ticket("T3", "quality", date(2026, 8, 1)),  # 116 days
        Ticket(
            "T4",
            "quality",
            date(2026, 11, 1),
            (TicketStep(Step.VERIFIED, date(2026, 11, 10)),),
        ),
    ]
    assert open_ages(tickets, end) == {"0-7": 1, "8-30": 1, "31-90": 0, ">90": 1}
