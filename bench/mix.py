"""A realistic mix of every topic's events, for every read model at once.

The ledger facts are those of `bench.ledger_events` (customers, contracts,
shipments, installation, power-on). For each unit powered on, the scheduler's
plan follows (a trial-run and two warranty visits, some rescheduled,
announced due or overdue, escalated or cancelled), the survey's records and
failed attempts, complaints from dissatisfied records, the tickets they open
and their lifecycle (assigned, resolved, verified or reopened), and now and
then a CAPA and a report review. Every event is built with the pydantic
classes of schemas/ and passes the lifecycle rules the views enforce (a
ticket step only after its opening, in order, on the same customer's key).
Seeded, ordered by business date across customers.
"""

import random
from collections.abc import Iterator
from datetime import date, timedelta

from bench.ledger_events import _customer_facts, _envelope
from schemas.envelope import Event
from schemas.feedback import (
    CapaOpened,
    CapaOpenedPayload,
    CapaVerified,
    CapaVerifiedPayload,
    TicketAssigned,
    TicketAssignedPayload,
    TicketOpened,
    TicketOpenedPayload,
    TicketReopened,
    TicketReopenedPayload,
    TicketResolved,
    TicketResolvedPayload,
    TicketVerified,
    TicketVerifiedPayload,
)
from schemas.ledger import ContractRegistered, PoweredOn, Shipped
from schemas.reporting import ReportReviewed, ReportReviewedPayload
from schemas.schedule import (
    VisitCancelled,
    VisitCancelledPayload,
    VisitDue,
    VisitDuePayload,
    VisitEscalated,
    VisitEscalatedPayload,
    VisitOverdue,
    VisitOverduePayload,
    VisitPlanned,
    VisitPlannedPayload,
    VisitRescheduled,
    VisitRescheduledPayload,
)
from schemas.survey import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    VisitAttemptFailed,
    VisitAttemptFailedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import (
    AttemptFailure,
    Channel,
    ComplaintSubject,
    Department,
    EscalationTarget,
    Rating,
    ReportPart,
    VisitKind,
)

SCHEDULER = "scheduler"
SURVEY = "survey"
FEEDBACK = "feedback"
VISITORS = tuple(f"回访员{i:02d}" for i in range(1, 41))
# (kind, days after power-on, window in days)
PLAN = (
    (VisitKind.TRIAL_RUN, 7, 14),
    (VisitKind.WARRANTY_6M, 182, 30),
    (VisitKind.WARRANTY_12M, 365, 30),
)


class _Counter:
    def __init__(self) -> None:
        self.records = 0

    def record_no(self, on: date) -> str:
        self.records += 1
        return f"HF-{on:%Y-%m}-{self.records:06d}"


def _ticket_life(
    rng: random.Random, record: VisitCompleted, complaint: ComplaintRaised, n: int
) -> Iterator[tuple[date, Event]]:
    p, c = record.payload, complaint.payload
    ticket = f"T-{c.complaint_id}"
    department = (
        Department.PRODUCTION
        if c.subject == ComplaintSubject.PRODUCT_QUALITY
        else Department.QUALITY
    )
    opened = p.visited_on
    yield (
        opened,
        TicketOpened(
            **_envelope(opened, FEEDBACK, rng),
            payload=TicketOpenedPayload(
                customer_id=p.customer_id,
                ticket_id=ticket,
                complaint_id=c.complaint_id,
                subject=c.subject,
                department=department,
                description=c.description,
                opened_on=opened,
                visit_id=p.visit_id,
                record_no=p.record_no,
            ),
        ),
    )
    if rng.random() < 0.1:
        return  # still open
    assigned = opened + timedelta(days=rng.randint(0, 3))
    yield (
        assigned,
        TicketAssigned(
            **_envelope(assigned, FEEDBACK, rng),
            payload=TicketAssignedPayload(
                customer_id=p.customer_id,
                ticket_id=ticket,
                department=department,
                assignee=f"工程师{rng.randint(1, 30):02d}",
                assigned_on=assigned,
            ),
        ),
    )
    if rng.random() < 0.15:
        return
    resolved = assigned + timedelta(days=rng.randint(1, 20))
    yield (
        resolved,
        TicketResolved(
            **_envelope(resolved, FEEDBACK, rng),
            payload=TicketResolvedPayload(
                customer_id=p.customer_id,
                ticket_id=ticket,
                department=department,
                resolution="更换断路器操作机构并复测",
                resolved_on=resolved,
            ),
        ),
    )
    if rng.random() < 0.2:
        return
    checked = resolved + timedelta(days=rng.randint(3, 20))
    revisit = f"HF-{checked:%Y-%m}-9{n:06d}"
    cls, payload = (
        (TicketReopened, TicketReopenedPayload)
        if rng.random() < 0.1
        else (TicketVerified, TicketVerifiedPayload)
    )
    on_field = "reopened_on" if cls is TicketReopened else "verified_on"
    yield (
        checked,
        cls(
            **_envelope(checked, FEEDBACK, rng),
            payload=payload(
                customer_id=p.customer_id,
                ticket_id=ticket,
                record_no=revisit,
                **{on_field: checked},
            ),
        ),
    )


