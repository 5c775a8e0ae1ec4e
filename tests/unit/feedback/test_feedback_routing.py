import pytest

from schemas.types import ComplaintSubject, Department
from services.feedback.domain.routing import Route, route


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (
            ComplaintSubject.PRODUCT_QUALITY,
            Route(Department.PRODUCTION, (Department.TECHNICAL,)),
        ),
        (ComplaintSubject.SERVICE_QUALITY, Route(Department.AFTER_SALES, ())),
        (ComplaintSubject.SUGGESTION, Route(Department.QUALITY, ())),
    ],
)
def test_a_complaint_goes_to_the_department_of_its_subject(
    subject: ComplaintSubject, expected: Route
) -> None:
    assert route(subject) == expected


def test_the_handling_department_is_never_only_informed() -> None:
    for subject in ComplaintSubject:
        assert route(subject).department not in route(subject).informed
