"""One fact about a customer, taken in: the whole decision, without I/O.

Load, call the domain, save: the reaction (handlers.py) loads the customer's
facts and the plan as last published from the store, calls `take_fact`,
saves what it returns and hands the events `events.py` builds from it to the
outbox.

Beyond planning and reconciling, the stored visits follow the facts'
lifecycle: a visit with a visit record is done (and stays done, whatever a
later correction says); an open visit of a unit that fell due before a
later record of the unit is superseded (and stays so, unless its own record
arrives: then it is done); and an open visit with the policy's number of
failed attempts is escalated. Both are applied before reconciling too, so that a
visit just closed is not "rescheduled" to the channel its record names.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from schemas.types import VisitStatus
from services.scheduler.domain import events
from services.scheduler.domain.channel import threshold_crossed_on
from services.scheduler.domain.facts import CustomerFacts, apply_fact
from services.scheduler.domain.moot import Supersession, supersessions
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import Policy
from services.scheduler.domain.reconcile import Change, apply_changes, reconcile
from services.scheduler.domain.visit import Visit, VisitPlan, is_open


@dataclass(frozen=True)
class Outcome:
    """What one fact changed for its customer."""

    facts: CustomerFacts
    plan: list[VisitPlan]  # every visit the rules ask for now
    visits: dict[str, Visit]  # every stored visit of the customer, after
    changes: list[Change]
    escalated: list[Visit]  # reached the policy's failed attempts with this fact
    # made moot by a record with this fact, and by which record
    superseded: list[tuple[Visit, Supersession]]
    threshold_crossed_on: date | None  # set when the customer has just crossed


def follow_lifecycle(
    visits: Mapping[str, Visit],
    facts: CustomerFacts,
    policy: Policy,
    moot: Mapping[str, Supersession] | None = None,
) -> dict[str, Visit]:
    """The stored visits with the facts' records, the records' supersessions
    (`moot`) and failed attempts applied."""
    out = {}
    for visit_id, visit in visits.items():
        failures = facts.failed_attempts.get(visit_id, 0)
        status = visit.status
        if visit_id in facts.outcomes:
            status = VisitStatus.DONE
        elif is_open(visit) and moot is not None and visit_id in moot:
            status = VisitStatus.SUPERSEDED
        elif is_open(visit):
            escalated = failures >= policy.max_failed_attempts
            status = VisitStatus.ESCALATED if escalated else VisitStatus.PLANNED
        out[visit_id] = replace(visit, status=status, failed_attempts=failures)
    return out


def _newly_escalated(
    before: Mapping[str, Visit], after: Mapping[str, Visit], policy: Policy
) -> list[Visit]:
    # By the count crossing the limit, not by the status: a cancelled visit
    # planned again with its old failures was escalated once already.
    limit = policy.max_failed_attempts
    return [
        visit
        for visit_id, visit in sorted(after.items())
        if visit.status is VisitStatus.ESCALATED
        and visit.failed_attempts >= limit
        and (before[visit_id].failed_attempts if visit_id in before else 0) < limit
    ]


def _newly_superseded(
    before: Mapping[str, Visit],
    after: Mapping[str, Visit],
    moot: Mapping[str, Supersession],
) -> list[tuple[Visit, Supersession]]:
    return [
        (visit, moot[visit_id])
        for visit_id, visit in sorted(
            after.items(), key=lambda i: (i[1].due_date, i[0])
        )
        if visit.status is VisitStatus.SUPERSEDED
        and visit_id in moot
        and (visit_id not in before or before[visit_id].status is not visit.status)
    ]


def take_fact(
    facts: CustomerFacts,
    stored: Mapping[str, Visit],
    fact: events.Fact,
    policy: Policy,
) -> Outcome:
    """Apply a fact to a customer's facts and bring the stored visits in line."""
    known = apply_fact(facts, fact)
    plan = plan_customer(known, policy)
    moot = supersessions(known, plan, policy)
    current = follow_lifecycle(stored, known, policy, moot)
    changes = reconcile(current, plan)
    visits = follow_lifecycle(apply_changes(current, changes), known, policy, moot)
    crossed = threshold_crossed_on(known, policy)
    just_crossed = crossed is not None and threshold_crossed_on(facts, policy) is None
    return Outcome(
        facts=known,
        plan=plan,
        visits=visits,
        changes=changes,
        escalated=_newly_escalated(stored, visits, policy),
        superseded=_newly_superseded(stored, visits, moot),
        threshold_crossed_on=crossed if just_crossed else None,
    )
