"""The scheduler's pure domain: which visits, when, and by which channel.

No I/O here: the standard library and `schemas.types` only. The I/O layer
folds a customer's events into `CustomerFacts` (`apply_fact`), plans
(`plan_customer`), compares with what it stored (`reconcile`) and publishes
the changes; the daily tick calls `announcements`; the service centre's
worklist is `gather_batches`; a policy what-if is `diff_plans`.
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
from services.scheduler.domain.visit import PlannedVisit, Visit, is_open, open_visit
from services.scheduler.domain.whatif import PlanDifference, diff_plans
from services.scheduler.domain.worklist import Batch, gather_batches

__all__ = [
    "DEFAULT_POLICY",
    "Batch",
    "Cancelled",
    "Change",
    "CustomerFacts",
    "PlanDifference",
    "Planned",
    "PlannedVisit",
    "Policy",
    "Rescheduled",
    "Visit",
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
    "threshold_crossed_on",
    "visit_status",
]
