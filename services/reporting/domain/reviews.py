"""The review (评审) of a monthly report (domain.md, "Complaints and corrective
action", 4; regulation 6.3).

Each part of a period's report is reviewed by its owner: the product-quality
part by each producing company (the business unit on the contract, named in
`company`), the service-quality and suggestions parts by the quality
department (no company). A review records who reviewed it, when, whether a
CAPA is needed, and why. A review is of a report that was made: it is dated
on or after the period's cutoff day (its last day). A part may be reviewed
again (a later review stands beside the earlier one; both are listed).
CAPAs opened from a review name it (`review_id`) and are listed under it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from schemas.types import ReportPart


class ReviewRefused(ValueError):  # noqa: N818 - the name callers catch
    """A review the rules refuse, naming the field at fault."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(rule)


@dataclass(frozen=True)
class Review:
    review_id: str
    period: str
    part: ReportPart
    company: str | None
    reviewer: str
    reviewed_on: date
    capa_needed: bool
    reason: str


def decide_review(candidate: Review, period_end: date) -> Review:
    """The review as recorded, or `ReviewRefused` (module docstring)."""
    if candidate.part is ReportPart.PRODUCT_QUALITY and not candidate.company:
        raise ReviewRefused(
            "company", "the product-quality part is reviewed by a producing company"
        )
    if candidate.part is not ReportPart.PRODUCT_QUALITY and candidate.company:
        raise ReviewRefused(
            "company",
            f"the {candidate.part.value} part is reviewed by the quality "
            "department, not a company",
        )
    if candidate.reviewed_on < period_end:
        raise ReviewRefused(
            "reviewed_on",
            f"the report of {candidate.period} is made on {period_end}; "
            "it cannot be reviewed before",
        )
    if not candidate.reviewer.strip():
        raise ReviewRefused("reviewer", "name who reviewed it")
    if not candidate.reason.strip():
        raise ReviewRefused("reason", "say why a CAPA is, or is not, needed")
    return candidate


def capas_by_review(links: Iterable[tuple[str, str | None]]) -> dict[str, list[str]]:
    """CAPA ids under the review each came from, sorted (`links`: capa id and
    review id pairs; CAPAs from no review are left out)."""
    found: dict[str, list[str]] = defaultdict(list)
    for capa_id, review_id in links:
        if review_id is not None:
            found[review_id].append(capa_id)
    return {review: sorted(ids) for review, ids in found.items()}
