"""The visit section of the report: planned, done, done late, overdue,
missed, failed.

Definitions, each for one period [start, end]:

- planned: visits not cancelled whose due date (the latest, after any
  rescheduling) falls in the period. A cancelled visit no longer applies
  (domain.md: cancelled after a correction), so it leaves past reports too.
- done: visits closed by a record dated in the period (a visit with two
  records in the period counts once).
- done_late: of those, the visits whose record is dated after the visit's
  latest date (done while overdue). A record of a visit the schedule never
  announced has no latest date and is never late.
- overdue: visits not cancelled that the scheduler announced overdue
  (`visit_overdue`, whenever it announced it) and whose latest date passed
  in the period: the day after the latest date (the first day the visit is
  overdue) falls in the period. A visit announced in December whose latest
  date was 10 November counts in November's period, not December's; whether
  it was done later does not matter.
- missed: visits not cancelled that a later record of their unit superseded
  (`visit_superseded`) on a day in the period: they left the worklist
  unvisited.
- failed_attempts_by_reason: failed attempts dated in the period, by reason;
  every reason is listed, with 0 when none failed for it.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.types import AttemptFailure
from services.reporting.domain.records import Bounds, VisitRecord, within
from services.reporting.domain.visit_copies import VisitCopy

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class VisitCounts:
    planned: int
    done: int
    done_late: int
    overdue: int
    missed: int
    failed_attempts_by_reason: dict[str, int]


def overdue_day(visit: VisitCopy) -> date | None:
    """The day a visit announced overdue became so: the day after its latest
    date (None if never announced overdue, or its latest date is unknown)."""
    if visit.overdue_on is None or visit.latest_date is None:
        return None
    return visit.latest_date + ONE_DAY


def overdue_window(bounds: Bounds) -> Bounds:
    """The latest dates whose visits, announced overdue, count in the period:
    the SQL's filter (views.VISITS) is this, proven equal in the tests."""
    return bounds[0] - ONE_DAY, bounds[1] - ONE_DAY


def count_visits(
    *,
    bounds: Bounds,
    visits: Iterable[VisitCopy],
    records: Iterable[VisitRecord],
    failures: Iterable[tuple[date, AttemptFailure]],
) -> VisitCounts:
    """Count the period's visits (module docstring); inputs may reach outside it."""
    standing = [v for v in visits if not v.cancelled]
    in_period = [r for r in records if within(r.visited_on, bounds)]
    counted = Counter(reason.value for on, reason in failures if within(on, bounds))
    return VisitCounts(
        planned=sum(1 for v in standing if within(v.due_date, bounds)),
        done=len({r.visit_id for r in in_period}),
        done_late=len({r.visit_id for r in in_period if r.late}),
        overdue=sum(1 for v in standing if within(overdue_day(v), bounds)),
        missed=sum(1 for v in standing if within(v.superseded_on, bounds)),
        failed_attempts_by_reason=reasons(counted),
    )


def reasons(counted: Mapping[str, int]) -> dict[str, int]:
    """Failed attempts by reason, every reason listed (0 when none failed for it)."""
    return {reason.value: counted.get(reason.value, 0) for reason in AttemptFailure}
