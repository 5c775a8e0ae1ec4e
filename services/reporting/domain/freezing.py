"""The frozen monthly report (domain.md, "The monthly report"): made on the
cutoff day, frozen the day after, handed out, never silently changed.

- `period_closed_by(day)`: the period whose report is frozen on `day`, the day
  after its cutoff (with the default cutoff, the 26th freezes the month's).
- `last_freeze_date(today)`: the latest such day on or before today, where
  the freeze job of a new deployment starts, so that a deployment started
  after a cutoff still freezes the period that closed before it started.
- `canonical(report)` / `content_hash(text)`: the stored bytes of a frozen
  report are its canonical JSON (keys sorted, no spaces, UTF-8); the hash is
  the SHA-256 of those bytes, so anyone can check a copy.
- `amendments(counted, records)`: records dated inside the closed period
  that the frozen report did not count arrived after freezing; they are
  listed beside it.
- `distribution(...)`: who the frozen report is handed to: the leadership,
  the quality department (it reviews service quality and the suggestions),
  the departments that handle the report's feedback forms, and each
  producing company named in it (it reviews its product quality).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from schemas.types import Department
from services.reporting.domain.periods import period_bounds, period_of
from services.reporting.domain.records import UNKNOWN, VisitRecord

LEADERSHIP = "leadership"
FORM_SECTIONS = (
    "complaints",
    "service_requests",
    "problem_reports",
    "suggestion_forms",
)


def period_closed_by(day: date, cutoff_day: int) -> str | None:
    """The period frozen on `day`: the one whose last day was yesterday."""
    yesterday = day - timedelta(days=1)
    period = period_of(yesterday, cutoff_day)
    return period if period_bounds(period, cutoff_day)[1] == yesterday else None


def last_freeze_date(today: date, cutoff_day: int) -> date:
    """The latest day on or before `today` that freezes a period: the first
    day of the period `today` is in (the day after the previous cutoff)."""
    return period_bounds(period_of(today, cutoff_day), cutoff_day)[0]


def canonical(report: Mapping[str, Any]) -> str:
    """The canonical JSON text of a report (what is stored and hashed)."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(text: str) -> str:
    """`sha256:<hex>` of the UTF-8 bytes of a canonical report."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def amendments(
    counted: Iterable[str], records: Sequence[VisitRecord]
) -> list[VisitRecord]:
    """The period's records the frozen report did not count, in date order."""
    known = set(counted)
    return [r for r in records if r.record_no not in known]


@dataclass(frozen=True)
class Recipient:
    """One copy handed out: to whom (`kind` leadership, department or
    company) and when."""

    recipient: str
    kind: str
    handed_at: str


def recipients(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(recipient, kind) of a report's copies, in a fixed order."""
    departments = {Department.QUALITY.value}
    for section in FORM_SECTIONS:
        departments.update(report.get(section, {}).get("by_department", {}))
    departments.discard(UNKNOWN)
    companies = sorted(c for c in report.get("by_company", {}) if c != UNKNOWN)
    return [
        (LEADERSHIP, "leadership"),
        *((d, "department") for d in sorted(departments)),
        *((c, "company") for c in companies),
    ]


def distribution(report: Mapping[str, Any], handed_at: str) -> list[Recipient]:
    """Every copy of the frozen report, handed out when it was frozen."""
    return [Recipient(r, kind, handed_at) for r, kind in recipients(report)]
