"""The shape of a questionnaire: questions, their answer types and labels.

A questionnaire has two lists. `questions` is the checklist of its visit kind;
their answers go into the record's `answers` mapping under the question id.
`record_questions` are asked too, but each is stored in a field of the visit
record of the same name (`product_quality`, `service_quality`, `suggestions`,
`needs`), because domain.md lists them on every record, whatever the kind.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

from schemas.types import ComplaintSubject, VisitKind

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)

_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class AnswerType(StrEnum):
    """What kind of answer a question takes."""

    RATING = "rating"  # a schemas.types.Rating value: 满意 / 一般 / 不满意
    YES_NO = "yes_no"  # a bool
    TEXT = "text"  # free text


@dataclass(frozen=True)
class Label:
    """The same words in Chinese (the default) and English."""

    zh: str
    en: str

    def text(self, lang: Lang = "zh") -> str:
        """Return the label in `lang`."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Question:
    """One question; its id is the key of its answer and never changes.

    `scored` marks the ratings that count toward the record's score; `subject`
    says which complaint a dissatisfied answer raises (only ratings have one).
    """

    id: str
    answer_type: AnswerType
    label: Label
    required: bool = True
    scored: bool = False
    subject: ComplaintSubject | None = None

    def __post_init__(self) -> None:
        if not _SNAKE_CASE.match(self.id):
            raise ValueError(f"question id {self.id!r} is not snake_case")
        is_rating = self.answer_type is AnswerType.RATING
        if (self.scored or self.subject is not None) and not is_rating:
            raise ValueError(f"{self.id}: only a rating can be scored or complained of")

    def as_dict(self, lang: Lang, stored_in: str) -> dict[str, object]:
        """Serialise for the questionnaire endpoint."""
        return {
            "id": self.id,
            "answer_type": self.answer_type.value,
            "required": self.required,
            "scored": self.scored,
            "label": self.label.text(lang),
            "stored_in": stored_in,
        }


@dataclass(frozen=True)
class Questionnaire:
    """The template a visitor follows for one visit kind.

    `greeting` and `closing` are read out on the phone (the retail script);
    the greeting has the placeholders `{customer}`, `{brand}`, `{visitor}` and
    `{staff_no}` (the visitor's name and staff number, as the script asks).
    """

    kind: VisitKind
    title: Label
    questions: tuple[Question, ...]
    record_questions: tuple[Question, ...] = ()
    greeting: Label | None = None
    closing: Label | None = None

    def __post_init__(self) -> None:
        ids = [q.id for q in (*self.questions, *self.record_questions)]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.kind}: question ids are not unique: {ids}")

    def question(self, question_id: str) -> Question | None:
        """Return the checklist question with this id, if the kind asks it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def as_dict(self, lang: Lang = "zh") -> dict[str, object]:
        """Serialise for `GET /v1/questionnaires/{kind}?lang=zh|en`.

        Questions come in the order they are asked: the checklist first, then
        the record questions, each marked with where its answer is stored.
        """
        return {
            "kind": self.kind.value,
            "lang": lang,
            "title": self.title.text(lang),
            "greeting": self.greeting.text(lang) if self.greeting else None,
            "closing": self.closing.text(lang) if self.closing else None,
            "questions": [
                *(q.as_dict(lang, "answers") for q in self.questions),
                *(q.as_dict(lang, "record") for q in self.record_questions),
            ],
        }


def yes_no(qid: str, zh: str, en: str) -> Question:
    """A required yes/no question."""
    return Question(qid, AnswerType.YES_NO, Label(zh, en))


def rating(
    qid: str,
    zh: str,
    en: str,
    subject: ComplaintSubject = ComplaintSubject.SERVICE_QUALITY,
) -> Question:
    """A required rating that counts toward the score.

    Every rating the source asks is scored. All but product quality are about
    the service (staff, timeliness, the shop), hence the default subject.
    """
    return Question(qid, AnswerType.RATING, Label(zh, en), scored=True, subject=subject)


def text(qid: str, zh: str, en: str) -> Question:
    """An optional free-text question: a customer may have nothing to add."""
    return Question(qid, AnswerType.TEXT, Label(zh, en), required=False)
