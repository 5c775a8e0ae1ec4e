"""The shape of a questionnaire: questions, their answer types and labels.

A questionnaire has two lists. `questions` is the checklist of its visit kind;
their answers go into the record's `answers` mapping under the question id.
`record_questions` are asked too, but each is stored in a field of the visit
record of the same name (`product_quality`, `service_quality`, `suggestions`,
`needs`, `opportunities`), because domain.md lists them on records whatever
the kind.

Every rating is answered on the one scale `RATING_SCALE` (满意 / 一般 / 不满意),
which every questionnaire shows; a yes/no question is asked as a question. A
choice (one option) or a multi-choice ("which are needed") lists its options;
the answer of a multi-choice is the ids of the options chosen, joined by commas
in any order (`working_state,interlocks`), as the event contract carries text.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

from schemas.types import ComplaintSubject, Rating, VisitKind

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)

_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
CHOICE_SEPARATOR = ","


class AnswerType(StrEnum):
    """What kind of answer a question takes."""

    RATING = "rating"  # a schemas.types.Rating value: 满意 / 一般 / 不满意
    YES_NO = "yes_no"  # a bool
    TEXT = "text"  # free text
    CHOICE = "choice"  # the id of one option
    MULTI_CHOICE = "multi_choice"  # the ids of the options chosen, comma-joined


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
class Option:
    """One option of a choice or multi-choice question."""

    id: str
    label: Label

    def as_dict(self, lang: Lang) -> dict[str, str]:
        return {"value": self.id, "label": self.label.text(lang)}


# The satisfaction scale of every rating (domain.md): shown on every form.
RATING_SCALE: tuple[Option, ...] = (
    Option(Rating.SATISFIED.value, Label("满意", "satisfied")),
    Option(Rating.NEUTRAL.value, Label("一般", "neutral")),
    Option(Rating.DISSATISFIED.value, Label("不满意", "dissatisfied")),
)
_YES_NO = ((True, Label("是", "yes")), (False, Label("否", "no")))


class Raises(StrEnum):
    """The information feedback form an answer raises by itself (6.2.6)."""

    PROBLEM_REPORT = "problem_report"  # a defect: to production (+ technical)
    SERVICE_REQUEST = "service_request"  # a service wanted: to after-sales


@dataclass(frozen=True)
class Question:
    """One question; its id is the key of its answer and never changes.

    `scored` marks the ratings that count toward the record's score; `subject`
    says which subject a rating is about (a dissatisfied answer complains of
    it, and it takes part in the record's satisfaction with it).

    `raises` and `raised_by` say which answer raises a form by itself: a yes/no
    answer equal to `raised_by`, or any text or any chosen option (`raised_by`
    None). `finding` states it on the form ("文件资料或附件不齐全").
    `asked_if` names a yes/no question of the same checklist: this one is asked
    (and required) only when that one is answered yes, and refused otherwise.
    `on_site_only` marks a record question noted on on-site visits only.
    """

    id: str
    answer_type: AnswerType
    label: Label
    required: bool = True
    scored: bool = False
    subject: ComplaintSubject | None = None
    options: tuple[Option, ...] = ()
    asked_if: str | None = None
    raises: Raises | None = None
    raised_by: bool | None = None
    finding: Label | None = None
    on_site_only: bool = False

    def __post_init__(self) -> None:
        if not _SNAKE_CASE.match(self.id):
            raise ValueError(f"question id {self.id!r} is not snake_case")
        is_rating = self.answer_type is AnswerType.RATING
        if (self.scored or self.subject is not None) and not is_rating:
            raise ValueError(f"{self.id}: only a rating can be scored or complained of")
        has_options = self.answer_type in (AnswerType.CHOICE, AnswerType.MULTI_CHOICE)
        if has_options != bool(self.options):
            raise ValueError(f"{self.id}: a choice and only a choice has options")
        if (self.raises is None) != (self.finding is None) or (
            self.raised_by is not None and self.answer_type is not AnswerType.YES_NO
        ):
            raise ValueError(f"{self.id}: a raising answer states its finding")

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def raises_form(self, value: object) -> bool:
        """Whether `value` (a valid answer) raises this question's form."""
        if self.raises is None or value is None:
            return False
        if self.answer_type is AnswerType.YES_NO:
            return value is self.raised_by
        return isinstance(value, str) and bool(value.strip())

    def as_dict(self, lang: Lang, stored_in: str) -> dict[str, object]:
        """Serialise for the questionnaire endpoint: `options` (the rating
        scale, yes/no, or the choices) with their labels; `asked_if`,
        `on_site_only`, and `raises` / `raised_by` (the form an answer opens
        by itself, and the yes/no answer that opens it) when they apply."""
        shown: dict[str, object] = {
            "id": self.id,
            "answer_type": self.answer_type.value,
            "required": self.required,
            "scored": self.scored,
            "label": self.label.text(lang),
            "stored_in": stored_in,
        }
        if self.answer_type is AnswerType.RATING:
            shown["options"] = [o.as_dict(lang) for o in RATING_SCALE]
        elif self.answer_type is AnswerType.YES_NO:
            shown["options"] = [
                {"value": value, "label": label.text(lang)} for value, label in _YES_NO
            ]
        elif self.options:
            shown["options"] = [o.as_dict(lang) for o in self.options]
        if self.asked_if is not None:
            shown["asked_if"] = self.asked_if
        if self.on_site_only:
            shown["on_site_only"] = True
        if self.raises is not None:
            shown["raises"] = self.raises.value
            if self.raised_by is not None:
                shown["raised_by"] = self.raised_by
        return shown


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
        for q in self.questions:
            gate = self.question(q.asked_if) if q.asked_if else None
            if q.asked_if and (
                gate is None or gate.answer_type is not AnswerType.YES_NO
            ):
                raise ValueError(f"{q.id}: asked_if names no yes/no question")

    def question(self, question_id: str) -> Question | None:
        """Return the checklist question with this id, if the kind asks it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def as_dict(self, lang: Lang = "zh") -> dict[str, object]:
        """Serialise for `GET /v1/questionnaires/{kind}?lang=zh|en`.

        The rating scale comes first (every rating is answered on it), then the
        questions in the order they are asked: the checklist, then the record
        questions, each marked with where its answer is stored.
        """
        return {
            "kind": self.kind.value,
            "lang": lang,
            "title": self.title.text(lang),
            "rating_scale": [o.as_dict(lang) for o in RATING_SCALE],
            "greeting": self.greeting.text(lang) if self.greeting else None,
            "closing": self.closing.text(lang) if self.closing else None,
            "questions": [
                *(q.as_dict(lang, "answers") for q in self.questions),
                *(q.as_dict(lang, "record") for q in self.record_questions),
            ],
        }


def yes_no(
    qid: str,
    zh: str,
    en: str,
    *,
    raises: Raises | None = None,
    when: bool | None = None,
    finding: Label | None = None,
) -> Question:
    """A required yes/no question; the answer `when` raises `raises`."""
    return Question(
        qid,
        AnswerType.YES_NO,
        Label(zh, en),
        raises=raises,
        raised_by=when,
        finding=finding,
    )


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


def text(
    qid: str,
    zh: str,
    en: str,
    *,
    raises: Raises | None = None,
    finding: Label | None = None,
    on_site_only: bool = False,
) -> Question:
    """An optional free-text question: a customer may have nothing to add."""
    return Question(
        qid,
        AnswerType.TEXT,
        Label(zh, en),
        required=False,
        raises=raises,
        finding=finding,
        on_site_only=on_site_only,
    )


def choice(qid: str, zh: str, en: str, options: tuple[Option, ...]) -> Question:
    """A required choice of one option."""
    return Question(qid, AnswerType.CHOICE, Label(zh, en), options=options)


def which_needed(
    qid: str,
    zh: str,
    en: str,
    options: tuple[Option, ...],
    *,
    asked_if: str,
    finding: Label,
) -> Question:
    """A multi-choice "which are needed", asked when `asked_if` is answered yes;
    the options chosen are what the service request it raises asks for."""
    return Question(
        qid,
        AnswerType.MULTI_CHOICE,
        Label(zh, en),
        options=options,
        asked_if=asked_if,
        raises=Raises.SERVICE_REQUEST,
        finding=finding,
    )


def chosen(value: object) -> list[str]:
    """The option ids of a multi-choice answer, in the order given."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(CHOICE_SEPARATOR) if part.strip()]
