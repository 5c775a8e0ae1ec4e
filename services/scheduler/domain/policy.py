"""Every number of the regulation, in one versioned, frozen table.

The date and channel rules read their numbers from a `Policy` and every
planned visit records the version that produced it. A "what-if" is the same
code run with `dataclasses.replace(DEFAULT_POLICY, version=..., ...)`.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from schemas.types import VisitKind


class Anchor(StrEnum):
    """The fact an industrial visit's due date is counted from."""

    INSTALLED = "installed"
    POWER_ON = "power_on"
    WARRANTY_END = "warranty_end"


class PastWarrantyEnd(StrEnum):
    """What becomes of a visit whose due date falls after the warranty end."""

    KEEP = "keep"
    CAP = "cap"  # due at the warranty end instead (warranty_12m)
    DROP = "drop"  # not planned (warranty_6m)


@dataclass(frozen=True)
class ScheduleRow:
    """One row of domain.md's table "The visit schedule of an industrial unit"."""

    kind: VisitKind
    anchor: Anchor
    months: int
    past_warranty_end: PastWarrantyEnd = PastWarrantyEnd.KEEP


INDUSTRIAL_SCHEDULE: tuple[ScheduleRow, ...] = (
    ScheduleRow(VisitKind.PRE_POWER_ON, Anchor.INSTALLED, 0),
    ScheduleRow(VisitKind.TRIAL_RUN, Anchor.POWER_ON, 1),
    ScheduleRow(VisitKind.WARRANTY_6M, Anchor.POWER_ON, 6, PastWarrantyEnd.DROP),
    ScheduleRow(VisitKind.WARRANTY_12M, Anchor.POWER_ON, 12, PastWarrantyEnd.CAP),
    ScheduleRow(VisitKind.POST_WARRANTY_1, Anchor.WARRANTY_END, 12),
    ScheduleRow(VisitKind.POST_WARRANTY_2, Anchor.WARRANTY_END, 24),
)

# Visits not tied to the plan: a department head's visit during after-sales
# service (6.2.7) closes no planned visit and supersedes none.
UNPLANNED_KINDS = frozenset({VisitKind.SERVICE_VISIT})

# Whose records supersede the unit's open visits that fell due before them:
# a record of the unit's schedule or of an on-site follow-up of the unit.
SUPERSEDING_KINDS = frozenset(
    {row.kind for row in INDUSTRIAL_SCHEDULE} | {VisitKind.ON_SITE_FOLLOWUP}
)

# 集中回访 is allowed "after the trial run": the first two visits of a unit are
# made one by one. Retail and revisits have windows of their own and batch;
# an on-site follow-up of a problem is made on its own.
BATCHABLE_KINDS = frozenset(
    {
        VisitKind.WARRANTY_6M,
        VisitKind.WARRANTY_12M,
        VisitKind.POST_WARRANTY_1,
        VisitKind.POST_WARRANTY_2,
        VisitKind.RETAIL_FOLLOWUP,
        VisitKind.REVISIT,
    }
)


@dataclass(frozen=True)
class Policy:
    """The scheduler's rules as data; `version` is stamped on every plan."""

    version: str = "2026.1"
    industrial_schedule: tuple[ScheduleRow, ...] = INDUSTRIAL_SCHEDULE
    # 质保期: ends at the earlier of power-on + 12 and ship + 18 months.
    warranty_months_from_power_on: int = 12
    warranty_months_from_ship: int = 18
    # An industrial visit is overdue after due + 1 month.
    industrial_tolerance_months: int = 1
    # A revisit is due on the resolution date and overdue 7 days after it.
    revisit_tolerance_days: int = 7
    # 累计合同额 ≥ 300万元 turns every open and future visit on site.
    on_site_threshold: Decimal = Decimal("3000000")
    on_site_kinds: frozenset[VisitKind] = frozenset(
        {VisitKind.PRE_POWER_ON, VisitKind.ON_SITE_FOLLOWUP}
    )
    max_failed_attempts: int = 3
    batchable_kinds: frozenset[VisitKind] = BATCHABLE_KINDS
    # 不能通过电话解决的必须进行现场回访: an on-site follow-up of the unit, due
    # this many days after the record, overdue this many days after its due.
    on_site_followup_days: int = 7
    on_site_followup_tolerance_days: int = 7
    superseding_kinds: frozenset[VisitKind] = SUPERSEDING_KINDS
    # Made by the store's designated visitor (统一指定专人): batched apart from
    # every industrial visit, one store at a time.
    retail_kinds: frozenset[VisitKind] = frozenset({VisitKind.RETAIL_FOLLOWUP})


DEFAULT_POLICY = Policy()
