import json

import pytest

from schemas.types import ComplaintSubject, VisitKind
from services.survey.domain.questionnaires import QUESTIONNAIRES, questionnaire_for
from services.survey.domain.questions import (
    AnswerType,
    Label,
    Question,
    Questionnaire,
)

_RECORD = (
    "product_quality",
    "service_quality",
    "suggestions",
    "needs",
    "opportunities",
)
_OUTAGE = ("outage_maintenance_needed", "outage_items")
_WARRANTY = (
    "running_normally",
    "abnormal_sound",
    "high_temperature",
    "discharge",
    "service_timeliness",
    "service_effectiveness",
    "service_attitude",
    *_OUTAGE,
)
_POST_WARRANTY = (
    "discharge_marks",
    "secondary_components_damaged",
    "rust_marks",
    "truck_works",
    "earthing_switch_works",
    "breaker_works",
    "interlocks_work",
    *_OUTAGE,
    "needs_maintenance",
    "needs_retrofit",
    "needs_other_service",
)
EXPECTED = {
    VisitKind.PRE_POWER_ON: (
        (
            "documents_complete",
            "transport_damage",
            "installation_progress",
            "service_needs",
            "training_needed",
            "staff_attitude",
            "staff_skill",
        ),
        _RECORD,
    ),
    VisitKind.TRIAL_RUN: (
        (
            "running_normally",
            "quality_problems",
            "abnormal_sound",
            "abnormal_smell",
            "training_needed",
        ),
        _RECORD,
    ),
    VisitKind.WARRANTY_6M: (_WARRANTY, _RECORD),
    VisitKind.WARRANTY_12M: (_WARRANTY, _RECORD),
    VisitKind.POST_WARRANTY_1: (_POST_WARRANTY, _RECORD),
    VisitKind.POST_WARRANTY_2: (_POST_WARRANTY, _RECORD),
    VisitKind.RETAIL_FOLLOWUP: (
        (
            "shopping_environment",
            "sales_consultant_attitude",
            "designer_attitude",
            "delivery_staff_attitude",
        ),
        ("suggestions",),
    ),
    VisitKind.REVISIT: ((), _RECORD[:4]),
    VisitKind.ON_SITE_FOLLOWUP: (("problem_solved", "running_normally"), _RECORD),
    VisitKind.SERVICE_VISIT: ((), _RECORD),
}
RATED = {
    "staff_attitude",
    "staff_skill",
    "service_timeliness",
    "service_effectiveness",
    "service_attitude",
    "shopping_environment",
    "sales_consultant_attitude",
    "designer_attitude",
    "delivery_staff_attitude",
    "product_quality",
    "service_quality",
}
CHOICE = {"installation_progress": AnswerType.CHOICE}
MULTI = {"outage_items": AnswerType.MULTI_CHOICE}
TEXT = {
    "suggestions",
    "needs",
    "opportunities",
    "service_needs",
    "quality_problems",
}


def _all_questions(q: Questionnaire) -> tuple[Question, ...]:
    return (*q.questions, *q.record_questions)


def test_every_visit_kind_has_its_own_questionnaire() -> None:
    assert set(QUESTIONNAIRES) == set(VisitKind)
    for kind in VisitKind:
        assert questionnaire_for(kind).kind is kind


@pytest.mark.parametrize("kind", list(VisitKind))
def test_questionnaire_asks_the_checks_of_its_kind(kind: VisitKind) -> None:
    checklist, record = EXPECTED[kind]
    questionnaire = questionnaire_for(kind)

    assert tuple(q.id for q in questionnaire.questions) == checklist
    assert tuple(q.id for q in questionnaire.record_questions) == record


@pytest.mark.parametrize("kind", list(VisitKind))
def test_answer_types_and_flags_follow_the_question(kind: VisitKind) -> None:
    for question in _all_questions(questionnaire_for(kind)):
        if question.id in RATED:
            expected = AnswerType.RATING
        elif question.id in TEXT:
            expected = AnswerType.TEXT
        else:
            expected = (CHOICE | MULTI).get(question.id, AnswerType.YES_NO)
        assert question.answer_type is expected, question.id
        assert question.scored is (expected is AnswerType.RATING), question.id
        assert question.required is (expected is not AnswerType.TEXT), question.id


@pytest.mark.parametrize("kind", list(VisitKind))
def test_only_product_quality_complains_of_the_product(kind: VisitKind) -> None:
    for question in _all_questions(questionnaire_for(kind)):
        if question.id == "product_quality":
            assert question.subject is ComplaintSubject.PRODUCT_QUALITY
        elif question.answer_type is AnswerType.RATING:
            assert question.subject is ComplaintSubject.SERVICE_QUALITY
        else:
            assert question.subject is None


