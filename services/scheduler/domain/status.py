"""A visit's status on a given day, and the daily tick's due/overdue notices."""

from collections.abc import Iterable, Set
from datetime import date

from schemas.types import EscalationTarget, VisitKind, VisitStatus
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.visit import Visit, is_open

Announcement = tuple[str, VisitStatus]  # (visit_id, DUE or OVERDUE)


def escalation_target(kind: VisitKind) -> EscalationTarget:
    """Who takes a visit over after the last failed attempt.

    Retail follow-ups go to the store manager; everything else (industrial
    units, and revisits, whose ticket does not say which business it came
    from) is taken over on site.
    """
    if kind is VisitKind.RETAIL_FOLLOWUP:
        return EscalationTarget.STORE_MANAGER
    return EscalationTarget.ON_SITE


def is_escalated(visit: Visit, policy: Policy = DEFAULT_POLICY) -> bool:
    """Three failed attempts (or a stored escalation) hand the visit over."""
    return (
        visit.status is VisitStatus.ESCALATED
        or visit.failed_attempts >= policy.max_failed_attempts
    )


def visit_status(
    visit: Visit, as_of: date, policy: Policy = DEFAULT_POLICY
) -> VisitStatus:
    """Cancelled, done, superseded, escalated, else planned / due / overdue by
    the dates."""
    if not is_open(visit):
        return visit.status
    if is_escalated(visit, policy):
        return VisitStatus.ESCALATED
    if as_of < visit.due_date:
        return VisitStatus.PLANNED
    if as_of <= visit.latest_date:
        return VisitStatus.DUE
    return VisitStatus.OVERDUE


def announcements(
    visits: Iterable[Visit], as_of: date, already_announced: Set[Announcement]
) -> list[Announcement]:
    """What the daily tick on `as_of` announces: each visit due once, overdue once.

    A tick that missed days catches up: a visit that went past its latest date
    meanwhile is announced due, then overdue. Escalated visits are still open
    and are announced too. Order: by due date, then visit id.
    """
    out: list[Announcement] = []
    for visit in sorted(visits, key=lambda v: (v.due_date, v.visit_id)):
        if not is_open(visit):
            continue
        for notice, reached in (
            (VisitStatus.DUE, as_of >= visit.due_date),
            (VisitStatus.OVERDUE, as_of > visit.latest_date),
        ):
            if reached and (visit.visit_id, notice) not in already_announced:
                out.append((visit.visit_id, notice))
    return out
