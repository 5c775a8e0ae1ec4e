from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.types import Rating, VisitKind
from services.survey.domain.records import (
    Answer,
    AnswerError,
    AnswerRule,
    VisitRecord,
    score,
    score_ratings,
    validate_answers,
    validate_record,
)
from tests.support.survey import answers

S, N, D = Rating.SATISFIED, Rating.NEUTRAL, Rating.DISSATISFIED
RETAIL = VisitKind.RETAIL_FOLLOWUP
RETAIL_IDS = (
    "shopping_environment",
    "sales_consultant_attitude",
    "designer_attitude",
    "delivery_staff_attitude",
)


def complete(kind: VisitKind, **overrides: Answer) -> dict[str, Answer]:
    """Every checklist question answered with nothing to report, then
    `overrides` applied."""
    given: dict[str, Answer] = answers(kind, **overrides)
    return given


def rules(errors: list[AnswerError]) -> set[tuple[str, AnswerRule]]:
    return {(e.question_id, e.rule) for e in errors}


@pytest.mark.parametrize("kind", list(VisitKind))
def test_a_complete_checklist_is_valid(kind: VisitKind) -> None:
    assert validate_answers(kind, complete(kind)) == []


def test_ratings_may_be_given_as_enum_or_as_text() -> None:
    answers = complete(RETAIL, shopping_environment=N, designer_attitude="neutral")

    assert validate_answers(RETAIL, answers) == []


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_a_required_question_must_be_answered(missing: Answer) -> None:
    answers = complete(VisitKind.TRIAL_RUN, abnormal_smell=missing)

    errors = validate_answers(VisitKind.TRIAL_RUN, answers)

    assert rules(errors) == {("abnormal_smell", AnswerRule.REQUIRED)}
    assert "abnormal_smell" in errors[0].message


def test_a_question_left_out_is_missing() -> None:
    answers = complete(VisitKind.PRE_POWER_ON)
    del answers["staff_skill"]

    errors = validate_answers(VisitKind.PRE_POWER_ON, answers)

    assert rules(errors) == {("staff_skill", AnswerRule.REQUIRED)}


def test_a_question_the_kind_does_not_ask_is_unknown() -> None:
    answers = complete(VisitKind.TRIAL_RUN, staff_attitude="satisfied")

    errors = validate_answers(VisitKind.TRIAL_RUN, answers)

    assert rules(errors) == {("staff_attitude", AnswerRule.UNKNOWN_QUESTION)}


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("abnormal_sound", "yes"),
        ("abnormal_sound", 1),
        ("abnormal_sound", 0),
        ("abnormal_sound", "satisfied"),
        ("service_attitude", True),
        ("service_attitude", 3),
    ],
)
def test_an_answer_of_the_wrong_type_is_refused(
    question_id: str, value: Answer
) -> None:
    kind = VisitKind.WARRANTY_6M
    errors = validate_answers(kind, complete(kind, **{question_id: value}))

    assert rules(errors) == {(question_id, AnswerRule.WRONG_TYPE)}


@pytest.mark.parametrize("value", ["good", "SATISFIED", "满意"])
def test_a_rating_must_be_one_of_the_three(value: str) -> None:
    errors = validate_answers(RETAIL, complete(RETAIL, designer_attitude=value))

    assert rules(errors) == {("designer_attitude", AnswerRule.INVALID_RATING)}
    assert "dissatisfied" in errors[0].message


def test_every_error_is_reported_at_once() -> None:
    answers = {"shopping_environment": "bad", "colour": "red"}

    errors = validate_answers(RETAIL, answers)

    assert rules(errors) == {
        ("colour", AnswerRule.UNKNOWN_QUESTION),
        ("shopping_environment", AnswerRule.INVALID_RATING),
        ("sales_consultant_attitude", AnswerRule.REQUIRED),
        ("designer_attitude", AnswerRule.REQUIRED),
        ("delivery_staff_attitude", AnswerRule.REQUIRED),
    }


def test_an_industrial_record_must_rate_product_and_service_quality() -> None:
    kind = VisitKind.WARRANTY_12M
    record = VisitRecord(kind, complete(kind), product_quality=S)

    assert rules(validate_record(record)) == {("service_quality", AnswerRule.REQUIRED)}


def test_a_complete_industrial_record_is_valid() -> None:
    kind = VisitKind.POST_WARRANTY_2
    record = VisitRecord(kind, complete(kind), S, N, suggestions="", needs="备件")

    assert validate_record(record) == []


@pytest.mark.parametrize(
    "record",
    [
        VisitRecord(RETAIL, complete(RETAIL), product_quality=S),
        VisitRecord(RETAIL, complete(RETAIL), needs="再买一张床"),
    ],
)
def test_a_retail_record_carries_nothing_the_script_does_not_ask(
    record: VisitRecord,
) -> None:
    errors = validate_record(record)

    assert [e.rule for e in errors] == [AnswerRule.NOT_ASKED]


def test_a_retail_record_with_suggestions_is_valid() -> None:
    record = VisitRecord(RETAIL, complete(RETAIL), suggestions="送货再快一点")

    assert validate_record(record) == []


def test_a_record_rating_must_be_a_rating() -> None:
    kind = VisitKind.REVISIT
    record = VisitRecord(kind, {}, S, "fine")  # type: ignore[arg-type]

    assert rules(validate_record(record)) == {
        ("service_quality", AnswerRule.INVALID_RATING)
    }


def _retail(*ratings: Rating) -> Mapping[str, Answer]:
    return dict(zip(RETAIL_IDS, ratings, strict=True))


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((S, S, S, S), 100),
        ((N, N, N, N), 100),
        ((D, S, S, S), 90),
        ((D, N, D, S), 80),
        ((D, D, D, N), 70),
        ((D, D, D, D), 60),
    ],
)
def test_retail_score_loses_ten_per_dissatisfied_answer(
    ratings: tuple[Rating, ...], expected: int
) -> None:
    assert score(RETAIL, _retail(*ratings), None, None) == expected


def test_retail_score_ignores_ratings_the_script_does_not_ask() -> None:
    assert score(RETAIL, _retail(S, S, S, S), D, D) == 100


def test_industrial_score_counts_checklist_and_quality_ratings() -> None:
    kind = VisitKind.WARRANTY_6M
    answers = complete(kind, service_timeliness=D, service_attitude=D)

    assert score(kind, answers, D, N) == 70
    assert score(kind, answers, S, S) == 80
    assert score(kind, complete(kind), D, D) == 80


def test_a_kind_without_rated_checks_is_scored_on_quality_alone() -> None:
    kind = VisitKind.POST_WARRANTY_1
    answers = complete(kind, discharge_marks=True, needs_retrofit=True)

    assert score(kind, answers, S, D) == 90
    assert score(VisitKind.REVISIT, {}, D, D) == 80


def test_score_never_falls_below_zero() -> None:
    assert score_ratings([D] * 10) == 0
    assert score_ratings([D] * 11) == 0
    assert score_ratings([D] * 9) == 10


@given(st.lists(st.sampled_from(list(Rating)), min_size=4, max_size=4))
def test_retail_score_is_the_published_formula(ratings: list[Rating]) -> None:
    dissatisfied = ratings.count(D)

    assert score(RETAIL, _retail(*ratings)) == 100 - 10 * dissatisfied
