"""The closed loop in the report: information feedback forms (信息反馈单) and
CAPAs.

Every kind of form is counted on its own (domain.md, "The monthly report"):
complaints (a dissatisfied rating), service requests (to after-sales),
problem reports (to production) and suggestion forms (to quality). A ticket
opened as a complaint about suggestions and needs (published before forms
had kinds) is a suggestion form, never a complaint (`form_of`).

The definitions below hold for each kind, each for one period [start, end]:

- opened: tickets opened on a day in the period.
- resolved: tickets a department resolved on a day in the period (a ticket
  resolved twice in the period, after a reopening, counts once).
- revisited: re-visits whose outcome is dated in the period: each
  `ticket_verified` (satisfied re-visit) and each `ticket_reopened`
  (dissatisfied re-visit) counts once.
- still_open: tickets opened on or before the period's last day that are not
  verified as of that day, i.e. whose latest step dated on or before it is
  not a verification. It is a state at the end of the period, not activity.
- by_department: the same four counts per the ticket's department: the one it
  was last routed or assigned to.

CAPA definitions: opened / verified = CAPAs opened / verified on a day in
the period; still_open = opened on or before the last day and not verified
by then; past due (`past_due`) = still open at the period's last day and that
day after its due date (feedback's rule: a CAPA verified late is no longer
past due, its tracking is over).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from schemas.types import ComplaintSubject, FeedbackForm
from services.reporting.domain.records import Bounds, within


class Step(StrEnum):
    """What happened to a ticket after it was opened."""

    RESOLVED = "resolved"
    VERIFIED = "verified"
    REOPENED = "reopened"


@dataclass(frozen=True)
class TicketStep:
    step: Step
    on: date


@dataclass(frozen=True)
class Ticket:
    """A ticket with its steps in the order they happened."""

    ticket_id: str
    department: str
    opened_on: date
    steps: tuple[TicketStep, ...] = ()
    form: FeedbackForm = FeedbackForm.COMPLAINT

    def verified_on(self, day: date) -> bool:
        """Closed by a satisfied re-visit as of `day` (and not reopened since)."""
        # Stable sort: steps of one day keep the order they were recorded in.
        so_far = sorted((s for s in self.steps if s.on <= day), key=lambda s: s.on)
        return bool(so_far) and so_far[-1].step is Step.VERIFIED

    def open_on(self, day: date) -> bool:
        return self.opened_on <= day and not self.verified_on(day)


@dataclass(frozen=True)
class ComplaintCounts:
    opened: int = 0
    resolved: int = 0
    revisited: int = 0
    still_open: int = 0

    def __add__(self, other: "ComplaintCounts") -> "ComplaintCounts":
        return ComplaintCounts(
            self.opened + other.opened,
            self.resolved + other.resolved,
            self.revisited + other.revisited,
            self.still_open + other.still_open,
        )


def resolved_in(ticket: Ticket, bounds: Bounds) -> bool:
    """Whether a department resolved the ticket on a day in the period."""
    return any(s.step is Step.RESOLVED and within(s.on, bounds) for s in ticket.steps)


def count_ticket(ticket: Ticket, bounds: Bounds) -> ComplaintCounts:
    """One ticket's contribution to the period's counts (module docstring)."""
    steps = [s for s in ticket.steps if within(s.on, bounds)]
    return ComplaintCounts(
        opened=int(within(ticket.opened_on, bounds)),
        resolved=int(resolved_in(ticket, bounds)),
        revisited=sum(1 for s in steps if s.step is not Step.RESOLVED),
        still_open=int(ticket.open_on(bounds[1])),
    )


def form_of(form: FeedbackForm, subject: ComplaintSubject | None) -> FeedbackForm:
    """The kind a ticket counts as: its form, except that a complaint about
    suggestions and needs is a suggestion form."""
    if form is FeedbackForm.COMPLAINT and subject is ComplaintSubject.SUGGESTION:
        return FeedbackForm.SUGGESTION
    return form


def count_forms(
    tickets: Iterable[Ticket], bounds: Bounds
) -> dict[FeedbackForm, tuple[ComplaintCounts, dict[str, ComplaintCounts]]]:
    """The period's counts of each kind of form, overall and by department
    (every kind listed, zeros when none)."""
    by_form: dict[FeedbackForm, list[Ticket]] = {form: [] for form in FeedbackForm}
    for ticket in tickets:
        by_form[ticket.form].append(ticket)
    return {form: count_complaints(found, bounds) for form, found in by_form.items()}


def count_complaints(
    tickets: Iterable[Ticket], bounds: Bounds
) -> tuple[ComplaintCounts, dict[str, ComplaintCounts]]:
    """The period's counts of these tickets, overall and by department."""
    total = ComplaintCounts()
    by_department: dict[str, ComplaintCounts] = defaultdict(ComplaintCounts)
    for ticket in tickets:
        counts = count_ticket(ticket, bounds)
        if counts == ComplaintCounts():
            continue  # nothing in or at the end of this period
        total += counts
        by_department[ticket.department] += counts
    return total, dict(sorted(by_department.items()))


@dataclass(frozen=True)
class Capa:
    """A corrective/preventive action (纠正预防措施); `review_id` is the report
    review (评审) that opened it, if any."""

    capa_id: str
    owner: str | None
    opened_on: date | None
    verified_on: date | None = None
    review_id: str | None = None
    due_date: date | None = None

    def open_on(self, day: date) -> bool:
        """Opened on or before `day` and not verified by then."""
        return (
            self.opened_on is not None
            and self.opened_on <= day
            and (self.verified_on is None or self.verified_on > day)
        )

    def past_due_on(self, day: date) -> bool:
        """Open on `day`, which is after its due date."""
        return self.open_on(day) and self.due_date is not None and day > self.due_date


@dataclass(frozen=True)
class CapaCounts:
    opened: int
    verified: int
    still_open: int


def count_capas(capas: Iterable[Capa], bounds: Bounds) -> CapaCounts:
    """The period's CAPA counts (module docstring)."""
    opened = verified = still_open = 0
    end = bounds[1]
    for capa in capas:
        opened += within(capa.opened_on, bounds)
        verified += within(capa.verified_on, bounds)
        still_open += capa.open_on(end)
    return CapaCounts(opened, verified, still_open)


def past_due(capas: Iterable[Capa], end: date) -> list[Capa]:
    """The CAPAs past due at `end` (module docstring), most overdue first."""
    found = [c for c in capas if c.past_due_on(end)]
    return sorted(found, key=lambda c: (c.due_date or end, c.capa_id))
