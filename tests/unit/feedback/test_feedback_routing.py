from datetime import date

import pytest

from schemas.types import ComplaintSubject, Department, FeedbackForm
from services.feedback.domain.routing import Route, route
from services.feedback.domain.tickets import (
    TicketState,
    assign,
    open_ticket,
    resolve,
    verify,
)


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


@pytest.mark.parametrize(
    ("form", "subject", "expected"),
    [
        # a service request goes to after-sales whatever its subject
        (
            FeedbackForm.SERVICE_REQUEST,
            ComplaintSubject.SUGGESTION,
            Route(Department.AFTER_SALES, ()),
        ),
        (
            FeedbackForm.SERVICE_REQUEST,
            ComplaintSubject.PRODUCT_QUALITY,
            Route(Department.AFTER_SALES, ()),
        ),
        # a problem report to production, technical informed
        (
            FeedbackForm.PROBLEM_REPORT,
            ComplaintSubject.SERVICE_QUALITY,
            Route(Department.PRODUCTION, (Department.TECHNICAL,)),
        ),
        (
            FeedbackForm.PROBLEM_REPORT,
            ComplaintSubject.PRODUCT_QUALITY,
            Route(Department.PRODUCTION, (Department.TECHNICAL,)),
        ),
        # a suggestion form to quality
        (
            FeedbackForm.SUGGESTION,
            ComplaintSubject.SUGGESTION,
            Route(Department.QUALITY, ()),
        ),
        # a complaint still by its subject
        (
            FeedbackForm.COMPLAINT,
            ComplaintSubject.SERVICE_QUALITY,
            Route(Department.AFTER_SALES, ()),
        ),
    ],
)
def test_every_form_goes_to_the_department_of_its_kind(
    form: FeedbackForm, subject: ComplaintSubject, expected: Route
) -> None:
    assert route(subject, form) == expected


def test_a_ticket_keeps_its_form_and_items_and_has_the_same_lifecycle() -> None:
    on = date(2026, 11, 3)
    ticket = open_ticket(
        "FB-1",
        ComplaintSubject.SERVICE_QUALITY,
        on,
        form=FeedbackForm.SERVICE_REQUEST,
        items=("interlocks", "busbar joints"),
    )
    assert ticket.form is FeedbackForm.SERVICE_REQUEST
    assert ticket.items == ("interlocks", "busbar joints")
    assert ticket.department is Department.AFTER_SALES
    done = verify(
        resolve(assign(ticket, ticket.department, "li", on), "done", on), "R-1", on
    )
    assert done.state is TicketState.VERIFIED
    assert done.form is FeedbackForm.SERVICE_REQUEST
