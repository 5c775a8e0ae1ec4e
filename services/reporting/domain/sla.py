"""SLA compliance of complaints, by department (the dashboard's widget 5).

The SLAs are feedback's (README: a form assigned within 2 working days and
resolved within 15 days of opening, per department and subject); feedback's
daily sweep announces each breach once (`ticket_overdue`: the ticket, which
SLA, its deadline). The report does not re-decide them; it counts them:

- a breach happened on the day after its deadline (`Breach.on`), whenever it
  was announced, so it counts in the period of that day (as a visit counts as
  overdue in the period its latest date passed);
- a breach counts for the department holding the ticket as the report knows
  it (the one it was last routed to, `complaints.py`), or the one named by
  the breach when the ticket's opening is not known here;
- resolved: complaints resolved on a day in the period (`resolved_in`, the
  `resolved` count of `complaints.count_ticket`); resolved_within_sla: those
  of them with no breach (of either SLA) that happened on or before the
  period's last day; compliance = resolved_within_sla / resolved, rounded
  to 4 places, None when nothing was resolved.

Only complaints count (the form a ticket counts as, `complaints.form_of`):
service requests, problem reports and suggestion forms have their own
widgets.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from schemas.types import FeedbackForm, SlaBreach
from services.reporting.domain.complaints import Step, Ticket, resolved_in
from services.reporting.domain.records import Bounds, within


@dataclass(frozen=True)
class Breach:
    """One announced SLA breach of a ticket."""

    ticket_id: str
    kind: SlaBreach
    deadline: date
    department: str  # holding the ticket when the breach was announced
    form: FeedbackForm
    ticket_department: str | None = None  # the ticket's, when known here

    @property
    def on(self) -> date:
        """The day the breach happened: the day after the deadline."""
        return self.deadline + timedelta(days=1)

    @property
    def holder(self) -> str:
        """The department the breach counts for (module docstring)."""
        return self.ticket_department or self.department


@dataclass(frozen=True)
class SlaCounts:
    resolved: int = 0
    resolved_within_sla: int = 0
    assignment_breaches: int = 0
    resolution_breaches: int = 0

    def __add__(self, other: "SlaCounts") -> "SlaCounts":
        return SlaCounts(
            self.resolved + other.resolved,
            self.resolved_within_sla + other.resolved_within_sla,
            self.assignment_breaches + other.assignment_breaches,
            self.resolution_breaches + other.resolution_breaches,
        )

    @property
    def compliance(self) -> float | None:
        """The share of resolved complaints resolved within the SLAs."""
        if not self.resolved:
            return None
        return round(self.resolved_within_sla / self.resolved, 4)


def count_sla(
    tickets: Iterable[Ticket], breaches: Sequence[Breach], bounds: Bounds
) -> tuple[SlaCounts, dict[str, SlaCounts]]:
    """The period's SLA counts of complaints, overall and by department."""
    end = bounds[1]
    breached = {b.ticket_id for b in breaches if b.on <= end}
    by_department: dict[str, SlaCounts] = defaultdict(SlaCounts)
    for ticket in tickets:
        if ticket.form is not FeedbackForm.COMPLAINT:
            continue
        if resolved_in(ticket, bounds):
            by_department[ticket.department] += SlaCounts(
                resolved=1,
                resolved_within_sla=int(ticket.ticket_id not in breached),
            )
    for breach in breaches:
        if breach.form is not FeedbackForm.COMPLAINT or not within(breach.on, bounds):
            continue
        by_department[breach.holder] += SlaCounts(
            assignment_breaches=int(breach.kind is SlaBreach.ASSIGNMENT),
            resolution_breaches=int(breach.kind is SlaBreach.RESOLUTION),
        )
    total = sum(by_department.values(), SlaCounts())
    return total, dict(sorted(by_department.items()))


def sla_trend(
    tickets: Sequence[Ticket],
    breaches: Sequence[Breach],
    periods: Sequence[tuple[str, Bounds]],
) -> list[tuple[str, SlaCounts]]:
    """The overall SLA counts of each period, in the order given: `count_sla`'s
    total in each, counted in one pass (each resolution and breach goes to
    the period holding its day) when the periods do not overlap, as the
    dashboard's consecutive ones never do. Twelve passes over a year's
    complaints were half the feedback widget's cold answer (issue 11)."""
    spans = sorted((b[0], b[1], i) for i, (_, b) in enumerate(periods))
    if any(a[1] >= b[0] for a, b in pairwise(spans)):
        return [(name, count_sla(tickets, breaches, b)[0]) for name, b in periods]
    starts = [start for start, _, _ in spans]

    def period_of(day: date) -> int | None:
        k = bisect_right(starts, day) - 1
        return spans[k][2] if k >= 0 and day <= spans[k][1] else None

    # A ticket is breached by a period's end when its first breach (of
    # either SLA, whatever its form) happened on or before that day.
    first_breach: dict[str, date] = {}
    for b in breaches:
        if b.ticket_id not in first_breach or b.on < first_breach[b.ticket_id]:
            first_breach[b.ticket_id] = b.on
    counts = [[0, 0, 0, 0] for _ in periods]
    for ticket in tickets:
        if ticket.form is not FeedbackForm.COMPLAINT:
            continue
        resolved = {period_of(s.on) for s in ticket.steps if s.step is Step.RESOLVED}
        for i in resolved:
            if i is None:
                continue  # resolved outside every period
            counts[i][0] += 1
            breached = first_breach.get(ticket.ticket_id)
            counts[i][1] += breached is None or breached > periods[i][1][1]
    for b in breaches:
        i = period_of(b.on)
        if b.form is FeedbackForm.COMPLAINT and i is not None:
            counts[i][2] += b.kind is SlaBreach.ASSIGNMENT
            counts[i][3] += b.kind is SlaBreach.RESOLUTION
    return [(name, SlaCounts(*c)) for (name, _), c in zip(periods, counts, strict=True)]
