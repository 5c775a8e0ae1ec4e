"""What the dashboard (`/dashboard`) shows, computed from the report's own
rules (`satisfaction.py`, `visits.py`, `complaints.py`), never re-stated.

Filters (region, product model, visit kind, customer tag `axis:value`) keep
the records whose classification matches, as the report's breakdowns
classify them (`UNKNOWN` selects those naming none). Visits are filtered by
region, product model and kind as planned; a customer tag does not filter
visits, tickets or CAPAs (they carry none), nor do the other filters filter
tickets and CAPAs: the dashboard says so beside those widgets.

- `cards`: product- and service-quality satisfied share and the retail mean
  score of the period, with the previous period's and the change.
- `trend`: those three over the last 12 periods.
- `axes`: satisfaction by product model, region, visit kind and each tag axis.
- `visits_by_region`: planned / done / done late / overdue / missed per region.
- `open_ages`: tickets still open at the period's end by age in days.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from services.reporting.domain.complaints import Ticket
from services.reporting.domain.periods import period_of
from services.reporting.domain.records import UNKNOWN, Bounds, VisitRecord
from services.reporting.domain.satisfaction import (
    TAG_AXES,
    Counted,
    Satisfaction,
    breakdown,
    by_tags,
    count,
)
from services.reporting.domain.visit_copies import VisitCopy
from services.reporting.domain.visits import VisitCounts, count_visits, reasons

AXES = ("product_model", "region", "kind")
# Open tickets' ages at the period's end, in days: (label, up to and including).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-7", 7),
    ("8-30", 30),
    ("31-90", 90),
    (">90", None),
)


class FilterError(ValueError):
    """A filter the dashboard cannot apply; the message states the rule."""


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; None keeps everything."""

    region: str | None = None
    product_model: str | None = None
    kind: str | None = None
    tag: str | None = None  # "axis:value", e.g. "strength:strong"

    def __post_init__(self) -> None:
        if self.tag is not None:
            axis, _, value = self.tag.partition(":")
            if axis not in TAG_AXES or not value:
                msg = f"tag must be axis:value with axis one of {', '.join(TAG_AXES)}"
                raise FilterError(msg)

    def criteria(self) -> dict[str, str]:
        """The filters set, as classification -> value wanted: `product_model`,
        `region`, `kind` or a tag axis. `keeps` is this; the views state it
        in SQL (proven equal in the tests)."""
        wanted = {
            "region": self.region,
            "product_model": self.product_model,
            "kind": self.kind,
        }
        if self.tag is not None:
            axis, _, value = self.tag.partition(":")
            wanted[axis] = value
        return {name: value for name, value in wanted.items() if value is not None}

    def keeps(self, record: VisitRecord) -> bool:
        """Whether the record matches every filter set."""
        if not _same(self.region, record.region):
            return False
        if not _same(self.product_model, record.product_model):
            return False
        if not _same(self.kind, record.kind.value):
            return False
        if self.tag is not None:
            axis, _, value = self.tag.partition(":")
            return _same(value, record.tags.get(axis))
        return True

    def keeps_visit(self, visit: VisitCopy) -> bool:
        """Whether the planned visit matches the region, model and kind set."""
        return (
            _same(self.region, visit.region)
            and _same(self.product_model, visit.product_model)
            and _same(self.kind, visit.kind)
        )


def _same(wanted: str | None, value: str | None) -> bool:
    return wanted is None or wanted == (value or UNKNOWN)


@dataclass(frozen=True)
class Card:
    """One figure of the period, the previous period's, and the change."""

    value: float | None
    previous: float | None
    change: float | None


def _card(now: float | None, before: float | None) -> Card:
    change = round(now - before, 4) if now is not None and before is not None else None
    return Card(now, before, change)


def satisfied_share(s: Satisfaction, axis: str) -> float | None:
    """The satisfied share of `product_quality` or `service_quality`."""
    tally = s.product_quality if axis == "product_quality" else s.service_quality
    return tally.shares()["satisfied"]


def cards(now: Sequence[VisitRecord], before: Sequence[VisitRecord]) -> dict[str, Card]:
    """The three satisfaction cards of a period against the previous one."""
    return cards_of(count(now), count(before))