def test_retail_questions_keep_the_wording_of_the_script() -> None:
    retail = questionnaire_for(VisitKind.RETAIL_FOLLOWUP)
    labels = [q.label.zh for q in _all_questions(retail)]

    assert labels == [
        "您对我们整体的购物环境是否满意?",
        "您对我们销售顾问的服务态度是否满意?",
        "您对我们设计师的服务态度是否满意?",
        "您对我们送货安装师傅的服务态度是否满意?",
        "您对我们公司有没有其它意见和建议?",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_retail_greeting_names_the_visitor_and_staff_number(lang: str) -> None:
    retail = questionnaire_for(VisitKind.RETAIL_FOLLOWUP)
    assert retail.greeting is not None
    assert retail.closing is not None

    greeting = retail.greeting.text(lang).format(  # type: ignore[arg-type]
        customer="王", brand="致.生活家居", visitor="李娜", staff_no="A017"
    )

    assert "李娜" in greeting
    assert "A017" in greeting
    assert "王" in greeting


@pytest.mark.parametrize(
    "kind", [k for k in VisitKind if k is not VisitKind.RETAIL_FOLLOWUP]
)
def test_only_the_retail_script_has_a_greeting(kind: VisitKind) -> None:
    assert questionnaire_for(kind).greeting is None


def test_industrial_wording_comes_from_the_regulation() -> None:
    pre = questionnaire_for(VisitKind.PRE_POWER_ON)
    post = questionnaire_for(VisitKind.POST_WARRANTY_1)

    assert pre.questions[0].label.zh == "随货的文件资料和附件是否齐全?"
    assert post.questions[0].label.zh == "绝缘件、互感器上有没有放电痕迹?"


def test_revisit_asks_about_the_resolved_problem() -> None:
    revisit = questionnaire_for(VisitKind.REVISIT)

    assert all("问题处理后" in q.label.zh for q in revisit.record_questions[:2])


def test_as_dict_serves_the_form_in_chinese_by_default() -> None:
    form = questionnaire_for(VisitKind.RETAIL_FOLLOWUP).as_dict()

    assert form["kind"] == "retail_followup"
    assert form["lang"] == "zh"
    assert form["title"] == "顾客满意度回访"
    questions = form["questions"]
    assert isinstance(questions, list)
    assert [q["id"] for q in questions][-1] == "suggestions"
    assert questions[0] == {
        "id": "shopping_environment",
        "answer_type": "rating",
        "required": True,
        "scored": True,
        "label": "您对我们整体的购物环境是否满意?",
        "stored_in": "answers",
        "options": [
            {"value": "satisfied", "label": "满意"},
            {"value": "neutral", "label": "一般"},
            {"value": "dissatisfied", "label": "不满意"},
        ],
    }
    assert questions[-1]["stored_in"] == "record"
    assert "{staff_no}" in str(form["greeting"])


def test_as_dict_in_english_is_json() -> None:
    form = questionnaire_for(VisitKind.WARRANTY_6M).as_dict("en")

    decoded = json.loads(json.dumps(form, ensure_ascii=False))
    assert decoded["lang"] == "en"
    assert decoded["greeting"] is None
    assert decoded["questions"][0]["label"] == "Is the equipment running normally?"
    assert len(decoded["questions"]) == len(_WARRANTY) + len(_RECORD)


def test_as_dict_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="fr"):
        questionnaire_for(VisitKind.TRIAL_RUN).as_dict("fr")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_id", ["StaffAttitude", "staff-attitude", "1st", ""])
def test_question_ids_must_be_snake_case(bad_id: str) -> None:
    with pytest.raises(ValueError, match="snake_case"):
        Question(bad_id, AnswerType.YES_NO, Label("是", "yes"))


@pytest.mark.parametrize("answer_type", [AnswerType.YES_NO, AnswerType.TEXT])
def test_only_a_rating_can_be_scored(answer_type: AnswerType) -> None:
    with pytest.raises(ValueError, match="only a rating"):
        Question("x", answer_type, Label("是", "yes"), scored=True)


def test_question_ids_are_unique_within_a_questionnaire() -> None:
    question = Question("x", AnswerType.YES_NO, Label("是", "yes"))

    with pytest.raises(ValueError, match="not unique"):
        Questionnaire(VisitKind.TRIAL_RUN, Label("a", "a"), (question,), (question,))
