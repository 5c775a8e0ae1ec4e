"""The oracle: what the services' tables must hold, from the log alone.

After the run, every topic of the deployment is read from the beginning and
decoded with `schemas.codec`; the services' own pure domain functions are
applied in log order, in this one process, with no database:

- the ledger's product lines (`services.ledger.domain.lines.evolve`);
- the scheduler's visits: each customer's facts (ledger, survey, feedback)
  taken in by `services.scheduler.domain.take_fact`, as the reactions do,
  through the same translation (`services.scheduler.translate.to_fact`);
- the survey's visit records (the `visit_completed` events);
- feedback's tickets (`services.feedback.domain.tickets`: open, assign,
  resolve, verify, reopen);
- the monthly report's counts (`services.reporting.domain`: the records of
  the period measured by `measure`, broken down by kind, the retail mean).

Topics are interleaved by record timestamp; the services read them in no
order between topics, so their results must not depend on it. An event id is
applied once (the first copy on the log); records that do not decode are the
planted poison.
"""

import base64
import heapq
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from schemas.catalogue import FEEDBACK, LEDGER, SURVEY, TOPICS, AnyEvent
from schemas.codec import DecodeError, decode, fingerprint
from schemas.feedback import (
    TicketAssigned,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketVerified,
)
from schemas.ledger import Installed, PoweredOn, Shipped
from schemas.survey import ComplaintRaised, VisitCompleted
from schemas.types import VisitKind
from services.feedback.domain import tickets as ticket_rules
from services.kit import kafka_auth
from services.ledger.domain.lines import ProductLine
from services.ledger.domain.lines import evolve as evolve_line
from services.reporting.domain.periods import period_bounds
from services.reporting.domain.records import VisitRecord as ReportRecord
from services.reporting.domain.records import retail_service_quality
from services.reporting.domain.satisfaction import (
    breakdown,
    measure,
    retail_mean_score,
)
from services.scheduler.domain import CustomerFacts, Policy, Visit, take_fact
from services.scheduler.translate import to_fact


@dataclass(frozen=True)
class LogRecord:
    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None


def read_log(
    bootstrap: str, topics: Iterable[str], timeout_s: float = 120
) -> list[LogRecord]:
    """Every record of these topics, from the beginning to the end now."""
    consumer = KafkaConsumer(
        **kafka_auth.options(),
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    out: list[LogRecord] = []
    try:
        partitions = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        deadline = time.monotonic() + timeout_s
        while remaining:
            if time.monotonic() > deadline:
                msg = f"log not read to its end in {timeout_s}s: {remaining}"
                raise TimeoutError(msg)
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for r in records:
                    if r.offset < ends[tp]:
                        out.append(
                            LogRecord(
                                r.topic,
                                r.partition,
                                r.offset,
                                r.timestamp,
                                r.key,
                                r.value,
                            )
                        )
                    if r.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
    finally:
        consumer.close()
    return out


@dataclass
class Expected:
    """The oracle's answer."""

    lines: dict[str, ProductLine] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)
    records: dict[str, VisitCompleted] = field(default_factory=dict)
    complaints: dict[str, ComplaintRaised] = field(default_factory=dict)
    tickets: dict[str, ticket_rules.Ticket] = field(default_factory=dict)
    ticket_complaints: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    poison: list[tuple[str, int, int]] = field(default_factory=list)
    # same id on the log with other content (never planted: a finding)
    conflicting: list[str] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    copies: int = 0  # records that repeat an id already on the log


def _interleaved(log: list[LogRecord]) -> Iterator[LogRecord]:
    # Each partition strictly in its order; partitions merged by append time.
    partitions: dict[tuple[str, int], list[LogRecord]] = {}
    for r in log:
        partitions.setdefault((r.topic, r.partition), []).append(r)
    for records in partitions.values():
        records.sort(key=lambda r: r.offset)
    return heapq.merge(
        *partitions.values(), key=lambda r: (r.timestamp, r.topic, r.partition)
    )


def decoded(
    log: list[LogRecord], expected: Expected
) -> Iterator[tuple[LogRecord, AnyEvent]]:
    """Each event once, in log order; poison and copies noted in `expected`."""
    seen: dict[str, bytes] = {}
    for record in _interleaved(log):
        if record.value is None:
            continue
        try:
            event = decode(record.value)
        except DecodeError:
            expected.poison.append((record.topic, record.partition, record.offset))
            continue
        eid = str(event.event_id)
        mark = fingerprint(event)
        if eid in seen:
            expected.copies += 1
            if seen[eid] != mark:
                expected.conflicting.append(eid)
            continue
        seen[eid] = mark
        expected.events[event.type] += 1
        yield record, event


