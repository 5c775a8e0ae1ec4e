"""Issue 16 in the report's domain: forms counted apart, retail service
quality derived, breakdowns by tag and company, on-site opportunities,
reviews and the CAPAs they opened, superseded visits. Every expectation is
computed by hand from the rows written here."""

from dataclasses import replace
from datetime import date

import pytest

from schemas.schedule import VisitSuperseded
from schemas.types import Channel, ComplaintSubject, FeedbackForm, ReportPart, VisitKind
from services.reporting.domain.complaints import (
    ComplaintCounts,
    Step,
    Ticket,
    TicketStep,
    count_forms,
    form_of,
)
from services.reporting.domain.opportunities import opportunities
from services.reporting.domain.records import retail_service_quality, worst
from services.reporting.domain.reviews import (
    Review,
    ReviewRefused,
    capas_by_review,
    decide_review,
)
from services.reporting.domain.satisfaction import by_company, by_tags, measure
from services.reporting.domain.visit_copies import VisitCopy, evolve
from tests.unit.reporting.builders import D, N, S, record

NOVEMBER = (date(2026, 10, 26), date(2026, 11, 25))
ON = date(2026, 11, 10)


# -- bug 4: every kind of form counted on its own ---------------------------


def test_a_complaint_about_suggestions_is_a_suggestion_form() -> None:
    assert form_of(FeedbackForm.COMPLAINT, ComplaintSubject.SUGGESTION) is (
        FeedbackForm.SUGGESTION
    )
    assert form_of(FeedbackForm.COMPLAINT, ComplaintSubject.SERVICE_QUALITY) is (
        FeedbackForm.COMPLAINT
    )
    assert form_of(FeedbackForm.SERVICE_REQUEST, ComplaintSubject.SUGGESTION) is (
        FeedbackForm.SERVICE_REQUEST
    )


def test_each_form_is_counted_on_its_own_by_department() -> None:
    resolved = (TicketStep(Step.RESOLVED, date(2026, 11, 12)),)
    verified = (*resolved, TicketStep(Step.VERIFIED, date(2026, 11, 14)))
    tickets = [
        Ticket("T1", "after_sales", ON, verified, FeedbackForm.COMPLAINT),
        Ticket("T2", "after_sales", ON, resolved, FeedbackForm.SERVICE_REQUEST),
        Ticket("T3", "after_sales", ON, (), FeedbackForm.SERVICE_REQUEST),
        Ticket("T4", "production", ON, (), FeedbackForm.PROBLEM_REPORT),
        Ticket("T5", "quality", ON, (), FeedbackForm.SUGGESTION),
        Ticket("T6", "quality", ON, (), FeedbackForm.SUGGESTION),
        Ticket("T7", "quality", date(2026, 10, 1), (), FeedbackForm.SUGGESTION),
    ]
    counted = count_forms(tickets, NOVEMBER)
    assert set(counted) == set(FeedbackForm)
    assert counted[FeedbackForm.COMPLAINT] == (
        ComplaintCounts(1, 1, 1, 0),
        {"after_sales": ComplaintCounts(1, 1, 1, 0)},
    )
    assert counted[FeedbackForm.SERVICE_REQUEST] == (
        ComplaintCounts(2, 1, 0, 2),
        {"after_sales": ComplaintCounts(2, 1, 0, 2)},
    )
    assert counted[FeedbackForm.PROBLEM_REPORT][0] == ComplaintCounts(1, 0, 0, 1)
    # T7 opened in October and still open at November's end
    assert counted[FeedbackForm.SUGGESTION] == (
        ComplaintCounts(2, 0, 0, 3),
        {"quality": ComplaintCounts(2, 0, 0, 3)},
    )


# -- bug 1: a retail record's service quality ---------------------------------


@pytest.mark.parametrize(
    ("given", "answers", "expected"),
    [
        (None, {"q1": "satisfied", "q2": "neutral", "q3": "neutral"}, N),
        (None, {"q1": "satisfied", "q2": "dissatisfied", "q3": "neutral"}, D),
        (None, {"q1": "satisfied", "q2": "satisfied", "q3": True}, S),
        (S, {"q1": "neutral"}, N),
        (N, {"q1": "satisfied", "note": "not a rating"}, N),
        (None, {}, None),
    ],
)
def test_a_retail_records_service_quality_is_the_worst_of_its_ratings(
    given: object, answers: dict[str, object], expected: object
) -> None:
    assert retail_service_quality(given, answers) == expected  # type: ignore[arg-type]


def test_worst_prefers_dissatisfied_then_neutral() -> None:
    assert worst([S, None, N, S]) is N
    assert worst([N, D]) is D
    assert worst([None]) is None


# -- breakdowns by customer tag and by company -------------------------------


