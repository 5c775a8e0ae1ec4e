"""Satisfaction counts, shares, breakdowns, the retail trend, suggestions."""

from datetime import date

from schemas.types import PostWarrantyService, VisitKind
from services.reporting.domain.records import UNKNOWN
from services.reporting.domain.satisfaction import (
    DayScores,
    Tally,
    breakdown,
    measure,
    retail_mean_score,
    score_trend,
    suggestions_and_needs,
    tally,
)
from tests.unit.reporting.builders import D, N, S, record

RETAIL = VisitKind.RETAIL_FOLLOWUP


def test_a_tally_counts_each_rating_and_skips_unrated() -> None:
    assert tally([S, S, N, D, None]) == Tally(satisfied=2, neutral=1, dissatisfied=1)


def test_shares_are_over_the_rated_records() -> None:
    shares = Tally(satisfied=2, neutral=1, dissatisfied=0).shares()
    assert shares == {"satisfied": 0.6667, "neutral": 0.3333, "dissatisfied": 0.0}


def test_with_nothing_rated_every_share_is_none() -> None:
    assert Tally().shares() == {
        "satisfied": None,
        "neutral": None,
        "dissatisfied": None,
    }


def test_measure_classifies_product_and_service_quality_separately() -> None:
    records = [
        record(1, product=S, service=D, score=90),
        record(2, product=N, service=S, score=100),
        record(3, product=None, service=S, score=80),
    ]
    result = measure(records)
    assert result.records == 3
    assert result.product_quality == Tally(satisfied=1, neutral=1, dissatisfied=0)
    assert result.service_quality == Tally(satisfied=2, neutral=0, dissatisfied=1)
    assert result.mean_score == 90.0


def test_breakdown_groups_by_key_and_puts_missing_keys_under_unknown() -> None:
    records = [
        record(1, product_model="KYN28-12", product=D),
        record(2, product_model="KYN28-12"),
        record(3, product_model=None),
    ]
    groups = breakdown(records, lambda r: r.product_model)
    assert list(groups) == ["KYN28-12", UNKNOWN]
    assert groups["KYN28-12"].records == 2
    assert groups["KYN28-12"].product_quality == Tally(satisfied=1, dissatisfied=1)
    assert groups[UNKNOWN].records == 1


def test_the_mean_score_is_of_retail_records_only() -> None:
    records = [
        record(1, kind=RETAIL, score=80),
        record(2, kind=RETAIL, score=90),
        record(3, kind=VisitKind.TRIAL_RUN, score=0),
    ]
    assert retail_mean_score(records) == 85.0
    assert retail_mean_score([record(3, kind=VisitKind.TRIAL_RUN)]) is None


def test_the_trend_covers_twelve_periods_oldest_first() -> None:
    days = [
        DayScores(date(2026, 11, 25), RETAIL, 180, 2),  # 2026-11
        DayScores(date(2026, 11, 26), RETAIL, 70, 1),  # 2026-12: after the report
        DayScores(date(2026, 10, 26), RETAIL, 100, 1),  # 2026-11
        DayScores(date(2025, 12, 1), RETAIL, 60, 1),  # 2025-12, the oldest
        DayScores(date(2025, 11, 25), RETAIL, 10, 1),  # 2025-11: too old
        DayScores(date(2026, 11, 1), VisitKind.TRIAL_RUN, 0, 5),  # not retail
    ]
    trend = score_trend(days, "2026-11", 25)
    assert (trend[0].period, trend[-1].period) == ("2025-12", "2026-11")
    assert len(trend) == 12
    assert (trend[0].mean_score, trend[0].records) == (60.0, 1)
    assert (trend[-1].mean_score, trend[-1].records) == (93.33, 3)
    assert all(p.mean_score is None and p.records == 0 for p in trend[1:-1])


def test_the_trend_follows_the_cutoff() -> None:
    days = [DayScores(date(2026, 11, 22), RETAIL, 100, 1)]
    assert score_trend(days, "2026-11", 20)[-1].records == 0
    assert score_trend(days, "2026-12", 20)[-1].records == 1


def test_suggestions_and_needs_are_listed_by_date() -> None:
    records = [
        record(2, on=date(2026, 11, 12), suggestions=" faster delivery ", needs=""),
        record(1, on=date(2026, 11, 11), suggestions="", needs="training"),
        record(3, suggestions="ok", needs="spare parts"),
        record(4, suggestions="  ", needs=""),
        record(
            5,
            on=date(2026, 11, 13),
            post_warranty_service=(PostWarrantyService.RETROFIT,),
        ),
    ]
    listed = suggestions_and_needs(records)
    assert [(s.record_no, s.text) for s in listed] == [
        ("HF-2026-11-0003", "ok; spare parts"),
        ("HF-2026-11-0001", "training"),
        ("HF-2026-11-0002", "faster delivery"),
        ("HF-2026-11-0005", ""),
    ]
    assert listed[-1].post_warranty_service == ("retrofit",)
