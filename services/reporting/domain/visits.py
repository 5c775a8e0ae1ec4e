"""The visit section of the report: planned, done, done late, overdue, failed.

Definitions, each for one period [start, end]:

- planned: visits not cancelled whose due date (the latest, after any
  rescheduling) falls in the period. A cancelled visit no longer applies
  (domain.md: cancelled after a correction), so it leaves past reports too.
- done: visits closed by a record dated in the period (a visit with two
  records in the period counts once).
- done_late: of those, the visits whose record is dated after the visit's
  latest date (done while overdue). A record of a visit the schedule never
  announced has no latest date and is never late.
- overdue: visits not cancelled that went overdue in the period: the
  scheduler announced them overdue (`visit_overdue`, once per visit) on a day
  in the period, whether or not they were done later.
- failed_attempts_by_reason: failed attempts dated in the period, by reason;
  every reason is listed, with 0 when none failed for it.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from schemas.types import AttemptFailure
from services.reporting.domain.records import Bounds, VisitRecord, within
from services.reporting.domain.visit_copies import VisitCopy


@dataclass(frozen=True)
class VisitCounts:
    planned: int
    done: int
    done_late: int
    overdue: int
    failed_attempts_by_reason: dict[str, int]


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
    reasons = Counter(reason for on, reason in failures if within(on, bounds))
    return VisitCounts(
        planned=sum(1 for v in standing if within(v.due_date, bounds)),
        done=len({r.visit_id for r in in_period}),
        done_late=len({r.visit_id for r in in_period if r.late}),
        overdue=sum(1 for v in standing if within(v.overdue_on, bounds)),
        failed_attempts_by_reason={
            reason.value: reasons[reason] for reason in AttemptFailure
        },
    )
