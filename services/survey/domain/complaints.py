"""What a visit record raises: information feedback forms (信息反馈单).

domain.md, "A visit record" (6.2.5, 6.2.6): any dissatisfied rating raises a
*complaint* about its subject; a checklist answer that reports a defect raises
a *problem report* to production, even when nothing is rated dissatisfied; a
service wanted (training, an outage for maintenance with its items, on-site
service needs, maintenance / retrofit / other after the warranty, a problem
still unsolved on site) raises a *service request* to after-sales; the
suggestions and needs (free text) raise a *suggestion* to quality. A re-visit
raises none: its outcome verifies or reopens the ticket it was made for, a
rule of the feedback service.

A record raises its forms in one fixed order (complaints about the product,
then about the service, the problem report, the service request, the
suggestion), at most one of each, so that their ids `{record_no}-{n}` are the
same whenever the same record is decided.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.limits import MAX_TEXT
from schemas.types import (
    ComplaintSubject,
    FeedbackForm,
    PostWarrantyService,
    Rating,
    VisitKind,
)
from services.survey.domain.questions import (
    AnswerType,
    Label,
    Lang,
    Question,
    Raises,
    chosen,
)
from services.survey.domain.records import Answer, VisitRecord


@dataclass(frozen=True)
class Complaint:
    """What an information feedback form (信息反馈单) will state.

    `form` is its kind and `subject` routes it (product → production, service
    → after-sales, suggestion → quality). `items` are the ids of the answers
    that raised it (dissatisfied ratings, defect or service answers, the
    suggestion and need fields); `asks_for` is what a service request asks for
    (the outage-maintenance items chosen, `training`, `maintenance`, ...).
    """

    subject: ComplaintSubject
    items: tuple[str, ...]
    description: str
    customer_suggestion: str = ""
    form: FeedbackForm = FeedbackForm.COMPLAINT
    asks_for: tuple[str, ...] = ()


_ELLIPSIS = "…"


def bounded(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to the free-text limit of the contracts (with an ellipsis):
    a description joins the suggestions and the needs, each within the limit,
    so together they may exceed it, and the form must still be raised."""
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)] + _ELLIPSIS


_DISSATISFIED = Label("顾客不满意:", "Customer dissatisfied: ")
_PROBLEMS = Label("使用中的问题:", "Problems in use: ")
_REQUESTS = Label("服务需求:", "Service wanted: ")
_SEPARATOR = Label(";", "; ")
_LIST = Label("、", ", ")
_STATED = Label("{}:{}", "{}: {}")
_SUGGESTS = Label("建议:{}", "Suggestions: {}")
_NEEDS = Label("需求:{}", "Needs: {}")

# What a yes/no service request asks for, by question id (payload `items`).
_ASKS_FOR = {
    "training_needed": "training",
    "needs_maintenance": PostWarrantyService.MAINTENANCE.value,
    "needs_retrofit": PostWarrantyService.RETROFIT.value,
    "needs_other_service": PostWarrantyService.OTHER.value,
    "service_needs": "on_site_service",
    "problem_solved": "unsolved_problem",
}
_SERVICES = {
    "needs_maintenance": PostWarrantyService.MAINTENANCE,
    "needs_retrofit": PostWarrantyService.RETROFIT,
    "needs_other_service": PostWarrantyService.OTHER,
}


def post_warranty_services(answers: Mapping[str, Answer]) -> list[PostWarrantyService]:
    """The post-warranty services a customer said yes to (needs_* questions)."""
    return [service for qid, service in _SERVICES.items() if answers.get(qid) is True]


def _stated(question: Question, value: Answer, lang: Lang) -> str:
    """How a raising answer reads on its form."""
    assert question.finding is not None  # only raising answers are stated
    finding = question.finding.text(lang)
    if question.answer_type is AnswerType.MULTI_CHOICE:
        labels = [
            o.label.text(lang) for p in chosen(value) if (o := question.option(p))
        ]
        return _STATED.text(lang).format(finding, _LIST.text(lang).join(labels))
    if question.answer_type is AnswerType.TEXT and isinstance(value, str):
        return _STATED.text(lang).format(finding, value.strip())
    return finding


def _asks_for(question: Question, value: Answer) -> list[str]:
    if question.answer_type is AnswerType.MULTI_CHOICE:
        return chosen(value)
    return [_ASKS_FOR.get(question.id, question.id)]


def complaints_from(record: VisitRecord, lang: Lang = "zh") -> list[Complaint]:
    """The forms a visit raises, in their fixed order (module docstring).

    A complaint per subject with a dissatisfied rating (product quality;
    service quality or any rated checklist question, every one of which rates
    the service: staff, timeliness, the shop). Yes/no findings raise a problem
    report or service request by themselves, never a complaint: the customer's
    rating says whether they are dissatisfied.
    """
    if record.kind is VisitKind.REVISIT:
        return []
    suggestion = record.suggestions.strip()
    joined = _SEPARATOR.text(lang).join
    by_subject: dict[ComplaintSubject, list[Question]] = {}
    for question, value in record.ratings():
        if value == Rating.DISSATISFIED and question.subject is not None:
            by_subject.setdefault(question.subject, []).append(question)
    forms = [
        Complaint(
            subject,
            tuple(q.id for q in questions),
            _DISSATISFIED.text(lang) + joined(q.label.text(lang) for q in questions),
            suggestion,
        )
        for subject in ComplaintSubject
        if (questions := by_subject.get(subject))
    ]
    raising = [(q, v) for q, v in record.checklist() if q.raises_form(v)]
    for raises, form, subject, heading in (
        (
            Raises.PROBLEM_REPORT,
            FeedbackForm.PROBLEM_REPORT,
            ComplaintSubject.PRODUCT_QUALITY,
            _PROBLEMS,
        ),
        (
            Raises.SERVICE_REQUEST,
            FeedbackForm.SERVICE_REQUEST,
            ComplaintSubject.SERVICE_QUALITY,
            _REQUESTS,
        ),
    ):
        found = [(q, v) for q, v in raising if q.raises is raises]
        if found:
            asks_for: tuple[str, ...] = ()
            if form is FeedbackForm.SERVICE_REQUEST:
                asks_for = tuple(a for q, v in found for a in _asks_for(q, v))
            forms.append(
                Complaint(
                    subject,
                    tuple(q.id for q, _ in found),
                    bounded(
                        heading.text(lang)
                        + joined(_stated(q, v, lang) for q, v in found)
                    ),
                    suggestion,
                    form,
                    asks_for,
                )
            )
    items, wishes = _wishes(record, lang)
    if items:
        forms.append(
            Complaint(
                ComplaintSubject.SUGGESTION,
                items,
                bounded(joined(wishes)),
                suggestion,
                FeedbackForm.SUGGESTION,
            )
        )
    return forms


def _wishes(record: VisitRecord, lang: Lang) -> tuple[tuple[str, ...], list[str]]:
    """The suggestion and need items of a record, and how to state each."""
    items: list[str] = []
    wishes: list[str] = []
    for qid, template, text in (
        ("suggestions", _SUGGESTS, record.suggestions),
        ("needs", _NEEDS, record.needs),
    ):
        if text.strip():
            items.append(qid)
            wishes.append(template.text(lang).format(text.strip()))
    return tuple(items), wishes
