"""Issue 16 in the survey's domain: the checklists as the regulation writes
them, a record's satisfaction by the rule, the forms a record raises, business
opportunities on site and unplanned service visits. Expectations are computed
by hand from domain.md and the regulation (顾客回访管理规定 6.1-6.2.7)."""

import re
from datetime import date

import pytest

from schemas.types import (
    Channel,
    ComplaintSubject,
    FeedbackForm,
    Rating,
    VisitKind,
)
from services.survey import events
from services.survey.domain.complaints import complaints_from
from services.survey.domain.questionnaires import QUESTIONNAIRES, questionnaire_for
from services.survey.domain.questions import AnswerType
from services.survey.domain.records import (
    Answer,
    AnswerRule,
    VisitRecord,
    satisfaction,
    validate_answers,
    validate_record,
)
from services.survey.domain.visits import (
    RecordServiceVisit,
    RecordVisit,
    Unit,
    Visit,
    VisitStatus,
    service_visit,
    service_visit_id,
    unit_of_another_customer,
)
from tests.support.survey import answers

S, N, D = Rating.SATISFIED, Rating.NEUTRAL, Rating.DISSATISFIED
PRODUCT = ComplaintSubject.PRODUCT_QUALITY
SERVICE = ComplaintSubject.SERVICE_QUALITY
RETAIL = VisitKind.RETAIL_FOLLOWUP
W6 = VisitKind.WARRANTY_6M
OUTAGE_KINDS = (
    VisitKind.WARRANTY_6M,
    VisitKind.WARRANTY_12M,
    VisitKind.POST_WARRANTY_1,
    VisitKind.POST_WARRANTY_2,
)
SIX_ITEMS = [
    "working_state",
    "interlocks",
    "isolating_contacts",
    "busbar_joints",
    "earthing_circuit",
    "breaker_dust",
]


def retail(*ratings: Rating) -> dict[str, Answer]:
    ids = [q.id for q in questionnaire_for(RETAIL).questions]
    return dict(zip(ids, ratings, strict=True))


def rules(kind: VisitKind, given: dict[str, Answer]) -> set[tuple[str, AnswerRule]]:
    return {(e.question_id, e.rule) for e in validate_answers(kind, given)}


# --------------------------------------------------- checklists (bug 7) ----


def test_staff_skill_is_asked_as_a_rating_on_the_satisfaction_scale() -> None:
    skill = questionnaire_for(VisitKind.PRE_POWER_ON).question("staff_skill")

    assert skill is not None
    assert skill.answer_type is AnswerType.RATING
    assert skill.label.zh == "您对现场售后服务人员的技术水平是否满意?"
    assert skill.label.en.startswith("Are you satisfied with")


@pytest.mark.parametrize("kind", list(VisitKind))
def test_every_rating_asks_about_satisfaction_and_no_yes_no_does(
    kind: VisitKind,
) -> None:
    q = questionnaire_for(kind)
    for question in (*q.questions, *q.record_questions):
        is_rating = question.answer_type is AnswerType.RATING
        assert ("是否满意" in question.label.zh) is is_rating, question.id


@pytest.mark.parametrize("kind", list(VisitKind))
@pytest.mark.parametrize(
    ("lang", "scale"), [("zh", ["满意", "一般", "不满意"]), ("en", None)]
)
def test_every_questionnaire_shows_its_rating_scale(
    kind: VisitKind, lang: str, scale: list[str] | None
) -> None:
    form = questionnaire_for(kind).as_dict(lang)  # type: ignore[arg-type]

    shown = form["rating_scale"]
    assert isinstance(shown, list)
    assert [o["value"] for o in shown] == ["satisfied", "neutral", "dissatisfied"]
    labels = [o["label"] for o in shown]
    assert labels == (scale or ["satisfied", "neutral", "dissatisfied"])
    questions = form["questions"]
    assert isinstance(questions, list)
    for question in questions:
        if question["answer_type"] == "rating":
            assert question["options"] == shown


