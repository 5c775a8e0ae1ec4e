"""The application layer: read the period's rows from the views, let the
domain count, answer the report's read models.

Every count is defined in the domain module that computes it:
`domain/satisfaction.py` (shares, breakdowns by model, kind, region,
customer, tag and company, retail mean score and trend, suggestions),
`domain/visits.py` (planned, done, done_late, overdue, missed, failed
attempts), `domain/complaints.py` (each kind of form, and CAPAs),
`domain/opportunities.py` and `domain/reviews.py`. `records` is the number of
visit records dated in the period.

The one command, a review of a report's part, is decided here against the
store (`record_review`), inside the kit's `run_command` transaction.

Speed. The dashboard's counts are made in SQL (`views.counts_by_day` ...,
the domain's rules stated there, proven equal in
tests/integration/test_reporting_reads.py). The answers recomputed from the
read model (the live monthly report, the dashboard's JSON) go through
`RESPONSES`, a small cache (section "the response cache" below): an answer
is kept under the read model's consumer positions, read in the snapshot it
is computed in, so it is reused only while nothing was applied since (never
stale); concurrent askers of one answer compute it once (single flight); at
most 256 answers and 32 MiB, least recently used dropped first.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import uuid4

from fastapi.concurrency import run_in_threadpool
from psycopg import AsyncConnection
from psycopg.pq import TransactionStatus
from pydantic import BaseModel

from schemas.types import FeedbackForm, ReportPart
from services.kit.command import Conn, Decision
from services.kit.http import field_problem
from services.reporting import events, store, views
from services.reporting.domain import dashboard
from services.reporting.domain.complaints import (
    ComplaintCounts,
    Ticket,
    count_capas,
    count_forms,
    past_due,
)
from services.reporting.domain.dashboard import Filters
from services.reporting.domain.freezing import (
    amendments,
    canonical,
    content_hash,
    distribution,
    period_closed_by,
)
from services.reporting.domain.opportunities import opportunities
from services.reporting.domain.periods import (
    last_periods,
    period_bounds,
    periods_of,
    shift_period,
)
from services.reporting.domain.records import UNKNOWN, Bounds, VisitRecord
from services.reporting.domain.reviews import (
    Review,
    ReviewRefused,
    capas_by_review,
    decide_review,
)
from services.reporting.domain.satisfaction import (
    TREND_LENGTH,
    Counted,
    Satisfaction,
    Tally,
    breakdown,
    by_company,
    by_tags,
    measure,
    retail_mean_score,
    score_trend,
    suggestions_and_needs,
)
from services.reporting.domain.sla import SlaCounts, count_sla, sla_trend
from services.reporting.domain.visits import count_visits, reasons
from services.reporting.models import (
    AmendmentRead,
    CapasRead,
    CardRead,
    ComplaintCountsRead,
    ComplaintsRead,
    CustomerSatisfactionRead,
    DashboardBreakdowns,
    DashboardCapasRead,
    DashboardCards,
    DashboardFeedback,
    DashboardSuggestions,
    DashboardTrend,
    DashboardTrendPoint,
    DashboardVisits,
    FrozenRead,
    MonthlyReport,
    OpportunityRead,
    PastDueCapaRead,
    Periods,
    PositionRead,
    RecipientRead,
    RegionVisitsRead,
    ReviewRead,
    ReviewRecorded,
    SatisfactionRead,
    SlaCountsRead,
    SlaRead,
    SlaTrendPointRead,
    SuggestionRead,
    TallyRead,
    TrendPointRead,
    VisitsRead,
)


def _tally(t: Tally) -> TallyRead:
    return TallyRead(
        satisfied=t.satisfied,
        neutral=t.neutral,
        dissatisfied=t.dissatisfied,
        rated=t.rated,
        shares=t.shares(),
    )


def _satisfaction(s: Satisfaction) -> SatisfactionRead:
    return SatisfactionRead(
        records=s.records,
        product_quality=_tally(s.product_quality),
        service_quality=_tally(s.service_quality),
        mean_score=s.mean_score,
    )


def _complaints(c: ComplaintCounts) -> ComplaintCountsRead:
    return ComplaintCountsRead(**asdict(c))


def _forms(
    counted: tuple[ComplaintCounts, dict[str, ComplaintCounts]],
) -> ComplaintsRead:
    total, by_department = counted
    return ComplaintsRead(
        **asdict(total),
        by_department={k: _complaints(v) for k, v in by_department.items()},
    )


def _reviews(conn: views.Connection, period: str) -> list[ReviewRead]:
    found = views.reviews(conn, period)
    capas = capas_by_review(views.reviewed_capas(conn, [r.review_id for r in found]))
    return [
        ReviewRead(
            review_id=r.review_id,
            part=r.part,
            company=r.company,
            reviewer=r.reviewer,
            reviewed_on=r.reviewed_on,
            capa_needed=r.capa_needed,
            reason=r.reason,
            capa_ids=capas.get(r.review_id, []),
        )
        for r in found
    ]


def monthly_report(
    conn: views.Connection, *, period: str, cutoff_day: int
) -> MonthlyReport:
    """The satisfaction measurement report of one period, as of now."""
    # One snapshot for all the queries, so that sections agree with each other
    # while the projection keeps applying events.
    snapshot(conn)
    return _compute(conn, period=period, cutoff_day=cutoff_day)


def _compute(conn: views.Connection, *, period: str, cutoff_day: int) -> MonthlyReport:
    """The report from the views as the caller's transaction sees them."""
    bounds = period_bounds(period, cutoff_day)
    records = views.records(conn, bounds)
    overall = measure(records)
    by_customer = breakdown(records, lambda r: r.customer_id)
    names = views.customer_names(conn, [c for c in by_customer if c != UNKNOWN])
    first = last_periods(period, TREND_LENGTH)[0]
    days = views.day_scores(conn, period_bounds(first, cutoff_day)[0], bounds[1])
    visits = count_visits(
        bounds=bounds,
        visits=views.visits(conn, bounds),
        records=records,
        failures=views.failures(conn, bounds),
    )
    forms = count_forms(views.tickets(conn, bounds), bounds)
    return MonthlyReport(
        period=period,
        start=bounds[0],
        end=bounds[1],
        cutoff_day=cutoff_day,
        records=overall.records,
        product_quality=_tally(overall.product_quality),
        service_quality=_tally(overall.service_quality),
        by_product_model={
            k: _satisfaction(v)
            for k, v in breakdown(records, lambda r: r.product_model).items()
        },
        by_kind={k: _satisfaction(v) for k, v in breakdown(records, _kind).items()},
        by_region={
            k: _satisfaction(v)
            for k, v in breakdown(records, lambda r: r.region).items()
        },
        by_customer={
            k: CustomerSatisfactionRead(
                **_satisfaction(v).model_dump(), customer_name=names.get(k)
            )
            for k, v in by_customer.items()
        },
        by_tag={
            axis: {k: _satisfaction(v) for k, v in groups.items()}
            for axis, groups in by_tags(records).items()
        },
        by_company={k: _satisfaction(v) for k, v in by_company(records).items()},
        retail_mean_score=retail_mean_score(records),
        score_trend=[
            TrendPointRead(**asdict(point))
            for point in score_trend(days, period, cutoff_day)
        ],
        visits=VisitsRead(**asdict(visits)),
        complaints=_forms(forms[FeedbackForm.COMPLAINT]),
        service_requests=_forms(forms[FeedbackForm.SERVICE_REQUEST]),
        problem_reports=_forms(forms[FeedbackForm.PROBLEM_REPORT]),
        suggestion_forms=_forms(forms[FeedbackForm.SUGGESTION]),
        capas=CapasRead(**asdict(count_capas(views.capas(conn, bounds), bounds))),
        suggestions=[
            SuggestionRead(**asdict(s)) for s in suggestions_and_needs(records)
        ],
        opportunities=[
            OpportunityRead(**asdict(o)) for o in opportunities(records, bounds)
        ],
        reviews=_reviews(conn, period),
    )


