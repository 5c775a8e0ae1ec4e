import pytest

from schemas.types import (
    ComplaintSubject,
    FeedbackForm,
    PostWarrantyService,
    Rating,
    VisitKind,
)
from services.survey.domain.complaints import (
    Complaint,
    complaints_from,
    post_warranty_services,
)
from services.survey.domain.records import Answer, VisitRecord
from tests.support.survey import answers

S, N, D = Rating.SATISFIED, Rating.NEUTRAL, Rating.DISSATISFIED
PRODUCT = ComplaintSubject.PRODUCT_QUALITY
SERVICE = ComplaintSubject.SERVICE_QUALITY
SUGGESTION = ComplaintSubject.SUGGESTION
COMPLAINT = FeedbackForm.COMPLAINT


def complete(kind: VisitKind, **overrides: Answer) -> dict[str, Answer]:
    """Every checklist question answered with nothing to report, then
    `overrides` applied."""
    given: dict[str, Answer] = answers(kind, **overrides)
    return given


def subjects(complaints: list[Complaint]) -> list[ComplaintSubject]:
    return [c.subject for c in complaints]


@pytest.mark.parametrize("kind", list(VisitKind))
def test_a_content_customer_raises_nothing(kind: VisitKind) -> None:
    assert complaints_from(VisitRecord(kind, complete(kind), S, N)) == []


def test_product_quality_dissatisfied_raises_a_product_complaint() -> None:
    kind = VisitKind.TRIAL_RUN
    record = VisitRecord(kind, complete(kind), D, S, suggestions="换个型号")

    complaint, suggestion = complaints_from(record)

    assert (complaint.subject, suggestion.subject) == (PRODUCT, SUGGESTION)
    assert complaint.items == ("product_quality",)
    assert complaint.description == "顾客不满意:总体来说,您对我们的产品质量是否满意?"
    assert (complaint.form, suggestion.form) == (COMPLAINT, FeedbackForm.SUGGESTION)
    assert complaint.customer_suggestion == "换个型号"


def test_service_dissatisfaction_is_one_complaint_listing_every_item() -> None:
    kind = VisitKind.WARRANTY_6M
    answers = complete(kind, service_timeliness="dissatisfied", service_attitude=D)
    record = VisitRecord(kind, answers, S, D)

    [complaint] = complaints_from(record)

    assert complaint.subject is SERVICE
    assert complaint.items == (
        "service_timeliness",
        "service_attitude",
        "service_quality",
    )
    assert "响应速度" in complaint.description
    assert "售后服务人员的态度" in complaint.description


def test_staff_attitude_alone_raises_a_service_complaint() -> None:
    kind = VisitKind.PRE_POWER_ON
    record = VisitRecord(kind, complete(kind, staff_attitude=D), S, S)

    assert [(c.subject, c.items) for c in complaints_from(record)] == [
        (SERVICE, ("staff_attitude",))
    ]


def test_each_subject_gets_its_own_complaint() -> None:
    kind = VisitKind.WARRANTY_12M
    record = VisitRecord(
        kind, complete(kind), D, D, suggestions="多来巡检", needs="培训"
    )

    complaints = complaints_from(record)

    assert subjects(complaints) == [PRODUCT, SERVICE, SUGGESTION]
    assert complaints[2].items == ("suggestions", "needs")
    assert complaints[2].description == "建议:多来巡检;需求:培训"


def test_neutral_raises_nothing() -> None:
    kind = VisitKind.RETAIL_FOLLOWUP
    answers = dict.fromkeys(complete(kind), "neutral")

    assert complaints_from(VisitRecord(kind, answers)) == []


def test_retail_dissatisfaction_is_about_the_service() -> None:
    kind = VisitKind.RETAIL_FOLLOWUP
    answers = complete(kind, designer_attitude=D, delivery_staff_attitude=D)
    record = VisitRecord(kind, answers, suggestions="  安装师傅要守时 ")

    complaints = complaints_from(record)

    assert [(c.subject, c.items) for c in complaints] == [
        (SERVICE, ("designer_attitude", "delivery_staff_attitude")),
        (SUGGESTION, ("suggestions",)),
    ]
    assert complaints[1].description == "建议:安装师傅要守时"
    assert complaints[0].customer_suggestion == "安装师傅要守时"


def test_blank_suggestions_and_needs_raise_nothing() -> None:
    kind = VisitKind.TRIAL_RUN
    record = VisitRecord(kind, complete(kind), S, S, suggestions=" ", needs="\n")

    assert complaints_from(record) == []


def test_checklist_findings_raise_a_problem_report_not_a_complaint() -> None:
    kind = VisitKind.WARRANTY_6M
    answers = complete(kind, discharge=True, high_temperature=True)

    [report] = complaints_from(VisitRecord(kind, answers, S, S))

    assert (report.form, report.subject) == (FeedbackForm.PROBLEM_REPORT, PRODUCT)
    assert report.items == ("high_temperature", "discharge")
    assert report.description == "使用中的问题:设备温度过高;设备有放电现象"


def test_a_post_warranty_need_is_a_service_request() -> None:
    kind = VisitKind.POST_WARRANTY_1
    answers = complete(kind, needs_maintenance=True, needs_other_service=True)

    request, suggestion = complaints_from(
        VisitRecord(kind, answers, S, S, needs="加装柜")
    )

    assert (request.form, request.subject) == (FeedbackForm.SERVICE_REQUEST, SERVICE)
    assert request.items == ("needs_maintenance", "needs_other_service")
    assert request.asks_for == ("maintenance", "other")
    assert request.description == "服务需求:维护保养;其他服务"
    assert (suggestion.form, suggestion.subject) == (
        FeedbackForm.SUGGESTION,
        SUGGESTION,
    )
    assert suggestion.items == ("needs",)
    assert suggestion.description == "需求:加装柜"


def test_complaints_can_be_worded_in_english() -> None:
    kind = VisitKind.PRE_POWER_ON
    record = VisitRecord(kind, complete(kind, staff_skill=D), S, S, needs="manuals")

    complaints = complaints_from(record, "en")

    assert [c.description for c in complaints] == [
        "Customer dissatisfied: Are you satisfied with the on-site after-sales "
        "staff's technical skill?",
        "Needs: manuals",
    ]


def test_a_revisit_raises_no_complaint() -> None:
    record = VisitRecord(VisitKind.REVISIT, {}, D, D, suggestions="还是不行")

    assert complaints_from(record) == []


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, []),
        ({"needs_maintenance": False, "needs_retrofit": False}, []),
        ({"needs_retrofit": True}, [PostWarrantyService.RETROFIT]),
        (
            {"needs_other_service": True, "needs_maintenance": True},
            [PostWarrantyService.MAINTENANCE, PostWarrantyService.OTHER],
        ),
        ({"needs_maintenance": "yes"}, []),
    ],
)
def test_post_warranty_services_are_the_needs_said_yes_to(
    answers: dict[str, Answer], expected: list[PostWarrantyService]
) -> None:
    assert post_warranty_services(answers) == expected
