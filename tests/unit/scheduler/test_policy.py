from dataclasses import FrozenInstanceError, replace
from decimal import Decimal

import pytest

from schemas.types import VisitKind
from services.scheduler.domain.policy import (
    DEFAULT_POLICY,
    Anchor,
    PastWarrantyEnd,
    Policy,
)


def test_default_policy_holds_the_numbers_of_domain_md() -> None:
    p = DEFAULT_POLICY
    assert p.version == "2026.1"
    assert p.warranty_months_from_power_on == 12
    assert p.warranty_months_from_ship == 18
    assert p.industrial_tolerance_months == 1
    assert p.revisit_tolerance_days == 7
    assert p.on_site_threshold == Decimal("3000000")
    assert p.max_failed_attempts == 3
    assert p.on_site_kinds == {VisitKind.PRE_POWER_ON, VisitKind.ON_SITE_FOLLOWUP}
    # 不能通过电话解决的必须进行现场回访: due 7 days after, overdue 7 days later.
    assert p.on_site_followup_days == 7
    assert p.on_site_followup_tolerance_days == 7
    assert p.retail_kinds == {VisitKind.RETAIL_FOLLOWUP}
    assert VisitKind.SERVICE_VISIT not in p.superseding_kinds
    assert VisitKind.ON_SITE_FOLLOWUP in p.superseding_kinds


def test_industrial_schedule_is_domain_md_table() -> None:
    rows = {
        r.kind: (r.anchor, r.months, r.past_warranty_end)
        for r in DEFAULT_POLICY.industrial_schedule
    }
    assert rows == {
        VisitKind.PRE_POWER_ON: (Anchor.INSTALLED, 0, PastWarrantyEnd.KEEP),
        VisitKind.TRIAL_RUN: (Anchor.POWER_ON, 1, PastWarrantyEnd.KEEP),
        VisitKind.WARRANTY_6M: (Anchor.POWER_ON, 6, PastWarrantyEnd.DROP),
        VisitKind.WARRANTY_12M: (Anchor.POWER_ON, 12, PastWarrantyEnd.CAP),
        VisitKind.POST_WARRANTY_1: (Anchor.WARRANTY_END, 12, PastWarrantyEnd.KEEP),
        VisitKind.POST_WARRANTY_2: (Anchor.WARRANTY_END, 24, PastWarrantyEnd.KEEP),
    }


def test_first_two_visits_of_a_unit_are_not_batched() -> None:
    assert VisitKind.PRE_POWER_ON not in DEFAULT_POLICY.batchable_kinds
    assert VisitKind.TRIAL_RUN not in DEFAULT_POLICY.batchable_kinds
    assert VisitKind.WARRANTY_6M in DEFAULT_POLICY.batchable_kinds


def test_policy_is_frozen_and_replaceable_for_a_what_if() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_POLICY.on_site_threshold = Decimal(1)  # type: ignore[misc]
    what_if = replace(
        DEFAULT_POLICY, version="what-if", on_site_threshold=Decimal("2500000")
    )
    assert what_if.on_site_threshold == Decimal("2500000")
    assert DEFAULT_POLICY.on_site_threshold == Decimal("3000000")
    assert what_if != Policy()