FROZEN_FIELDS = {"frozen", "amendments"}


def freeze(
    conn: Conn,
    *,
    period: str,
    cutoff_day: int,
    views_schema: str,
    frozen_on: date,
    now: datetime,
) -> store.FrozenReport:
    """Freeze the period's report unless it is frozen already (then the first
    one stands): computed, positions and counted records read in one
    REPEATABLE READ snapshot, stored with its hash and distribution in the
    caller's transaction (which this must begin)."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    kept = store.frozen_report(conn, period)
    if kept is not None:
        return kept
    report = _compute(conn, period=period, cutoff_day=cutoff_day)
    body = canonical(report.model_dump(mode="json", exclude=FROZEN_FIELDS))
    handed_at = now.isoformat()
    frozen = store.FrozenReport(
        period=period,
        body=body,
        content_hash=content_hash(body),
        positions=views.positions(conn, views_schema),
        record_nos=views.record_numbers(conn, period_bounds(period, cutoff_day)),
        distribution=[
            asdict(r) for r in distribution(json.loads(body), handed_at=handed_at)
        ],
        frozen_on=frozen_on,
        frozen_at=now,
    )
    store.insert_frozen(conn, frozen)
    return store.frozen_report(conn, period) or frozen


def freeze_due(
    conn: Conn, *, as_of: date, cutoff_day: int, views_schema: str, now: datetime
) -> store.FrozenReport | None:
    """The daily job's work: freeze the period `as_of` closes, if any."""
    period = period_closed_by(as_of, cutoff_day)
    if period is None:
        return None
    return freeze(
        conn,
        period=period,
        cutoff_day=cutoff_day,
        views_schema=views_schema,
        frozen_on=as_of,
        now=now,
    )


