"""Where an information feedback form goes (domain.md, "A visit record" and
"Complaints and corrective action", 1).

A complaint by its subject: product quality → production, with technical
informed; service → after-sales; suggestions and needs → quality.
The other forms by their kind: a service request (training, outage
maintenance, maintenance/retrofit/other service) → after-sales; a problem
report (a defect reported in a checklist answer) → production, with
technical informed; a suggestion form → quality.
"""

from dataclasses import dataclass

from schemas.types import ComplaintSubject, Department, FeedbackForm


@dataclass(frozen=True)
class Route:
    """The department that handles a ticket and those that get a copy."""

    department: Department
    informed: tuple[Department, ...] = ()


_PRODUCTION = Route(Department.PRODUCTION, (Department.TECHNICAL,))
_AFTER_SALES = Route(Department.AFTER_SALES)
_QUALITY = Route(Department.QUALITY)

_ROUTES = {
    ComplaintSubject.PRODUCT_QUALITY: _PRODUCTION,
    ComplaintSubject.SERVICE_QUALITY: _AFTER_SALES,
    ComplaintSubject.SUGGESTION: _QUALITY,
}

_FORM_ROUTES = {
    FeedbackForm.SERVICE_REQUEST: _AFTER_SALES,
    FeedbackForm.PROBLEM_REPORT: _PRODUCTION,
    FeedbackForm.SUGGESTION: _QUALITY,
}


def route(
    subject: ComplaintSubject, form: FeedbackForm = FeedbackForm.COMPLAINT
) -> Route:
    """Return the route of a form: a complaint by its `subject`, any other
    form by its kind."""
    if form is FeedbackForm.COMPLAINT:
        return _ROUTES[subject]
    return _FORM_ROUTES[form]
