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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.types import FeedbackForm, SlaBreach
from services.reporting.domain.complaints import Ticket, resolved_in
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
    """The overall SLA counts of each period, in the order given."""
    if not periods:
        return []
    # Only complaints resolved in some period count in one: picked once.
    window = (min(b[0] for _, b in periods), max(b[1] for _, b in periods))
    resolved = [
        t
        for t in tickets
        if t.form is FeedbackForm.COMPLAINT and resolved_in(t, window)
    ]
    return [(name, count_sla(resolved, breaches, b)[0]) for name, b in periods]