def _record(
    rng: random.Random,
    counter: _Counter,
    planned: VisitPlannedPayload,
    on: date,
) -> Iterator[tuple[date, Event]]:
    unhappy = rng.random() < 0.08
    product = Rating.DISSATISFIED if unhappy else Rating.SATISFIED
    service = rng.choice((Rating.SATISFIED, Rating.SATISFIED, Rating.NEUTRAL))
    record = VisitCompleted(
        **_envelope(on, SURVEY, rng),
        payload=VisitCompletedPayload(
            customer_id=planned.customer_id,
            visit_id=planned.visit_id,
            kind=planned.kind,
            record_no=counter.record_no(on),
            visited_on=on,
            visitor=rng.choice(VISITORS),
            channel=planned.channel,
            answers={"q1": "正常", "q2": True, "q3": rng.randint(1, 5)},
            product_quality=product,
            service_quality=service,
            overall_product_quality=product,
            overall_service_quality=service,
            suggestions="" if rng.random() < 0.8 else "希望缩短备件到货周期",
            score=rng.randint(40, 70) if unhappy else rng.randint(80, 100),
            unit_id=planned.unit_id,
            product_model=planned.product_model,
            region=planned.region,
        ),
    )
    yield on, record
    if not unhappy:
        return
    complaint = ComplaintRaised(
        **_envelope(on, SURVEY, rng),
        payload=ComplaintRaisedPayload(
            customer_id=planned.customer_id,
            complaint_id=f"{record.payload.record_no}-P",
            visit_id=planned.visit_id,
            record_no=record.payload.record_no,
            subject=ComplaintSubject.PRODUCT_QUALITY,
            description="柜门锁扣松动，分合闸指示不清",
            raised_on=on,
            unit_id=planned.unit_id,
            product_model=planned.product_model,
            region=planned.region,
        ),
    )
    yield on, complaint
    yield from _ticket_life(rng, record, complaint, counter.records)


def _visit(
    rng: random.Random,
    counter: _Counter,
    unit: Shipped,
    region: str,
    step: tuple[VisitKind, date, int],
) -> Iterator[tuple[date, Event]]:
    kind, due, window = step
    customer = unit.payload.customer_id
    visit_id = f"V-{unit.payload.unit_id}-{kind.value}"
    channel = Channel.ON_SITE if kind == VisitKind.TRIAL_RUN else Channel.PHONE
    planned_on = due - timedelta(days=window if kind != VisitKind.TRIAL_RUN else 7)
    plan = VisitPlannedPayload(
        customer_id=customer,
        visit_id=visit_id,
        kind=kind,
        due_date=due,
        latest_date=due + timedelta(days=window),
        channel=channel,
        policy_version="2024.1",
        unit_id=unit.payload.unit_id,
        region=region,
        product_model=unit.payload.product_model,
    )
    yield (
        planned_on,
        VisitPlanned(**_envelope(planned_on, SCHEDULER, rng), payload=plan),
    )
    if rng.random() < 0.05:
        moved = due + timedelta(days=rng.randint(3, 20))
        yield (
            planned_on,
            VisitRescheduled(
                **_envelope(planned_on, SCHEDULER, rng),
                payload=VisitRescheduledPayload(
                    customer_id=customer,
                    visit_id=visit_id,
                    due_date=moved,
                    latest_date=moved + timedelta(days=window),
                    channel=channel,
                    previous_due_date=due,
                    reason="power-on date corrected",
                    policy_version="2024.1",
                    region=region,
                ),
            ),
        )
        due = moved
    if rng.random() < 0.03:
        yield (
            due,
            VisitCancelled(
                **_envelope(due, SCHEDULER, rng),
                payload=VisitCancelledPayload(
                    customer_id=customer, visit_id=visit_id, reason="unit returned"
                ),
            ),
        )
        return
    yield (
        due,
        VisitDue(
            **_envelope(due, SCHEDULER, rng),
            payload=VisitDuePayload(
                customer_id=customer,
                visit_id=visit_id,
                kind=kind,
                due_date=due,
                announced_on=due,
            ),
        ),
    )
    failures = rng.choices((0, 1, 2, 3), weights=(75, 15, 6, 4))[0]
    day = due
    for attempt in range(1, failures + 1):
        day += timedelta(days=rng.randint(1, 4))
        yield (
            day,
            VisitAttemptFailed(
                **_envelope(day, SURVEY, rng),
                payload=VisitAttemptFailedPayload(
                    customer_id=customer,
                    visit_id=visit_id,
                    attempted_on=day,
                    visitor=rng.choice(VISITORS),
                    reason=rng.choice(list(AttemptFailure)),
                    attempt_no=attempt,
                ),
            ),
        )
    if failures == 3:
        yield (
            day,
            VisitEscalated(
                **_envelope(day, SCHEDULER, rng),
                payload=VisitEscalatedPayload(
                    customer_id=customer,
                    visit_id=visit_id,
                    attempts=3,
                    escalated_to=EscalationTarget.ON_SITE,
                    escalated_on=day,
                ),
            ),
        )
    if rng.random() < 0.07:
        late = due + timedelta(days=window + 1)
        yield (
            late,
            VisitOverdue(
                **_envelope(late, SCHEDULER, rng),
                payload=VisitOverduePayload(
                    customer_id=customer,
                    visit_id=visit_id,
                    kind=kind,
                    latest_date=due + timedelta(days=window),
                    announced_on=late,
                ),
            ),
        )
        return
    day += timedelta(days=rng.randint(0, 5))
    yield from _record(rng, counter, plan, day)


