"""The scheduler's pure domain: which visits, when, and by which channel.

No I/O here: the standard library and `schemas.types` only. One fact about
a customer is taken in by `take_fact`: it folds the fact into `CustomerFacts`
(`apply_fact`), plans (`plan_customer`), compares with the plan as last
published (`reconcile`) and follows the visits' lifecycle; handlers.py saves
the outcome and hands the derived events to the outbox. The daily tick calls
`announcements`; a visit's status on a day is `visit_status` (once: the
views' SQL filter is tested against it); the service centre's worklist is
`gather_batches`; a policy what-if is `diff_plans`.
"""

from services.scheduler.domain.calendar import (
    add_months,
    monday_after_week_of,
    sunday_of_week,
)
from services.scheduler.domain.channel import threshold_crossed_on
from services.scheduler.domain.facts import CustomerFacts, apply_fact, apply_facts
from services.scheduler.domain.plan import plan_customer
from services.scheduler.domain.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.reconcile import (
    Cancelled,
    Change,
    Planned,
    Rescheduled,
    apply_changes,
    reconcile,
)
from services.scheduler.domain.status import (
    announcements,
    escalation_target,
    visit_status,
)
from services.scheduler.domain.step import Outcome, take_fact
from services.scheduler.domain.visit import Visit, VisitPlan, is_open, open_visit
from services.scheduler.domain.whatif import PlanDifference, diff_plans
from services.scheduler.domain.worklist import Batch, gather_batches

__all__ = [
    "DEFAULT_POLICY",
    "Batch",
    "Cancelled",
    "Change",
    "CustomerFacts",
    "Outcome",
    "PlanDifference",
    "Planned",
    "Policy",
    "Rescheduled",
    "Visit",
    "VisitPlan",
    "add_months",
    "announcements",
    "apply_changes",
    "apply_fact",
    "apply_facts",
    "diff_plans",
    "escalation_target",
    "gather_batches",
    "is_open",
    "monday_after_week_of",
    "open_visit",
    "plan_customer",
    "reconcile",
    "sunday_of_week",
    "take_fact",
    "threshold_crossed_on",
    "visit_status",
]