@pytest.mark.parametrize("kind", OUTAGE_KINDS)
def test_the_six_outage_items_are_asked_as_which_are_needed(kind: VisitKind) -> None:
    q = questionnaire_for(kind)
    gate = q.question("outage_maintenance_needed")
    items = q.question("outage_items")

    assert gate is not None
    assert gate.answer_type is AnswerType.YES_NO
    assert items is not None
    assert items.answer_type is AnswerType.MULTI_CHOICE
    assert items.asked_if == "outage_maintenance_needed"
    assert [o.id for o in items.options] == SIX_ITEMS
    zh = [o.label.zh for o in items.options]
    for words, label in zip(
        ["调整、润滑", "联锁", "导电膏", "母线", "接地回路", "硅脂"], zh, strict=True
    ):
        assert words in label


def test_the_checks_the_regulation_adds_are_asked() -> None:
    pre = questionnaire_for(VisitKind.PRE_POWER_ON)
    trial = questionnaire_for(VisitKind.TRIAL_RUN)
    progress = pre.question("installation_progress")

    assert progress is not None
    assert progress.answer_type is AnswerType.CHOICE
    assert "安装、调试" in progress.label.zh
    assert pre.question("service_needs") is not None
    assert trial.question("running_normally") is not None
    assert questionnaire_for(VisitKind.POST_WARRANTY_1).question(
        "outage_maintenance_needed"
    )


@pytest.mark.parametrize(
    "calque", ["产品外包装和运输过程是否损伤", "您对售后服务的服务态度", "有无"]
)
def test_the_chinese_reads_naturally(calque: str) -> None:
    for q in QUESTIONNAIRES.values():
        for question in (*q.questions, *q.record_questions):
            assert calque not in question.label.zh, question.id


_CODE = re.compile(r"[a-z]+_[a-z_]+")


@pytest.mark.parametrize("kind", list(VisitKind))
def test_no_internal_code_reaches_a_reader_of_a_questionnaire(kind: VisitKind) -> None:
    form = questionnaire_for(kind).as_dict()
    questions = form["questions"]
    assert isinstance(questions, list)
    labels = [str(form["title"])]
    for question in questions:
        labels.append(question["label"])
        labels.extend(o["label"] for o in question.get("options", []))
    for label in labels:
        assert not _CODE.search(label), label
        assert re.search(r"[\u4e00-\u9fff]", label), label


# ---------------------------------------------- outage items answered ----


def test_outage_items_are_required_after_a_yes() -> None:
    given = answers(W6, outage_maintenance_needed=True)

    assert rules(W6, given) == {("outage_items", AnswerRule.REQUIRED)}
    assert rules(W6, given | {"outage_items": " , "}) == {
        ("outage_items", AnswerRule.REQUIRED)
    }


def test_outage_items_are_refused_after_a_no() -> None:
    given = answers(W6, outage_items="interlocks")

    assert rules(W6, given) == {("outage_items", AnswerRule.NOT_ASKED_HERE)}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("interlocks", set()),
        ("breaker_dust,working_state", set()),
        (",".join(SIX_ITEMS), set()),
        ("interlocks,interlocks", {("outage_items", AnswerRule.INVALID_OPTION)}),
        ("interlocks,paint", {("outage_items", AnswerRule.INVALID_OPTION)}),
        (True, {("outage_items", AnswerRule.WRONG_TYPE)}),
    ],
)
def test_outage_items_are_options_of_the_six(
    items: Answer, expected: set[tuple[str, AnswerRule]]
) -> None:
    given = answers(W6, outage_maintenance_needed=True, outage_items=items)

    assert rules(W6, given) == expected


def test_installation_progress_is_one_of_its_stages() -> None:
    kind = VisitKind.PRE_POWER_ON

    assert rules(kind, answers(kind, installation_progress="commissioning")) == set()
    assert rules(kind, answers(kind, installation_progress="half")) == {
        ("installation_progress", AnswerRule.INVALID_OPTION)
    }


