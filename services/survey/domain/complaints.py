"""What a visit record raises: complaints.

Any dissatisfied rating raises a complaint (domain.md, "A visit record"); a
re-visit raises none: its outcome verifies or reopens the ticket it was made
for, a rule of the feedback service (`services.feedback.domain.revisit`).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.limits import MAX_TEXT
from schemas.types import ComplaintSubject, PostWarrantyService, Rating, VisitKind
from services.survey.domain.questions import Label, Lang, Question
from services.survey.domain.records import Answer, VisitRecord


@dataclass(frozen=True)
class Complaint:
    """What an information feedback form (信息反馈单) will state.

    `items` are the ids of the dissatisfied ratings, or of the suggestion and
    need fields, that raised it.
    """

    subject: ComplaintSubject
    items: tuple[str, ...]
    description: str
    customer_suggestion: str = ""


_ELLIPSIS = "…"


def bounded(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to the free-text limit of the contracts (with an ellipsis):
    a description joins the suggestions and the needs, each within the limit,
    so together they may exceed it, and the complaint must still be raised."""
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)] + _ELLIPSIS


_DISSATISFIED = Label("顾客不满意:", "Customer dissatisfied: ")
_SEPARATOR = Label(";", "; ")
_SUGGESTS = Label("建议:{}", "Suggestions: {}")
_NEEDS = Label("需求:{}", "Needs: {}")
_SERVICE_NEEDED = Label("质保期外服务需求:{}", "Post-warranty service needed: {}")
_SERVICES = {
    "needs_maintenance": (
        PostWarrantyService.MAINTENANCE,
        Label("维护", "maintenance"),
    ),
    "needs_retrofit": (PostWarrantyService.RETROFIT, Label("改造", "retrofit")),
    "needs_other_service": (PostWarrantyService.OTHER, Label("其他", "other")),
}


def post_warranty_services(answers: Mapping[str, Answer]) -> list[PostWarrantyService]:
    """The post-warranty services a customer said yes to (needs_* questions)."""
    return [
        service for qid, (service, _) in _SERVICES.items() if answers.get(qid) is True
    ]


def complaints_from(record: VisitRecord, lang: Lang = "zh") -> list[Complaint]:
    """The complaints a visit raises: at most one per subject.

    Product quality dissatisfied → PRODUCT_QUALITY. Service quality or any
    rated checklist question dissatisfied (every one of them rates the service:
    staff, timeliness, the shop) → SERVICE_QUALITY. Suggestions, needs, or a
    post-warranty service wanted → SUGGESTION, because domain.md routes
    suggestions and needs to the quality department. Yes/no findings (a
    discharge, a damaged part) raise nothing by themselves: the customer's
    rating says whether they are dissatisfied. A re-visit raises nothing: its
    outcome verifies or reopens its ticket instead (feedback's
    `revisit_outcome`).
    """
    if record.kind is VisitKind.REVISIT:
        return []
    suggestion = record.suggestions.strip()
    joined = _SEPARATOR.text(lang).join
    by_subject: dict[ComplaintSubject, list[Question]] = {}
    for question, value in record.ratings():
        if value == Rating.DISSATISFIED and question.subject is not None:
            by_subject.setdefault(question.subject, []).append(question)
    complaints = [
        Complaint(
            subject,
            tuple(q.id for q in questions),
            _DISSATISFIED.text(lang) + joined(q.label.text(lang) for q in questions),
            suggestion,
        )
        for subject in ComplaintSubject
        if (questions := by_subject.get(subject))
    ]
    items, wishes = _wishes(record, lang)
    if items:
        complaints.append(
            Complaint(
                ComplaintSubject.SUGGESTION, items, bounded(joined(wishes)), suggestion
            )
        )
    return complaints


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
    wanted = [qid for qid in _SERVICES if record.answers.get(qid) is True]
    if wanted:
        items.extend(wanted)
        names = _SEPARATOR.text(lang).join(_SERVICES[q][1].text(lang) for q in wanted)
        wishes.append(_SERVICE_NEEDED.text(lang).format(names))
    return tuple(items), wishes
