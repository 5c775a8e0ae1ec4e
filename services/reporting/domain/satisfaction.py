"""Satisfaction counts and shares, overall and broken down, and the score trend.

A share is a count divided by the records *rated* on that axis (satisfied +
neutral + dissatisfied), rounded to four decimals; a record that leaves an
axis unrated (a retail record has no product-quality rating, say) counts in
`records` but in no share. With nothing rated, every share is None.
Mean scores are rounded to two decimals, None over no records.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from schemas.types import Rating, VisitKind
from services.reporting.domain.periods import last_periods, period_of
from services.reporting.domain.records import UNKNOWN, VisitRecord

TREND_LENGTH = 12


@dataclass(frozen=True)
class Tally:
    """How many records rated an axis satisfied, neutral and dissatisfied."""

    satisfied: int = 0
    neutral: int = 0
    dissatisfied: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.neutral + self.dissatisfied

    def shares(self) -> dict[str, float | None]:
        """Each count over the records rated on this axis."""
        rated = self.rated
        return {
            rating.value: round(getattr(self, rating.value) / rated, 4)
            if rated
            else None
            for rating in Rating
        }


def tally(ratings: Iterable[Rating | None]) -> Tally:
    """Count the ratings given; None (not asked or not answered) is not counted."""
    counts = Counter(r for r in ratings if r is not None)
    return Tally(**{rating.value: counts[rating] for rating in Rating})


def mean(values: Sequence[int]) -> float | None:
    """The mean to two decimals, None when there is nothing to average."""
    return mean_of(sum(values), len(values))


def mean_of(total: int, count: int) -> float | None:
    """`mean` of `count` values summing to `total`."""
    return round(total / count, 2) if count else None


@dataclass(frozen=True)
class Satisfaction:
    """Product- and service-quality satisfaction of a set of records."""

    records: int
    product_quality: Tally
    service_quality: Tally
    mean_score: float | None


def measure(records: Sequence[VisitRecord]) -> Satisfaction:
    """Classify records into product- and service-quality satisfaction."""
    return Satisfaction(
        records=len(records),
        product_quality=tally(r.product_quality for r in records),
        service_quality=tally(r.service_quality for r in records),
        mean_score=mean([r.score for r in records]),
    )


@dataclass(frozen=True)
class Counted:
    """What `measure` and `retail_mean_score` need of a set of records, as
    counts and sums: `count` computes it from records; the views count the
    same in SQL for the dashboard (proven equal in the tests)."""

    records: int = 0
    product_quality: Tally = Tally()
    service_quality: Tally = Tally()
    score_total: int = 0
    retail_records: int = 0
    retail_score_total: int = 0

    def __add__(self, other: "Counted") -> "Counted":
        return Counted(
            records=self.records + other.records,
            product_quality=_added(self.product_quality, other.product_quality),
            service_quality=_added(self.service_quality, other.service_quality),
            score_total=self.score_total + other.score_total,
            retail_records=self.retail_records + other.retail_records,
            retail_score_total=self.retail_score_total + other.retail_score_total,
        )

    def satisfaction(self) -> Satisfaction:
        """`measure` of the records counted."""
        return Satisfaction(
            records=self.records,
            product_quality=self.product_quality,
            service_quality=self.service_quality,
            mean_score=mean_of(self.score_total, self.records),
        )

    @property
    def retail_mean_score(self) -> float | None:
        """`retail_mean_score` of the records counted."""
        return mean_of(self.retail_score_total, self.retail_records)


def _added(a: Tally, b: Tally) -> Tally:
    return Tally(
        a.satisfied + b.satisfied,
        a.neutral + b.neutral,
        a.dissatisfied + b.dissatisfied,
    )


def count(records: Iterable[VisitRecord]) -> Counted:
    """The counts and sums of `Counted`."""
    listed = list(records)
    retail = [r.score for r in listed if is_retail(r.kind)]
    return Counted(
        records=len(listed),
        product_quality=tally(r.product_quality for r in listed),
        service_quality=tally(r.service_quality for r in listed),
        score_total=sum(r.score for r in listed),
        retail_records=len(retail),
        retail_score_total=sum(retail),
    )


def breakdown(
    records: Iterable[VisitRecord], key: Callable[[VisitRecord], str | None]
) -> dict[str, Satisfaction]:
    """`measure` per value of `key`, in key order; no value groups as UNKNOWN."""
    groups: dict[str, list[VisitRecord]] = defaultdict(list)
    for record in records:
        groups[key(record) or UNKNOWN].append(record)
    return {name: measure(groups[name]) for name in sorted(groups)}


# The four axes customers are tagged on (domain.md, "Customer tags").
TAG_AXES = ("strength", "decision_maker", "interest", "cooperation")


def by_tags(records: Sequence[VisitRecord]) -> dict[str, dict[str, Satisfaction]]:
    """`breakdown` by each tag axis of the record's customer (as the ledger's
    contract tagged it); an untagged customer groups as UNKNOWN on that axis."""
    return {axis: breakdown(records, _tag(axis)) for axis in TAG_AXES}


def _tag(axis: str) -> Callable[[VisitRecord], str | None]:
    return lambda record: record.tags.get(axis)


def by_company(records: Sequence[VisitRecord]) -> dict[str, Satisfaction]:
    """`breakdown` by the producing company (business unit) of the record's
    unit's contract, else of its customer's only company; UNKNOWN otherwise."""
    return breakdown(records, lambda r: r.company)


def is_retail(kind: VisitKind) -> bool:
    """domain.md reports the mean score of retail records only: the retail
    standard's 100 − 10 × (dissatisfied answers)."""
    return kind == VisitKind.RETAIL_FOLLOWUP