def fold(
    log: list[LogRecord],
    prefix: str,
    *,
    policy: Policy,
    timezone: str,
    period: str,
    cutoff_day: int,
) -> Expected:
    expected = Expected()
    scheduler_reads = {t.full_name(prefix) for t in (LEDGER, SURVEY, FEEDBACK)}
    customers: dict[str, CustomerFacts] = {}
    visits: dict[str, dict[str, Visit]] = {}  # customer -> visit id -> visit
    for record, event in decoded(log, expected):
        # The ledger's product lines.
        if isinstance(event, Shipped | Installed | PoweredOn):
            unit = event.payload.unit_id
            expected.lines[unit] = evolve_line(expected.lines.get(unit), event)
        # The scheduler's reactions.
        if record.topic in scheduler_reads:
            fact = to_fact(event, timezone)
            if fact is not None:
                key = event.key
                facts = customers.get(key) or CustomerFacts(key)
                outcome = take_fact(facts, visits.get(key, {}), fact, policy)
                customers[key] = outcome.facts
                visits[key] = outcome.visits
        # The survey's records and complaints.
        if isinstance(event, VisitCompleted):
            expected.records[event.payload.record_no] = event
        if isinstance(event, ComplaintRaised):
            expected.complaints[event.payload.complaint_id] = event
        # Feedback's tickets.
        _ticket(expected, event)
    expected.visits = {v: x for mine in visits.values() for v, x in mine.items()}
    expected.report = report_counts(expected.records.values(), period, cutoff_day)
    return expected


def _ticket(expected: Expected, event: AnyEvent) -> None:
    tickets = expected.tickets
    match event:
        case TicketOpened(payload=p):
            tickets[p.ticket_id] = ticket_rules.open_ticket(
                p.ticket_id,
                p.subject,
                p.opened_on,
                form=p.form,
                items=tuple(getattr(p, "items", ()) or ()),
            )
            expected.ticket_complaints[p.ticket_id] = p.complaint_id
        case TicketAssigned(payload=p):
            tickets[p.ticket_id] = ticket_rules.assign(
                tickets[p.ticket_id], p.department, p.assignee, p.assigned_on
            )
        case TicketResolved(payload=p):
            tickets[p.ticket_id] = ticket_rules.resolve(
                tickets[p.ticket_id], p.resolution, p.resolved_on
            )
        case TicketVerified(payload=p):
            tickets[p.ticket_id] = ticket_rules.verify(
                tickets[p.ticket_id], p.record_no, p.verified_on
            )
        case TicketReopened(payload=p):
            tickets[p.ticket_id] = ticket_rules.reopen(
                tickets[p.ticket_id], p.record_no, p.reopened_on
            )
        case _:
            pass


def report_record(event: VisitCompleted) -> ReportRecord:
    p = event.payload
    retail = p.kind is VisitKind.RETAIL_FOLLOWUP
    return ReportRecord(
        record_no=p.record_no,
        customer_id=p.customer_id,
        visit_id=p.visit_id,
        kind=p.kind,
        visited_on=p.visited_on,
        score=p.score,
        product_quality=p.product_quality,
        service_quality=(
            retail_service_quality(p.service_quality, p.answers)
            if retail
            else p.service_quality
        ),
    )


def _tally(t: Any) -> dict[str, int]:
    return {
        "satisfied": t.satisfied,
        "neutral": t.neutral,
        "dissatisfied": t.dissatisfied,
    }


def report_counts(
    records: Iterable[VisitCompleted], period: str, cutoff_day: int
) -> dict[str, Any]:
    """The monthly report's sections the oracle computes (same names as
    the report JSON)."""
    start, end = period_bounds(period, cutoff_day)
    within = [report_record(r) for r in records if start <= r.payload.visited_on <= end]
    overall = measure(within)
    by_kind = breakdown(within, lambda r: r.kind.value)
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "records": overall.records,
        "product_quality": _tally(overall.product_quality),
        "service_quality": _tally(overall.service_quality),
        "by_kind_records": {k: v.records for k, v in by_kind.items()},
        "retail_mean_score": retail_mean_score(within),
    }


def event_topics(prefix: str) -> list[str]:
    return [t.full_name(prefix) for t in TOPICS]


def dump(log: list[LogRecord], path: Path) -> None:
    """The log as JSON lines (values base64), to study a failed verdict."""
    with path.open("w") as out:
        for r in log:
            out.write(
                json.dumps(
                    {
                        "topic": r.topic,
                        "partition": r.partition,
                        "offset": r.offset,
                        "timestamp": r.timestamp,
                        "key": base64.b64encode(r.key or b"").decode(),
                        "value": base64.b64encode(r.value or b"").decode(),
                    }
                )
                + "\n"
            )


def load(path: Path) -> list[LogRecord]:
    out = []
    for line in path.read_text().splitlines():
        d = json.loads(line)
        out.append(
            LogRecord(
                d["topic"],
                d["partition"],
                d["offset"],
                d["timestamp"],
                base64.b64decode(d["key"]) or None,
                base64.b64decode(d["value"]) or None,
            )
        )
    return out