def _customer_mix(
    rng: random.Random, counter: _Counter, number: int
) -> Iterator[tuple[date, Event]]:
    units: dict[str, Shipped] = {}
    planned: set[str] = set()
    region = "east"
    for day, fact in _customer_facts(rng, number):
        yield day, fact
        if isinstance(fact, ContractRegistered):
            region = fact.payload.region  # one region per customer
        elif isinstance(fact, Shipped):
            units[fact.payload.unit_id] = fact
        elif isinstance(fact, PoweredOn) and fact.payload.unit_id not in planned:
            planned.add(fact.payload.unit_id)  # a corrected power-on plans nothing
            unit = units[fact.payload.unit_id]
            powered = fact.payload.power_on_date
            for kind, after, window in PLAN:
                due = powered + timedelta(days=after)
                yield from _visit(rng, counter, unit, region, (kind, due, window))


def _monthly(rng: random.Random, month: date) -> Iterator[tuple[date, Event]]:
    period = f"{month:%Y-%m}"
    review = f"R-{period}-product"
    yield (
        month,
        ReportReviewed(
            **_envelope(month, "reporting", rng),
            payload=ReportReviewedPayload(
                review_id=review,
                period=period,
                part=ReportPart.PRODUCT_QUALITY,
                reviewer="质量部 张敏",
                reviewed_on=month,
                capa_needed=True,
                reason="柜门锁扣投诉集中",
            ),
        ),
    )
    capa = f"CAPA-{period}"
    yield (
        month,
        CapaOpened(
            **_envelope(month, FEEDBACK, rng),
            payload=CapaOpenedPayload(
                capa_id=capa,
                subject=ComplaintSubject.PRODUCT_QUALITY,
                owner=Department.PRODUCTION,
                action="锁扣供应商来料检验加严",
                due_date=month + timedelta(days=60),
                opened_on=month,
                source_period=period,
                review_id=review,
            ),
        ),
    )
    done = month + timedelta(days=rng.randint(20, 50))
    yield (
        done,
        CapaVerified(
            **_envelope(done, FEEDBACK, rng),
            payload=CapaVerifiedPayload(
                capa_id=capa, verified_on=done, evidence="三个月无同类投诉"
            ),
        ),
    )


def event_mix(count: int, seed: int = 2024) -> list[Event]:
    """`count` valid events of every topic over as many customers as it takes."""
    rng = random.Random(seed)
    counter = _Counter()
    timeline: list[tuple[date, int, Event]] = []
    customer = 0
    while len(timeline) < count:
        for day, event in _customer_mix(rng, counter, customer):
            timeline.append((day, len(timeline), event))
        customer += 1
    months = sorted({(d.year, d.month) for d, _, _ in timeline})
    for year, month in months:
        for day, event in _monthly(rng, date(year, month, 1)):
            timeline.append((day, len(timeline), event))
    timeline.sort(key=lambda item: (item[0], item[1]))
    # Cut by date order, but keep every customer's lifecycle whole up to the
    # cut: a ticket step after the cut simply has not happened yet.
    return [event for _, _, event in timeline[:count]]
