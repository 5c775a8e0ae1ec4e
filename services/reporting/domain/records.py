"""A visit record (顾客回访记录) as the report sees it, and the period rule.

A record's satisfaction is what the survey published: the worst of the
overall rating and every rated checklist answer about the subject
(domain.md, "A visit record"). A retail record's service quality is the worst
of its four ratings (domain.md, "The retail standard"): when a record
published before that rule left it empty, the report derives it from the
record's rated answers (`retail_service_quality`), so no retail record drops
out of the service-quality tallies.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from schemas.types import PostWarrantyService, Rating, VisitKind

Bounds = tuple[date, date]
UNKNOWN = "unknown"  # the breakdown key of a record that does not name one


def within(day: date | None, bounds: Bounds) -> bool:
    """Whether a date falls in a period's bounds (both inclusive)."""
    return day is not None and bounds[0] <= day <= bounds[1]


@dataclass(frozen=True)
class VisitRecord:
    """One record with what the report classifies it by.

    `product_model` and `region` are the record's own or, when it names none,
    what the schedule planned its visit with, else what the ledger knows of
    its unit and customer.
    `latest_date` is that of the visit it closed, when the schedule planned it.
    """

    record_no: str
    customer_id: str
    visit_id: str
    kind: VisitKind
    visited_on: date
    score: int
    product_quality: Rating | None = None
    service_quality: Rating | None = None
    product_model: str | None = None
    region: str | None = None
    suggestions: str = ""
    needs: str = ""
    post_warranty_service: tuple[PostWarrantyService, ...] = ()
    latest_date: date | None = None
    company: str | None = None
    tags: Mapping[str, str | None] = field(default_factory=dict)
    channel: str | None = None
    opportunities: str = ""

    @property
    def late(self) -> bool:
        """Done after the visit's latest date, i.e. while it was overdue."""
        return self.latest_date is not None and self.visited_on > self.latest_date


# Worst first: one dissatisfied answer makes it dissatisfied, else one neutral.
_ORDER = (Rating.DISSATISFIED, Rating.NEUTRAL, Rating.SATISFIED)


def worst(ratings: Iterable[Rating | None]) -> Rating | None:
    """The worst of the ratings given; None when none is given."""
    given = {r for r in ratings if r is not None}
    return next((r for r in _ORDER if r in given), None)


def rated_answers(answers: Mapping[str, object]) -> list[Rating]:
    """The answers that are ratings (满意 / 一般 / 不满意)."""
    values = {r.value: r for r in Rating}
    return [values[a] for a in answers.values() if isinstance(a, str) and a in values]


def retail_service_quality(
    given: Rating | None, answers: Mapping[str, object]
) -> Rating | None:
    """A retail record's service quality: the worst of the rating published
    and its rated answers."""
    return worst([given, *rated_answers(answers)])