def _amendment(r: VisitRecord) -> AmendmentRead:
    return AmendmentRead(
        record_no=r.record_no,
        customer_id=r.customer_id,
        kind=r.kind.value,
        visited_on=r.visited_on,
        product_quality=r.product_quality.value if r.product_quality else None,
        service_quality=r.service_quality.value if r.service_quality else None,
        score=r.score,
    )


def frozen_read(kept: store.FrozenReport) -> FrozenRead:
    """How a period's report was frozen, as the API says it."""
    return FrozenRead(
        frozen_on=kept.frozen_on,
        frozen_at=kept.frozen_at.isoformat(),
        content_hash=kept.content_hash,
        positions=[PositionRead(**p) for p in kept.positions],
        distribution=[RecipientRead(**r) for r in kept.distribution],
    )


def report_as_handed_out(
    conn: views.Connection, *, period: str, cutoff_day: int
) -> MonthlyReport | None:
    """The frozen report of a closed period, byte for byte as stored, with
    how it was frozen and the amendments that arrived since; None when the
    period was not frozen."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    kept = store.frozen_report(conn, period)
    if kept is None:
        return None
    late = amendments(
        kept.record_nos, views.records(conn, period_bounds(period, cutoff_day))
    )
    report = MonthlyReport.model_validate_json(kept.body)
    report.frozen = frozen_read(kept)
    report.amendments = [_amendment(r) for r in late]
    return report


def _kind(record: VisitRecord) -> str:
    return record.kind.value


def activity_periods(conn: views.Connection, *, cutoff_day: int) -> Periods:
    """The periods in which something the report counts happened."""
    return Periods(
        cutoff_day=cutoff_day, periods=periods_of(views.active_days(conn), cutoff_day)
    )


@dataclass(frozen=True)
class RecordReview:
    """A review of one part of a period's report (`domain/reviews.py`)."""

    period: str
    part: ReportPart
    company: str | None
    reviewer: str
    reviewed_on: date
    capa_needed: bool
    reason: str
    actor: str


