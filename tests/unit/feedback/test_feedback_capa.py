from dataclasses import replace
from datetime import date

import pytest

from schemas.types import ComplaintSubject, Department
from services.feedback.domain import capa
from services.feedback.domain.capa import Capa, CapaAction, CapaState
from services.feedback.domain.errors import TransitionNotAllowed

OPENED, DUE = date(2026, 11, 26), date(2026, 12, 31)


def new_capa(subject: ComplaintSubject = ComplaintSubject.SERVICE_QUALITY) -> Capa:
    return capa.open_capa("C-1", subject, "加强售后人员培训", OPENED, DUE)


@pytest.mark.parametrize(
    ("subject", "owner"),
    [
        (ComplaintSubject.PRODUCT_QUALITY, Department.PRODUCING_COMPANY),
        (ComplaintSubject.SERVICE_QUALITY, Department.QUALITY),
        (ComplaintSubject.SUGGESTION, Department.QUALITY),
    ],
)
def test_the_subject_decides_the_owner(
    subject: ComplaintSubject, owner: Department
) -> None:
    assert capa.owner_for(subject) is owner
    assert new_capa(subject).owner is owner


def test_a_new_capa_is_open() -> None:
    opened = new_capa()

    assert opened.state is CapaState.OPEN
    assert (opened.opened_on, opened.due_date) == (OPENED, DUE)
    assert opened.verified_on is None


def test_an_open_capa_can_be_verified() -> None:
    verified = capa.verify(new_capa(), "培训签到表", date(2026, 12, 20))

    assert verified.state is CapaState.VERIFIED
    assert verified.verified_on == date(2026, 12, 20)
    assert verified.evidence == "培训签到表"


def test_a_verified_capa_cannot_be_verified_again() -> None:
    verified = capa.verify(new_capa(), "培训签到表", date(2026, 12, 20))

    with pytest.raises(TransitionNotAllowed) as refused:
        capa.verify(verified, "again", date(2026, 12, 21))

    assert (refused.value.current, refused.value.action) == (
        CapaState.VERIFIED,
        CapaAction.VERIFY,
    )
    assert str(refused.value) == "cannot verify when the state is verified"


def test_verification_needs_evidence() -> None:
    with pytest.raises(ValueError, match="evidence"):
        capa.verify(new_capa(), "  ", date(2026, 12, 20))


def test_verification_cannot_precede_opening() -> None:
    with pytest.raises(ValueError, match="before opening"):
        capa.verify(new_capa(), "记录", date(2026, 11, 25))


def test_a_capa_needs_an_action() -> None:
    with pytest.raises(ValueError, match="action"):
        capa.open_capa("C-2", ComplaintSubject.SUGGESTION, "", OPENED, DUE)


def test_a_capa_cannot_be_due_before_it_opens() -> None:
    with pytest.raises(ValueError, match="cannot be opened"):
        capa.open_capa(
            "C-2", ComplaintSubject.SUGGESTION, "改进", OPENED, date(2026, 11, 25)
        )


def test_a_capa_due_today_is_not_yet_past_due() -> None:
    assert capa.is_past_due(new_capa(), DUE) is False
    assert capa.is_past_due(new_capa(), OPENED) is False


def test_an_open_capa_is_past_due_the_day_after() -> None:
    assert capa.is_past_due(new_capa(), date(2027, 1, 1)) is True


def test_a_verified_capa_is_never_past_due() -> None:
    late = capa.verify(replace(new_capa(), due_date=OPENED), "记录", DUE)

    assert capa.is_past_due(late, date(2027, 6, 1)) is False