# ------------------------------------------ satisfaction (bugs 1 and 2) ----


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((S, S, S, S), S),
        ((N, N, S, S), N),  # bug 1: two neutral answers gave no rating at all
        ((S, N, S, D), D),
        ((D, D, D, D), D),
        ((N, S, S, S), N),
    ],
)
def test_retail_service_quality_is_the_worst_of_its_four_ratings(
    ratings: tuple[Rating, ...], expected: Rating
) -> None:
    record = VisitRecord(RETAIL, retail(*ratings))

    assert satisfaction(record, SERVICE) is expected
    assert satisfaction(record, PRODUCT) is None


@pytest.mark.parametrize(
    ("overall", "checks", "expected"),
    [
        (S, {}, S),
        (S, {"service_attitude": D}, D),  # bug 2: stayed satisfied
        (N, {"service_timeliness": D}, D),
        (S, {"service_effectiveness": N}, N),
        (N, {}, N),
        (D, {}, D),
    ],
)
def test_service_quality_is_the_worst_of_overall_and_rated_answers(
    overall: Rating, checks: dict[str, Answer], expected: Rating
) -> None:
    record = VisitRecord(W6, answers(W6, **checks), S, overall)

    assert satisfaction(record, SERVICE) is expected
    assert satisfaction(record, PRODUCT) is S


def test_product_quality_is_the_overall_rating_where_no_check_rates_it() -> None:
    kind = VisitKind.PRE_POWER_ON
    record = VisitRecord(kind, answers(kind, staff_skill=D), N, S)

    assert (satisfaction(record, PRODUCT), satisfaction(record, SERVICE)) == (N, D)


# ------------------------------------------------- forms (6.2.6, bug 4) ----


def test_suggestions_are_a_suggestion_form_not_a_complaint() -> None:
    kind = VisitKind.TRIAL_RUN
    record = VisitRecord(kind, answers(kind), S, S, suggestions="希望提供操作培训")

    [form] = complaints_from(record)

    assert form.form is FeedbackForm.SUGGESTION
    assert form.subject is ComplaintSubject.SUGGESTION
    assert form.description == "建议:希望提供操作培训"


@pytest.mark.parametrize(
    ("kind", "given", "items", "description"),
    [
        (
            VisitKind.PRE_POWER_ON,
            {"documents_complete": False, "transport_damage": True},
            ("documents_complete", "transport_damage"),
            "使用中的问题:文件资料或附件不齐全;包装或产品在运输中受损",
        ),
        (
            VisitKind.TRIAL_RUN,
            {"running_normally": False, "quality_problems": " 柜门变形 "},
            ("running_normally", "quality_problems"),
            "使用中的问题:设备运行不正常;使用中发现的质量问题:柜门变形",
        ),
        (
            VisitKind.TRIAL_RUN,
            {"abnormal_smell": True},
            ("abnormal_smell",),
            "使用中的问题:设备有异常气味(臭氧味)",
        ),
        (
            VisitKind.POST_WARRANTY_2,
            {"rust_marks": True, "interlocks_work": False},
            ("rust_marks", "interlocks_work"),
            "使用中的问题:加工件或电镀件生锈;联锁不正常",
        ),
    ],
)
def test_a_defect_reported_raises_a_problem_report_with_nothing_dissatisfied(
    kind: VisitKind,
    given: dict[str, Answer],
    items: tuple[str, ...],
    description: str,
) -> None:
    record = VisitRecord(kind, answers(kind, **given), S, S)

    [form] = complaints_from(record)

    assert (form.form, form.subject) == (FeedbackForm.PROBLEM_REPORT, PRODUCT)
    assert form.items == items
    assert form.description == description
    assert form.asks_for == ()