def record_review(
    conn: Conn, *, command: RecordReview, cutoff_day: int
) -> Decision[ReviewRecorded]:
    """Decide a review into the store; its `report_reviewed` goes to the outbox
    in the same transaction. Refused (422 naming the field) by the domain."""
    candidate = Review(
        review_id=f"RV-{command.period}-{uuid4().hex[:12].upper()}",
        period=command.period,
        part=command.part,
        company=command.company,
        reviewer=command.reviewer,
        reviewed_on=command.reviewed_on,
        capa_needed=command.capa_needed,
        reason=command.reason,
    )
    try:
        review = decide_review(candidate, period_bounds(command.period, cutoff_day)[1])
    except ReviewRefused as exc:
        raise field_problem(exc.field, exc.rule) from None
    store.insert_review(conn, review)
    event = events.report_reviewed(review, command.actor)
    return Decision(
        ReviewRecorded(review_id=review.review_id, event_id=str(event.event_id)),
        [event],
    )


# The dashboard's reads (domain/dashboard.py): one REPEATABLE READ snapshot
# each; what the domain counts per record is counted in SQL by the views
# (`views.counts_by_period` ..., proven equal to the domain in the tests).


def snapshot(conn: views.Connection) -> None:
    """Begin the read's REPEATABLE READ snapshot, unless the caller did
    (the API reads the consumer positions first in the same snapshot)."""
    if conn.info.transaction_status == TransactionStatus.IDLE:
        # No JIT: the dashboard's classification (`views.CLASSIFIED`) looks
        # costly to the planner, which then spends ~330 ms compiling a query
        # that runs in ~40 ms (the 12-period trend by region at 1M visits).
        conn.execute(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
            " SET LOCAL jit = off"
        )


def dashboard_cards(
    conn: views.Connection, *, period: str, cutoff_day: int, filters: Filters
) -> DashboardCards:
    """The satisfaction cards against the previous period."""
    previous = shift_period(period, -1)
    snapshot(conn)
    first = period_bounds(previous, cutoff_day)[0]
    last = period_bounds(period, cutoff_day)[1]
    counted = dashboard.counts_by_period(
        views.counts_by_day(conn, (first, last), filters), cutoff_day
    )
    now, before = counted.get(period, Counted()), counted.get(previous, Counted())
    figures = dashboard.cards_of(now, before)
    return DashboardCards(
        period=period,
        previous_period=previous,
        records=now.records,
        **{name: CardRead(**asdict(card)) for name, card in figures.items()},
    )


def dashboard_trend(
    conn: views.Connection, *, period: str, cutoff_day: int, filters: Filters
) -> DashboardTrend:
    """The cards' figures over the last 12 periods."""
    periods = last_periods(period, TREND_LENGTH)
    snapshot(conn)
    first = period_bounds(periods[0], cutoff_day)[0]
    last = period_bounds(period, cutoff_day)[1]
    counted = dashboard.counts_by_period(
        views.counts_by_day(conn, (first, last), filters), cutoff_day
    )
    return DashboardTrend(
        period=period,
        points=[
            DashboardTrendPoint(**asdict(p))
            for p in dashboard.trend_of(counted, periods)
        ],
    )


def dashboard_breakdowns(
    conn: views.Connection, *, period: str, cutoff_day: int, filters: Filters
) -> DashboardBreakdowns:
    """Satisfaction by product model, region, kind and customer tag."""
    snapshot(conn)
    counted = views.counts_by_axis(conn, period_bounds(period, cutoff_day), filters)
    return DashboardBreakdowns(
        period=period,
        axes={
            dashboard.axis_name(axis): {
                k: _satisfaction(groups[k].satisfaction()) for k in sorted(groups)
            }
            for axis, groups in counted.items()
        },
    )


def dashboard_visits(
    conn: views.Connection, *, period: str, cutoff_day: int, filters: Filters
) -> DashboardVisits:
    """Visit counts per region, and failed attempts by reason."""
    snapshot(conn)
    bounds = period_bounds(period, cutoff_day)
    by_region = dashboard.visits_by_region_of(
        views.visits_by_region(conn, bounds, filters),
        views.done_by_region(conn, bounds, filters),
    )
    failures = reasons(views.failures_by_reason(conn, bounds))
    return DashboardVisits(
        period=period,
        by_region={
            region: RegionVisitsRead(
                planned=c.planned,
                done=c.done,
                done_late=c.done_late,
                overdue=c.overdue,
                missed=c.missed,
            )
            for region, c in by_region.items()
        },
        failed_attempts_by_reason=failures,
    )


