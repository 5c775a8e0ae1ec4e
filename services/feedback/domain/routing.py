"""Where a complaint goes (domain.md, "Complaints and corrective action", 1).

Product quality → production, with technical informed; service → after-sales;
suggestions and needs → quality.
"""

from dataclasses import dataclass

from schemas.types import ComplaintSubject, Department


@dataclass(frozen=True)
class Route:
    """The department that handles a ticket and those that get a copy."""

    department: Department
    informed: tuple[Department, ...] = ()


_ROUTES = {
    ComplaintSubject.PRODUCT_QUALITY: Route(
        Department.PRODUCTION, (Department.TECHNICAL,)
    ),
    ComplaintSubject.SERVICE_QUALITY: Route(Department.AFTER_SALES),
    ComplaintSubject.SUGGESTION: Route(Department.QUALITY),
}


def route(subject: ComplaintSubject) -> Route:
    """Return the route of a complaint about `subject`."""
    return _ROUTES[subject]
