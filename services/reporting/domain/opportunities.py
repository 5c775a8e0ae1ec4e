"""New needs and business opportunities noted on on-site visits (现场回访),
listed in the report for sales (domain.md, "The monthly report").

Listed: every record dated in the period, made on site, whose
`opportunities` text is not blank; by date, then record number.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from schemas.types import Channel
from services.reporting.domain.records import Bounds, VisitRecord, within


@dataclass(frozen=True)
class Opportunity:
    record_no: str
    customer_id: str
    visited_on: date
    kind: str
    company: str | None
    text: str


def opportunities(records: Iterable[VisitRecord], bounds: Bounds) -> list[Opportunity]:
    """The period's opportunities (module docstring)."""
    listed = [
        Opportunity(
            record_no=r.record_no,
            customer_id=r.customer_id,
            visited_on=r.visited_on,
            kind=r.kind.value,
            company=r.company,
            text=r.opportunities.strip(),
        )
        for r in records
        if within(r.visited_on, bounds)
        and r.channel == Channel.ON_SITE.value
        and r.opportunities.strip()
    ]
    return sorted(listed, key=lambda o: (o.visited_on, o.record_no))