def cards_of(now: Counted, before: Counted) -> dict[str, Card]:
    """`cards` from the two periods' counts."""
    a, b = now.satisfaction(), before.satisfaction()
    return {
        "product_quality": _card(
            satisfied_share(a, "product_quality"), satisfied_share(b, "product_quality")
        ),
        "service_quality": _card(
            satisfied_share(a, "service_quality"), satisfied_share(b, "service_quality")
        ),
        "retail_mean_score": _card(now.retail_mean_score, before.retail_mean_score),
    }


@dataclass(frozen=True)
class TrendPoint:
    period: str
    records: int
    product_quality: float | None
    service_quality: float | None
    retail_mean_score: float | None


def trend(
    records: Iterable[VisitRecord], periods: Sequence[str], cutoff_day: int
) -> list[TrendPoint]:
    """The three card figures for each of `periods` (records may reach outside)."""
    grouped: dict[str, list[VisitRecord]] = defaultdict(list)
    for record in records:
        grouped[period_of(record.visited_on, cutoff_day)].append(record)
    return trend_of({name: count(group) for name, group in grouped.items()}, periods)


def counts_by_period(
    days: Iterable[tuple[date, Counted]], cutoff_day: int
) -> dict[str, Counted]:
    """Days' counts summed into their periods (`periods.period_of`)."""
    found: dict[str, Counted] = {}
    for day, counted in days:
        name = period_of(day, cutoff_day)
        found[name] = found.get(name, Counted()) + counted
    return found


def trend_of(
    counted: Mapping[str, Counted], periods: Sequence[str]
) -> list[TrendPoint]:
    """`trend` from each period's counts (a period missing counted nothing)."""
    points = []
    for name in periods:
        c = counted.get(name, Counted())
        s = c.satisfaction()
        points.append(
            TrendPoint(
                period=name,
                records=s.records,
                product_quality=satisfied_share(s, "product_quality"),
                service_quality=satisfied_share(s, "service_quality"),
                retail_mean_score=c.retail_mean_score,
            )
        )
    return points


def axes(records: Sequence[VisitRecord]) -> dict[str, dict[str, Satisfaction]]:
    """Satisfaction by product model, region, kind and each customer-tag axis."""
    found = {
        "product_model": breakdown(records, lambda r: r.product_model),
        "region": breakdown(records, lambda r: r.region),
        "kind": breakdown(records, lambda r: r.kind.value),
    }
    found.update({f"tag.{axis}": g for axis, g in by_tags(records).items()})
    return found


def axis_name(classification: str) -> str:
    """The key of `axes` for a classification: a tag axis is `tag.<axis>`."""
    return f"tag.{classification}" if classification in TAG_AXES else classification


def visits_by_region(
    bounds: Bounds, visits: Sequence[VisitCopy], records: Sequence[VisitRecord]
) -> dict[str, VisitCounts]:
    """The report's visit counts (`visits.count_visits`) per region."""
    regions = sorted(
        {v.region or UNKNOWN for v in visits} | {r.region or UNKNOWN for r in records}
    )
    return {
        region: count_visits(
            bounds=bounds,
            visits=[v for v in visits if (v.region or UNKNOWN) == region],
            records=[r for r in records if (r.region or UNKNOWN) == region],
            failures=[],
        )
        for region in regions
    }


def visits_by_region_of(
    visits: Mapping[str, tuple[int, int, int]], records: Mapping[str, tuple[int, int]]
) -> dict[str, VisitCounts]:
    """`visits_by_region` from counts per region: (planned, overdue, missed)
    of the visits and (done, done late) of the records (the views count them
    by `count_visits`' rules in SQL, proven equal in the tests)."""
    return {
        region: VisitCounts(
            planned=visits.get(region, (0, 0, 0))[0],
            done=records.get(region, (0, 0))[0],
            done_late=records.get(region, (0, 0))[1],
            overdue=visits.get(region, (0, 0, 0))[1],
            missed=visits.get(region, (0, 0, 0))[2],
            failed_attempts_by_reason=reasons({}),
        )
        for region in sorted(set(visits) | set(records))
    }


def open_ages(tickets: Iterable[Ticket], end: date) -> dict[str, int]:
    """Tickets open at `end`, counted by age (days since opened) bucket."""
    counts = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    for ticket in tickets:
        if not ticket.open_on(end):
            continue
        age = (end - ticket.opened_on).days
        label = next(name for name, upto in AGE_BUCKETS if upto is None or age <= upto)
        counts[label] += 1
    return counts