def retail_mean_score(records: Iterable[VisitRecord]) -> float | None:
    """Mean score of the retail follow-up records."""
    return mean([r.score for r in records if is_retail(r.kind)])


@dataclass(frozen=True)
class DayScores:
    """Scores of one day's records of one kind, summed: what the trend reads."""

    day: date
    kind: VisitKind
    total: int
    records: int


@dataclass(frozen=True)
class TrendPoint:
    period: str
    mean_score: float | None
    records: int


def score_trend(
    days: Iterable[DayScores],
    period: str,
    cutoff_day: int,
    length: int = TREND_LENGTH,
) -> list[TrendPoint]:
    """Retail mean score of each of the `length` periods ending with `period`.

    Oldest first; a period without retail records has records 0 and mean None.
    Days outside those periods and other kinds than retail are ignored.
    """
    periods = last_periods(period, length)
    totals = dict.fromkeys(periods, 0)
    counts = dict.fromkeys(periods, 0)
    for day in days:
        if not is_retail(day.kind):
            continue
        name = period_of(day.day, cutoff_day)
        if name in totals:
            totals[name] += day.total
            counts[name] += day.records
    return [
        TrendPoint(
            period=name,
            mean_score=round(totals[name] / counts[name], 2) if counts[name] else None,
            records=counts[name],
        )
        for name in periods
    ]


@dataclass(frozen=True)
class Suggestion:
    """A record's suggestions and needs (意见和建议 / 需求), for the listing."""

    record_no: str
    customer_id: str
    visited_on: date
    text: str
    suggestions: str
    needs: str
    post_warranty_service: tuple[str, ...]


def suggestions_and_needs(records: Iterable[VisitRecord]) -> list[Suggestion]:
    """Every record that states a suggestion or a need, by date and number.

    `text` joins the suggestions and the needs with "; "; the post-warranty
    services a customer asked for count as needs too, so such a record is
    listed even when its free text is empty.
    """
    listed = []
    for r in sorted(records, key=lambda r: (r.visited_on, r.record_no)):
        said = [part.strip() for part in (r.suggestions, r.needs) if part.strip()]
        if not said and not r.post_warranty_service:
            continue
        listed.append(
            Suggestion(
                record_no=r.record_no,
                customer_id=r.customer_id,
                visited_on=r.visited_on,
                text="; ".join(said),
                suggestions=r.suggestions.strip(),
                needs=r.needs.strip(),
                post_warranty_service=tuple(s.value for s in r.post_warranty_service),
            )
        )
    return listed