def dashboard_feedback(
    conn: views.Connection, *, period: str, cutoff_day: int
) -> DashboardFeedback:
    """Every kind of feedback form by department, open ones by age, CAPAs."""
    snapshot(conn)
    bounds = period_bounds(period, cutoff_day)
    periods = [
        (p, period_bounds(p, cutoff_day)) for p in last_periods(period, TREND_LENGTH)
    ]
    # The 12 periods' tickets hold the period's (`views.TICKETS`); those of
    # them that add nothing to the period count nothing in it.
    tickets = views.tickets(conn, (periods[0][1][0], bounds[1]))
    forms = count_forms(tickets, bounds)
    capas = views.capas(conn, bounds)
    late = [
        PastDueCapaRead(
            capa_id=c.capa_id,
            owner=c.owner,
            due_date=c.due_date,
            days_past_due=(bounds[1] - c.due_date).days,
        )
        for c in past_due(capas, bounds[1])
        if c.due_date is not None
    ]
    return DashboardFeedback(
        period=period,
        complaints=_forms(forms[FeedbackForm.COMPLAINT]),
        service_requests=_forms(forms[FeedbackForm.SERVICE_REQUEST]),
        problem_reports=_forms(forms[FeedbackForm.PROBLEM_REPORT]),
        suggestion_forms=_forms(forms[FeedbackForm.SUGGESTION]),
        open_by_age=dashboard.open_ages(tickets, bounds[1]),
        sla=_sla(conn, periods, tickets),
        capas=DashboardCapasRead(
            **asdict(count_capas(capas, bounds)),
            past_due=len(late),
            past_due_capas=late,
        ),
    )


def _sla_counts(c: SlaCounts) -> SlaCountsRead:
    return SlaCountsRead(**asdict(c), compliance=c.compliance)


def _sla(
    conn: views.Connection, periods: list[tuple[str, Bounds]], tickets: list[Ticket]
) -> SlaRead:
    """Complaints' SLA compliance and breaches in the last of `periods`, by
    department, and over all of them (`domain/sla.py`); `tickets`: those that
    may count in them."""
    window = (periods[0][1][0], periods[-1][1][1])
    breaches = views.breaches(conn, window, [t.ticket_id for t in tickets])
    total, by_department = count_sla(tickets, breaches, periods[-1][1])
    return SlaRead(
        **_sla_counts(total).model_dump(),
        by_department={d: _sla_counts(c) for d, c in by_department.items()},
        trend=[
            SlaTrendPointRead(period=name, **_sla_counts(c).model_dump())
            for name, c in sla_trend(tickets, breaches, periods)
        ],
    )


def dashboard_suggestions(
    conn: views.Connection,
    *,
    period: str,
    cutoff_day: int,
    filters: Filters,
    search: str | None,
) -> DashboardSuggestions:
    """The period's suggestions and needs; `search` keeps those whose text,
    record number or customer contains it (case-insensitive)."""
    snapshot(conn)
    bounds = period_bounds(period, cutoff_day)
    listed = suggestions_and_needs(views.suggesting(conn, bounds, filters))
    needle = (search or "").strip().casefold()
    kept = [
        s
        for s in listed
        if not needle or needle in f"{s.text} {s.record_no} {s.customer_id}".casefold()
    ]
    return DashboardSuggestions(
        period=period,
        total=len(listed),
        suggestions=[SuggestionRead(**asdict(s)) for s in kept],
    )


