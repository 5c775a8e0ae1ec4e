"""A visit record (顾客回访记录): its answers checked, rated and scored.

Validate first: `score`, `satisfaction` (and `forms.forms_from`) read the
answers as they are and count only what is plainly dissatisfied.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from schemas.types import Channel, ComplaintSubject, Rating, VisitKind
from services.survey.domain.questionnaires import questionnaire_for
from services.survey.domain.questions import AnswerType, Question, chosen

Answer = str | bool | int | None  # as on the wire (schemas.survey.Answer)
_RATINGS = tuple(Rating)
# From best to worst: the worst of several ratings is the one latest here.
_ORDER = {Rating.SATISFIED: 0, Rating.NEUTRAL: 1, Rating.DISSATISFIED: 2}


class AnswerRule(StrEnum):
    """The rule an answer broke."""

    REQUIRED = "required"
    UNKNOWN_QUESTION = "unknown_question"
    NOT_ASKED = "not_asked"  # a record field this kind does not ask
    NOT_ASKED_HERE = "not_asked_here"  # asked only after another answer's yes
    ON_SITE_ONLY = "on_site_only"  # asked only on an on-site visit
    WRONG_TYPE = "wrong_type"
    INVALID_RATING = "invalid_rating"
    INVALID_OPTION = "invalid_option"


@dataclass(frozen=True)
class AnswerError:
    question_id: str
    rule: AnswerRule
    message: str


@dataclass(frozen=True)
class VisitRecord:
    """What a visit found; the fields are those of `VisitCompletedPayload`
    (`product_quality` and `service_quality` as the visitor gave them)."""

    kind: VisitKind
    answers: Mapping[str, Answer] = field(default_factory=dict)
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    suggestions: str = ""
    needs: str = ""
    opportunities: str = ""
    channel: Channel | None = None

    def field_answers(self) -> dict[str, Answer]:
        """The record's own fields, keyed like its record questions."""
        return {
            "product_quality": self.product_quality,
            "service_quality": self.service_quality,
            "suggestions": self.suggestions,
            "needs": self.needs,
            "opportunities": self.opportunities,
        }

    def ratings(self) -> list[tuple[Question, Answer]]:
        """Every scored rating the kind asks, with the record's answer to it."""
        questionnaire = questionnaire_for(self.kind)
        fields = self.field_answers()
        return [
            *((q, self.answers.get(q.id)) for q in questionnaire.questions if q.scored),
            *((q, fields[q.id]) for q in questionnaire.record_questions if q.scored),
        ]

    def checklist(self) -> list[tuple[Question, Answer]]:
        """Every checklist question the kind asks, with the record's answer."""
        return [
            (q, self.answers.get(q.id)) for q in questionnaire_for(self.kind).questions
        ]


def worst(ratings: Iterable[Answer]) -> Rating | None:
    """The worst rating among `ratings` (None and non-ratings ignored)."""
    given = [Rating(r) for r in ratings if isinstance(r, str) and r in _RATINGS]
    return max(given, key=_ORDER.__getitem__, default=None)


def satisfaction(record: VisitRecord, subject: ComplaintSubject) -> Rating | None:
    """The record's satisfaction with `subject` (domain.md, "A visit record").

    The worst of the visitor's overall rating of it and every rated checklist
    answer about it: one dissatisfied answer about the service makes the
    record dissatisfied with the service whatever its overall rating. A
    retail record has no overall rating: its service quality is the worst of
    its four ratings, and it has no product quality (no rating is about it).
    """
    return worst(
        value for question, value in record.ratings() if question.subject is subject
    )


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
    if kind in (AnswerType.CHOICE, AnswerType.MULTI_CHOICE):
        picked = chosen(value) if kind is AnswerType.MULTI_CHOICE else [str(value)]
        unknown = [p for p in picked if question.option(p) is None]
        if unknown or len(set(picked)) != len(picked):
            allowed = ", ".join(o.id for o in question.options)
            how = "one of" if kind is AnswerType.CHOICE else "distinct ids among"
            return AnswerError(
                qid, AnswerRule.INVALID_OPTION, f"{qid} must be {how} {allowed}"
            )
    return None


def validate_answers(
    kind: VisitKind, answers: Mapping[str, Answer]
) -> list[AnswerError]:
    """Check a checklist against its kind: unknown ids, missing or wrong answers.

    A question asked only after a yes (`asked_if`: which outage items are
    needed) is required after that yes and refused after anything else.
    """
    questionnaire = questionnaire_for(kind)
    errors = [
        AnswerError(qid, AnswerRule.UNKNOWN_QUESTION, f"{kind} asks no {qid!r}")
        for qid in answers
        if questionnaire.question(qid) is None
    ]
    for q in questionnaire.questions:
        value = answers.get(q.id)
        if q.asked_if is not None and answers.get(q.asked_if) is not True:
            if value is not None and value != "":
                message = f"{q.id} is asked only when {q.asked_if} is yes"
                errors.append(AnswerError(q.id, AnswerRule.NOT_ASKED_HERE, message))
            continue
        error = _check(q, value)
        if error is None and q.asked_if is not None and not chosen(value):
            error = AnswerError(q.id, AnswerRule.REQUIRED, f"{q.id} must be answered")
        errors.extend([error] if error else [])
    return errors


def validate_record(record: VisitRecord) -> list[AnswerError]:
    """`validate_answers`, plus the record questions of its kind.

    Industrial kinds and re-visits must rate product and service quality; a
    retail visit asks neither, so a rating given there is refused. Business
    opportunities are noted on on-site visits only.
    """
    errors = validate_answers(record.kind, record.answers)
    asked = {q.id: q for q in questionnaire_for(record.kind).record_questions}
    for qid, value in record.field_answers().items():
        if qid in asked:
            question = asked[qid]
            error = _check(question, value)
            off_site = record.channel is not Channel.ON_SITE
            if error is None and question.on_site_only and value and off_site:
                message = f"{qid} is noted on on-site visits only"
                error = AnswerError(qid, AnswerRule.ON_SITE_ONLY, message)
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