def test_outage_maintenance_wanted_is_a_service_request_with_its_items() -> None:
    given = answers(
        W6, outage_maintenance_needed=True, outage_items="busbar_joints,interlocks"
    )

    [form] = complaints_from(VisitRecord(W6, given, S, S))

    assert (form.form, form.subject) == (FeedbackForm.SERVICE_REQUEST, SERVICE)
    assert form.items == ("outage_items",)
    assert form.asks_for == ("busbar_joints", "interlocks")
    assert form.description == (
        "服务需求:停电检修:检查并紧固母线和各导电连接部位,处理发热、"
        "检查联锁装置是否灵活可靠,必要时调整、润滑"
    )


@pytest.mark.parametrize(
    ("kind", "given", "asks_for"),
    [
        (VisitKind.PRE_POWER_ON, {"training_needed": True}, ("training",)),
        (
            VisitKind.PRE_POWER_ON,
            {"service_needs": "协助送电验收", "training_needed": True},
            ("on_site_service", "training"),
        ),
        (VisitKind.TRIAL_RUN, {"training_needed": True}, ("training",)),
        (
            VisitKind.POST_WARRANTY_1,
            {"needs_retrofit": True, "needs_maintenance": True},
            ("maintenance", "retrofit"),
        ),
        (
            VisitKind.ON_SITE_FOLLOWUP,
            {"problem_solved": False},
            ("unsolved_problem",),
        ),
    ],
)
def test_a_service_wanted_is_a_service_request(
    kind: VisitKind, given: dict[str, Answer], asks_for: tuple[str, ...]
) -> None:
    [form] = complaints_from(VisitRecord(kind, answers(kind, **given), S, S))

    assert form.form is FeedbackForm.SERVICE_REQUEST
    assert form.asks_for == asks_for


def _record_visit(**fields: object) -> RecordVisit:
    base: dict[str, object] = {
        "visit_id": "V1",
        "visited_on": date(2026, 11, 20),
        "visitor": "Zhao Min",
        "channel": None,
        "answers": {},
        "product_quality": S,
        "service_quality": S,
        "suggestions": "",
        "needs": "",
        "unresolved_by_phone": False,
        "actor": "Zhao Min",
    }
    return RecordVisit(**(base | fields))  # type: ignore[arg-type]


def _visit(kind: VisitKind, channel: Channel = Channel.PHONE) -> Visit:
    return Visit(
        "V1", "C1", kind, VisitStatus.OPEN, channel, unit_id="U1", region="east"
    )


def test_a_record_raises_its_forms_in_a_fixed_order_with_stable_ids() -> None:
    visit = _visit(W6)
    command = _record_visit(
        answers=answers(
            W6,
            service_attitude=D,
            discharge=True,
            outage_maintenance_needed=True,
            outage_items="earthing_circuit",
        ),
        product_quality=D,
        service_quality=S,
        suggestions="多来巡检",
    )
    record = command.record(visit)
    completed = events.visit_completed(visit, command, record, "HF-2026-11-0042")

    raised = events.complaints_of(completed, record)
    again = events.complaints_of(completed, record)

    assert [
        (c.payload.complaint_id, c.payload.form, c.payload.subject, c.payload.items)
        for c in raised
    ] == [
        ("HF-2026-11-0042-1", FeedbackForm.COMPLAINT, PRODUCT, []),
        ("HF-2026-11-0042-2", FeedbackForm.COMPLAINT, SERVICE, []),
        ("HF-2026-11-0042-3", FeedbackForm.PROBLEM_REPORT, PRODUCT, []),
        (
            "HF-2026-11-0042-4",
            FeedbackForm.SERVICE_REQUEST,
            SERVICE,
            ["earthing_circuit"],
        ),
        (
            "HF-2026-11-0042-5",
            FeedbackForm.SUGGESTION,
            ComplaintSubject.SUGGESTION,
            [],
        ),
    ]
    assert [c.event_id for c in raised] == [c.event_id for c in again]
    p = completed.payload
    assert (p.product_quality, p.service_quality) == (D, D)
    assert (p.overall_product_quality, p.overall_service_quality) == (D, S)
    assert p.score == 80  # two dissatisfied ratings


