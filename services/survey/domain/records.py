"""A visit record (顾客回访记录): its answers checked and scored.

Validate first: `score` (and `complaints.complaints_from`) read the answers as
they are and count only what is plainly dissatisfied.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from schemas.types import Rating, VisitKind
from services.survey.domain.questionnaires import questionnaire_for
from services.survey.domain.questions import AnswerType, Question

Answer = str | bool | int | None  # as on the wire (schemas.survey.Answer)
_RATINGS = tuple(Rating)


class AnswerRule(StrEnum):
    """The rule an answer broke."""

    REQUIRED = "required"
    UNKNOWN_QUESTION = "unknown_question"
    NOT_ASKED = "not_asked"  # a record field this kind does not ask
    WRONG_TYPE = "wrong_type"
    INVALID_RATING = "invalid_rating"


@dataclass(frozen=True)
class AnswerError:
    question_id: str
    rule: AnswerRule
    message: str


@dataclass(frozen=True)
class VisitRecord:
    """What a visit found; the fields are those of `VisitCompletedPayload`."""

    kind: VisitKind
    answers: Mapping[str, Answer] = field(default_factory=dict)
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    suggestions: str = ""
    needs: str = ""

    def field_answers(self) -> dict[str, Answer]:
        """The record's own fields, keyed like its record questions."""
        return {
            "product_quality": self.product_quality,
            "service_quality": self.service_quality,
            "suggestions": self.suggestions,
            "needs": self.needs,
        }

    def ratings(self) -> list[tuple[Question, Answer]]:
        """Every scored rating the kind asks, with the record's answer to it."""
        questionnaire = questionnaire_for(self.kind)
        fields = self.field_answers()
        return [
            *((q, self.answers.get(q.id)) for q in questionnaire.questions if q.scored),
            *((q, fields[q.id]) for q in questionnaire.record_questions if q.scored),
        ]


def _check(question: Question, value: Answer) -> AnswerError | None:
    qid, kind = question.id, question.answer_type
    if value is None or (isinstance(value, str) and not value.strip()):
        if not question.required:
            return None
        return AnswerError(qid, AnswerRule.REQUIRED, f"{qid} must be answered")
    # bool is an int subclass: 1 is not a yes.
    ok = type(value) is bool if kind is AnswerType.YES_NO else isinstance(value, str)
    if not ok:
        return AnswerError(
            qid, AnswerRule.WRONG_TYPE, f"{qid} takes a {kind} answer, not {value!r}"
        )
    if kind is AnswerType.RATING and value not in _RATINGS:
        allowed = ", ".join(_RATINGS)
        return AnswerError(
            qid, AnswerRule.INVALID_RATING, f"{qid} must be one of {allowed}"
        )
    return None


def validate_answers(
    kind: VisitKind, answers: Mapping[str, Answer]
) -> list[AnswerError]:
    """Check a checklist against its kind: unknown ids, missing or wrong answers."""
    questionnaire = questionnaire_for(kind)
    errors = [
        AnswerError(qid, AnswerRule.UNKNOWN_QUESTION, f"{kind} asks no {qid!r}")
        for qid in answers
        if questionnaire.question(qid) is None
    ]
    checked = (_check(q, answers.get(q.id)) for q in questionnaire.questions)
    return errors + [e for e in checked if e is not None]


def validate_record(record: VisitRecord) -> list[AnswerError]:
    """`validate_answers`, plus the record questions of its kind.

    Industrial kinds and re-visits must rate product and service quality; a
    retail visit asks neither, so a rating given there is refused.
    """
    errors = validate_answers(record.kind, record.answers)
    asked = {q.id: q for q in questionnaire_for(record.kind).record_questions}
    for qid, value in record.field_answers().items():
        if qid in asked:
            error = _check(asked[qid], value)
            errors.extend([error] if error else [])
        elif value:
            message = f"{record.kind} does not ask {qid}"
            errors.append(AnswerError(qid, AnswerRule.NOT_ASKED, message))
    return errors


def score_ratings(ratings: Iterable[Answer]) -> int:
    """100 − 10 × the number of dissatisfied ratings, never below 0."""
    dissatisfied = sum(1 for r in ratings if r == Rating.DISSATISFIED)
    return max(0, 100 - 10 * dissatisfied)


def score(
    kind: VisitKind,
    answers: Mapping[str, Answer],
    product_quality: Rating | None = None,
    service_quality: Rating | None = None,
) -> int:
    """The record's score: `score_ratings` over every scored rating of its kind.

    Retail: the four rated questions of the script (two dissatisfied → 80).
    Industrial and re-visit: the kind's rated checklist questions (staff
    attitude and skill, after-sales timeliness, effectiveness, attitude) plus
    the product-quality and service-quality ratings; a kind whose checklist has
    no rating is scored on those two alone. Ratings a kind does not ask (product
    quality on a retail visit) are ignored; an unanswered rating counts as not
    dissatisfied.
    """
    record = VisitRecord(kind, answers, product_quality, service_quality)
    return score_ratings(value for _, value in record.ratings())
