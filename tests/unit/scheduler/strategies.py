"""Hypothesis strategies: a customer's facts as lists of domain events."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from schemas.types import VisitKind
from services.scheduler.domain import events

EPOCH = date(2020, 1, 1)
days = st.dates(min_value=EPOCH, max_value=date(2031, 12, 31))
# Contracts around and over the on-site threshold (3,000,000 in total) as
# often as below it: uniform amounts up to 2,000,000 reached it in about 1 %
# of customers, so the on-site branch went almost untested.
THRESHOLD = Decimal(3_000_000)
money = st.one_of(
    st.integers(min_value=0, max_value=2_000_000),
    st.integers(min_value=1_000_000, max_value=3_500_000),
    st.sampled_from([2_999_999, 3_000_000]),
).map(Decimal)


@st.composite
def unit_facts(draw: st.DrawFn, unit_id: str) -> list[events.Fact]:
    """Any subset of shipped / installed / powered-on, in any date relation."""
    out: list[events.Fact] = []
    if draw(st.booleans()):
        # Now and then supporting equipment (配套设备): no visits.
        supporting = draw(st.sampled_from([False, False, True]))
        out.append(
            events.Shipped(
                unit_id, "K1", "KYN28", draw(days), supporting_equipment=supporting
            )
        )
    if draw(st.booleans()):
        out.append(events.Installed(unit_id, draw(days)))
    if draw(st.booleans()):
        out.append(events.PoweredOn(unit_id, draw(days)))
    return out


@st.composite
def customer_facts(draw: st.DrawFn) -> list[events.Fact]:
    """One fact per thing (no corrections), so their order must not matter."""
    out: list[events.Fact] = []
    for n in range(draw(st.integers(0, 3))):
        region = draw(st.sampled_from(["east", "west"]))
        out.append(events.ContractRegistered(f"K{n}", draw(money), draw(days), region))
    for n in range(draw(st.integers(0, 3))):
        out += draw(unit_facts(f"u{n}"))
    for n in range(draw(st.integers(0, 2))):
        out.append(events.Delivered(f"o{n}", "S1", draw(days), "north"))
    for n in range(draw(st.integers(0, 2))):
        first = draw(days)
        gaps = draw(st.lists(st.integers(0, 90), max_size=2))
        resolved_on = first
        for gap in gaps:
            out.append(events.TicketResolved(f"t{n}", resolved_on))
            resolved_on += timedelta(days=gap)
        out.append(events.TicketResolved(f"t{n}", resolved_on))
    visit_ids = [f"u{n}:trial_run" for n in range(3)] + ["o0:retail_followup"]
    records = visit_ids + [f"u{n}:warranty_6m" for n in range(3)]
    chosen = draw(st.lists(st.sampled_from(records), unique=True))
    for n, visit_id in enumerate(chosen, start=1):
        subject, kind = visit_id.split(":")
        out.append(
            events.VisitCompleted(
                visit_id,
                draw(days),
                unresolved_by_phone=draw(st.booleans()),
                unit_id=subject if subject.startswith("u") else None,
                record_no=f"HF-2026-01-{n:04d}",
                kind=VisitKind(kind),
            )
        )
    if draw(st.booleans()):
        # An unplanned visit's record (6.2.7): the plan ignores it.
        out.append(
            events.VisitCompleted(
                "SV-1",
                draw(days),
                unresolved_by_phone=True,
                unit_id="u0",
                record_no="HF-2026-01-0100",
                kind=VisitKind.SERVICE_VISIT,
            )
        )
    for visit_id in draw(st.lists(st.sampled_from(visit_ids), unique=True)):
        out += [
            events.VisitAttemptFailed(visit_id, n)
            for n in range(1, draw(st.integers(1, 4)))
        ]
    return out


@st.composite
def shuffled_with_duplicates(
    draw: st.DrawFn, facts: list[events.Fact]
) -> list[events.Fact]:
    """The same facts redelivered some times over, in any order."""
    repeats = draw(st.lists(st.sampled_from(facts), max_size=5)) if facts else []
    return draw(st.permutations(facts + repeats))