def test_the_published_retail_rating_is_the_worst_of_four() -> None:
    visit = Visit("R1", "C9", RETAIL, VisitStatus.OPEN, Channel.PHONE, store_id="S1")
    command = _record_visit(
        visit_id="R1",
        answers=retail(N, S, N, S),
        product_quality=None,
        service_quality=None,
    )

    completed = events.visit_completed(
        visit, command, command.record(visit), "HF-2026-11-0001"
    )

    p = completed.payload
    assert (p.product_quality, p.service_quality) == (None, N)
    assert (p.overall_product_quality, p.overall_service_quality) == (None, None)
    assert p.score == 100


# ------------------------------------------------- on site (6.1.2, 6.2.6) ----


def test_opportunities_are_noted_on_site_only() -> None:
    kind = VisitKind.WARRANTY_12M
    on_phone = VisitRecord(
        kind, answers(kind), S, S, opportunities="二期扩建", channel=Channel.PHONE
    )
    on_site = VisitRecord(
        kind, answers(kind), S, S, opportunities="二期扩建", channel=Channel.ON_SITE
    )

    assert [(e.question_id, e.rule) for e in validate_record(on_phone)] == [
        ("opportunities", AnswerRule.ON_SITE_ONLY)
    ]
    assert validate_record(on_site) == []
    assert complaints_from(on_site) == []  # for sales, in the report: no form


def test_opportunities_are_published_on_the_record() -> None:
    visit = _visit(W6, Channel.ON_SITE)
    command = _record_visit(answers=answers(W6), opportunities="新建变电站")

    completed = events.visit_completed(
        visit, command, command.record(visit), "HF-2026-11-0002"
    )

    assert completed.payload.opportunities == "新建变电站"
    assert completed.payload.channel is Channel.ON_SITE


def test_a_record_unresolved_by_phone_says_so() -> None:
    visit = _visit(VisitKind.TRIAL_RUN)
    command = _record_visit(
        answers=answers(VisitKind.TRIAL_RUN), unresolved_by_phone=True
    )

    completed = events.visit_completed(
        visit, command, command.record(visit), "HF-2026-11-0003"
    )

    assert completed.payload.unresolved_by_phone is True


# ---------------------------------------------- service visits (6.2.7) ----


def test_a_service_visit_is_named_after_its_record() -> None:
    assert service_visit_id("HF-2026-11-0042") == "SV:HF-2026-11-0042"


def test_a_service_visit_takes_the_unit_as_the_schedule_knows_it() -> None:
    command = RecordServiceVisit(
        _record_visit(channel=None), "C1", "U1", product_model="X", region="west"
    )
    known = Unit("U1", "C1", product_model="KYN28", region="east")

    visit = service_visit(command, known)
    unknown = service_visit(command, None)

    assert (visit.kind, visit.channel) == (VisitKind.SERVICE_VISIT, Channel.ON_SITE)
    assert (visit.customer_id, visit.unit_id) == ("C1", "U1")
    assert (visit.product_model, visit.region) == ("KYN28", "east")
    assert (unknown.product_model, unknown.region) == ("X", "west")


def test_a_service_visit_is_about_a_unit_of_its_customer() -> None:
    known = Unit("U1", "C1")

    assert not unit_of_another_customer(known, "C1")
    assert unit_of_another_customer(known, "C2")
    assert not unit_of_another_customer(None, "C2")


def test_a_service_visit_asks_the_record_questions() -> None:
    kind = VisitKind.SERVICE_VISIT
    record = VisitRecord(kind, {}, S, D, needs="备件", channel=Channel.ON_SITE)

    assert validate_record(record) == []
    assert [(c.form, c.subject) for c in complaints_from(record)] == [
        (FeedbackForm.COMPLAINT, SERVICE),
        (FeedbackForm.SUGGESTION, ComplaintSubject.SUGGESTION),
    ]