def test_records_break_down_by_each_tag_axis_and_by_company() -> None:
    records = [
        record(1, company="Pinggao Switchgear", tags={"strength": "industry_leader"}),
        record(2, company="Pinggao Switchgear", service=D, tags={"strength": None}),
        record(3, company=None, product=N, tags={"strength": "industry_leader"}),
    ]
    tags = by_tags(records)
    assert set(tags) == {"strength", "decision_maker", "interest", "cooperation"}
    assert {k: v.records for k, v in tags["strength"].items()} == {
        "industry_leader": 2,
        "unknown": 1,
    }
    assert tags["strength"]["industry_leader"] == measure([records[0], records[2]])
    assert {k: v.records for k, v in tags["cooperation"].items()} == {"unknown": 3}
    companies = by_company(records)
    assert {k: v.records for k, v in companies.items()} == {
        "Pinggao Switchgear": 2,
        "unknown": 1,
    }
    assert companies["Pinggao Switchgear"].service_quality.dissatisfied == 1


# -- new needs and business opportunities of on-site visits ------------------


def test_opportunities_of_on_site_records_in_the_period_are_listed() -> None:
    on_site = Channel.ON_SITE.value
    records = [
        record(2, on=date(2026, 11, 12), channel=on_site, opportunities=" 扩建二期 "),
        record(1, on=date(2026, 11, 2), channel=on_site, opportunities="更换老柜"),
        record(3, channel="phone", opportunities="said on the phone"),
        record(4, channel=on_site, opportunities="   "),
        record(5, on=date(2026, 11, 26), channel=on_site, opportunities="December"),
    ]
    listed = opportunities(records, NOVEMBER)
    assert [(o.record_no, o.text) for o in listed] == [
        ("HF-2026-11-0001", "更换老柜"),
        ("HF-2026-11-0002", "扩建二期"),
    ]


# -- reviews (评审) -----------------------------------------------------------


def review(**fields: object) -> Review:
    base = Review(
        review_id="RV-1",
        period="2026-11",
        part=ReportPart.PRODUCT_QUALITY,
        company="Pinggao Switchgear",
        reviewer="Li Wei",
        reviewed_on=date(2026, 11, 27),
        capa_needed=True,
        reason="two breakers failed the trial run",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_a_review_is_recorded_when_its_owner_reviews_the_made_report() -> None:
    assert decide_review(review(), date(2026, 11, 25)) == review()
    on_cutoff = review(reviewed_on=date(2026, 11, 25))
    assert decide_review(on_cutoff, date(2026, 11, 25)) == on_cutoff
    quality = review(part=ReportPart.SERVICE_QUALITY, company=None, capa_needed=False)
    assert decide_review(quality, date(2026, 11, 25)) == quality


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"company": None}, "company"),
        ({"part": ReportPart.SUGGESTIONS}, "company"),
        ({"reviewed_on": date(2026, 11, 24)}, "reviewed_on"),
        ({"reason": "  "}, "reason"),
        ({"reviewer": ""}, "reviewer"),
    ],
)
def test_a_review_the_rules_refuse_names_its_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(ReviewRefused) as refused:
        decide_review(review(**fields), date(2026, 11, 25))
    assert refused.value.field == field


def test_capas_are_listed_under_the_review_they_came_from() -> None:
    links = [
        ("CAPA-2", "RV-1"),
        ("CAPA-1", "RV-1"),
        ("CAPA-3", None),
        ("CAPA-4", "RV-2"),
    ]
    assert capas_by_review(links) == {"RV-1": ["CAPA-1", "CAPA-2"], "RV-2": ["CAPA-4"]}


# -- superseded visits --------------------------------------------------------


def test_a_superseded_visit_copy_keeps_its_day_and_fills_in_its_dates() -> None:
    fact = VisitSuperseded.model_validate(
        {
            "source": "scheduler",
            "actor": "scheduler",
            "payload": {
                "customer_id": "C1",
                "visit_id": "V1",
                "kind": "pre_power_on",
                "due_date": "2026-03-01",
                "latest_date": "2026-03-31",
                "superseded_on": "2026-11-03",
                "by_visit_id": "V2",
                "by_record_no": "HF-2026-11-0003",
            },
        }
    )
    copy = evolve(None, fact)
    assert copy == VisitCopy(
        visit_id="V1",
        customer_id="C1",
        kind=VisitKind.PRE_POWER_ON,
        due_date=date(2026, 3, 1),
        latest_date=date(2026, 3, 31),
        superseded_on=date(2026, 11, 3),
    )
    planned = VisitCopy("V1", "C1", kind="pre_power_on", due_date=date(2026, 2, 1))
    assert evolve(planned, fact) == replace(
        planned, latest_date=date(2026, 3, 31), superseded_on=date(2026, 11, 3)
    )