# -- the response cache ---------------------------------------------------------
# A small cache of the answers the reporting service recomputes from its read
# model: the live monthly report and the dashboard's JSON.
#
# Validity. An answer is stored under (endpoint, its parameters, the read
# model's consumer positions). The positions are read first in the request's
# REPEATABLE READ snapshot and the answer is computed in that same snapshot.
# The projection changes the read model only in the transaction that advances
# those positions (the kit's runner), so every snapshot that sees the same
# positions sees the same read model: an answer found under the positions the
# request's snapshot reads is the one it would compute. It is never stale: a
# position that moves (an event applied, a rebuild) makes every earlier entry
# unreachable; unreachable entries are the least recently used ones, the first
# dropped. While events keep arriving, answers are recomputed (a hit needs
# unchanged positions), once per snapshot and key however many ask.
#
# Single flight: concurrent requests for one key wait for the one computing
# it, without holding a pool connection, then take its answer (a follower
# whose leader failed, or whose positions moved meanwhile, computes itself).
#
# Bounded: at most `MAX_ENTRIES` answers and `MAX_BYTES` of them, least
# recently used dropped first. Answers are kept as encoded JSON, so a hit
# costs one small query (the positions) and no encoding; from an async route
# (`answer_async`) that query is asyncio's, so a hit takes no worker thread.
#
# Not cached: the frozen report of a closed period (read from the store as
# stored, cheap already), the XLSX, PDF and print views.


class Pool(Protocol):
    """Where the cache takes a connection from (the service's pool)."""

    def connection(self) -> AbstractContextManager[views.Connection]: ...


class AsyncPool(Protocol):
    """Where `answer_async` reads the positions (the service's asyncio pool)."""

    def connection(self) -> AbstractAsyncContextManager[AsyncConnection[Any]]: ...


MAX_ENTRIES = 256
MAX_BYTES = 32 * 1024 * 1024
WAIT_S = 120.0

Key = tuple[Hashable, ...]
Positions = views.PositionKey


class ResponseCache:
    """Encoded answers by (key, positions); see the module docstring."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[Key, Positions], bytes] = OrderedDict()
        self._flights: dict[tuple[Key, Positions], threading.Event] = {}
        self._bytes = 0
        self.hits = 0
        self.computed = 0

    async def answer_async(
        self,
        apool: AsyncPool,
        pool: Pool,
        key: Key,
        compute: Callable[[views.Connection], BaseModel],
    ) -> bytes:
        """`answer` for an async route. A hit costs one statement on `apool`
        and no worker thread: the positions it reads are the read model's as
        of now, and the entry kept under them was computed in a snapshot with
        the same positions, hence the same read model. A miss is `answer`, in
        a worker thread (it reads the positions again in its snapshot)."""
        async with apool.connection() as conn:
            positions = await views.position_key_now(conn)
        body = self._hit((key, positions))
        if body is not None:
            return body
        return await run_in_threadpool(self.answer, pool, key, compute)

    def answer(
        self,
        pool: Pool,
        key: Key,
        compute: Callable[[views.Connection], BaseModel],
    ) -> bytes:
        """The answer for `key` (JSON) as of the read model now: cached, or
        computed once (single flight) in one snapshot with the positions it
        is kept by."""
        while True:
            with pool.connection() as conn:
                snapshot(conn)
                full = (key, views.position_key(conn))
                with self._lock:
                    body = self._found(full)
                    if body is not None:
                        return body
                    flight = self._flights.get(full)
                    if flight is None:
                        flight = self._flights[full] = threading.Event()
                        leading = True
                    else:
                        leading = False
                if leading:
                    try:
                        body = compute(conn).model_dump_json().encode()
                        self._store(full, body)
                        return body
                    finally:
                        with self._lock:
                            del self._flights[full]
                        flight.set()
            flight.wait(WAIT_S)

    def _hit(self, full: tuple[Key, Positions]) -> bytes | None:
        with self._lock:
            return self._found(full)

    def _found(self, full: tuple[Key, Positions]) -> bytes | None:
        # Under the lock.
        body = self._entries.get(full)
        if body is not None:
            self._entries.move_to_end(full)
            self.hits += 1
        return body

    def _store(self, full: tuple[Key, Positions], body: bytes) -> None:
        with self._lock:
            self.computed += 1
            if len(body) > self.max_bytes:
                return
            if full in self._entries:
                self._bytes -= len(self._entries.pop(full))
            self._entries[full] = body
            self._bytes += len(body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)


RESPONSES = ResponseCache()
