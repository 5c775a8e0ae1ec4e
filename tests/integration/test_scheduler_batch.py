"""The scheduler's read model set-based (`views.apply_batch`) gives row for
row what its per-event handlers give applied one by one in log order: a
realistic mix (bench.mix) plus the hard cases (records and attempts before
their plan, plans again after a cancellation, records resent under new ids,
superseded, escalated, cancelled after done, unplanned records), in batches
of 1, 7 and 500, compared on every column of every views table but
`updated_at` (the clock)."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from bench.mix import event_mix
from schemas.catalogue import SCHEDULE, SURVEY, TOPIC_OF
from schemas.envelope import Event
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
    VisitSuperseded,
    VisitSupersededPayload,
)
from schemas.survey import (
    VisitAttemptFailed,
    VisitAttemptFailedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import Channel, EscalationTarget, VisitKind
from services.kit.db import VIEWS, connect, connect_async, migrate
from services.kit.settings import Settings
from services.scheduler.projection import PROJECTION

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[2] / "services" / "scheduler" / "migrations"
TABLES = {
    "visits": "visit_id",
    "visit_history": "seq",
}
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


class Log:
    """Hand-written events, each a minute after the last."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.at = START

    def add(self, cls: Any, payload: Any, **extra: Any) -> Event:
        self.at += timedelta(minutes=1)
        event: Event = cls(
            occurred_at=self.at, source="test", actor="tester", payload=payload, **extra
        )
        self.events.append(event)
        return event

    def planned(self, visit: str, due: str = "2026-04-01", **extra: Any) -> Event:
        d = date.fromisoformat(due)
        return self.add(
            VisitPlanned,
            VisitPlannedPayload(
                customer_id="CX",
                visit_id=visit,
                kind=VisitKind.TRIAL_RUN,
                due_date=d,
                latest_date=d + timedelta(days=10),
                channel=Channel.ON_SITE,
                policy_version="2024.1",
                **{
                    "unit_id": "UX",
                    "region": "east",
                    "product_model": "M-1",
                    **extra,
                },
            ),
        )

    def moved(self, visit: str, due: str, **extra: Any) -> None:
        d = date.fromisoformat(due)
        self.add(
            VisitRescheduled,
            VisitRescheduledPayload(
                customer_id="CX",
                visit_id=visit,
                due_date=d,
                latest_date=d + timedelta(days=5),
                channel=Channel.PHONE,
                previous_due_date=date(2026, 4, 1),
                reason="moved",
                policy_version="2024.2",
                **extra,
            ),
        )

    def record(
        self,
        visit: str,
        no: str,
        by: str = "Li Si",
        kind: VisitKind = VisitKind.TRIAL_RUN,
    ) -> None:
        self.add(
            VisitCompleted,
            VisitCompletedPayload(
                customer_id="CX",
                visit_id=visit,
                kind=kind,
                record_no=no,
                visited_on=date(2026, 4, 3),
                visitor=by,
                channel=Channel.ON_SITE,
                score=90,
                answers={},
            ),
        )

    def attempt(self, visit: str, no: int, by: str = "Wang Wu") -> None:
        self.add(
            VisitAttemptFailed,
            VisitAttemptFailedPayload(
                customer_id="CX",
                visit_id=visit,
                attempted_on=date(2026, 4, 2),
                visitor=by,
                reason="no_answer",
                attempt_no=no,
            ),
        )

    def cancelled(self, visit: str) -> None:
        self.add(
            VisitCancelled,
            VisitCancelledPayload(customer_id="CX", visit_id=visit, reason="returned"),
        )

    def superseded(self, visit: str) -> None:
        self.add(
            VisitSuperseded,
            VisitSupersededPayload(
                customer_id="CX",
                visit_id=visit,
                kind=VisitKind.TRIAL_RUN,
                due_date=date(2026, 4, 1),
                latest_date=date(2026, 4, 11),
                superseded_on=date(2026, 4, 3),
                by_visit_id="V-other",
                by_record_no="HF-2026-04-9999",
            ),
        )

    def escalated(self, visit: str, attempts: int, cause: Event | None = None) -> None:
        self.add(
            VisitEscalated,
            VisitEscalatedPayload(
                customer_id="CX",
                visit_id=visit,
                attempts=attempts,
                escalated_to=EscalationTarget.ON_SITE,
                escalated_on=date(2026, 4, 4),
            ),
            causation_id=cause.event_id if cause else None,
        )

    def due(self, visit: str, cause: Event | None = None) -> None:
        self.add(
            VisitDue,
            VisitDuePayload(
                customer_id="CX",
                visit_id=visit,
                kind=VisitKind.TRIAL_RUN,
                due_date=date(2026, 4, 1),
                announced_on=date(2026, 4, 1),
            ),
            causation_id=cause.event_id if cause else None,
        )

    def overdue(self, visit: str) -> None:
        self.add(
            VisitOverdue,
            VisitOverduePayload(
                customer_id="CX",
                visit_id=visit,
                kind=VisitKind.TRIAL_RUN,
                latest_date=date(2026, 4, 11),
                announced_on=date(2026, 4, 12),
            ),
        )


def hard_cases() -> list[Event]:
    log = Log()
    # A record and attempts before the plan: the plan takes them (backfill).
    log.attempt("V-A", 1)
    log.record("V-A", "HF-2026-04-0001", by="Zhao Liu")
    log.attempt("V-A", 2, by="Qian Qi")
    log.planned("V-A")
    # Attempts only, before the plan, one resent under a new id.
    log.attempt("V-B", 1)
    log.attempt("V-B", 2, by="Sun Ba")
    log.attempt("V-B", 2, by="Sun Ba")
    log.planned("V-B")
    log.attempt("V-B", 3)
    # Planned, cancelled, planned again (planned once more), moved with
    # unknown details (kept), due caused by the plan, overdue.
    plan = log.planned("V-C")
    log.due("V-C", cause=plan)
    log.cancelled("V-C")
    log.planned("V-C", due="2026-05-01", ticket_id="T-1", region=None)
    log.moved("V-C", "2026-05-10")
    log.moved("V-C", "2026-05-12", region="west", product_model="M-2")
    log.overdue("V-C")
    # Done, then cancelled and superseded: done stands; the record resent.
    log.planned("V-D")
    log.attempt("V-D", 1)
    log.record("V-D", "HF-2026-04-0002")
    log.record("V-D", "HF-2026-04-0002")
    log.attempt("V-D", 2, by="Late Visitor")  # after the record: visitor stays
    log.cancelled("V-D")
    log.superseded("V-D")
    log.planned("V-D")  # planned again: done stands
    # Superseded while open, then escalated; escalated then superseded.
    log.planned("V-E")
    log.superseded("V-E")
    log.escalated("V-E", 3)
    log.planned("V-F")
    log.attempt("V-F", 1)
    log.escalated("V-F", 3, cause=plan)
    log.attempt("V-F", 4)
    log.superseded("V-F")
    log.cancelled("V-F")
    log.planned("V-F")  # superseded stays (only cancelled reopens)
    # Events of visits never planned, and a record of an unplanned kind.
    log.moved("V-none", "2026-06-01")
    log.cancelled("V-none")
    log.escalated("V-none", 2)
    log.due("V-none")
    log.record("V-svc", "HF-2026-04-0003", kind=VisitKind.SERVICE_VISIT)
    # A second record (another number) of a done visit, then its plan.
    log.record("V-G", "HF-2026-04-0004", by="First")
    log.record("V-G", "HF-2026-04-0005", by="Second")
    log.attempt("V-G", 1, by="Third")
    log.planned("V-G")
    log.cancelled("V-G")
    return log.events


def log_order(events: Sequence[Event]) -> list[Event]:
    """The mix as a consumer may see it: the survey topic is not ordered with
    the schedule topic, so in every run of 40 the survey's events come first
    (a record can precede its visit's plan)."""
    out: list[Event] = []
    for i in range(0, len(events), 40):
        chunk = events[i : i + 40]
        out += [e for e in chunk if TOPIC_OF[e.type] == SURVEY]
        out += [e for e in chunk if TOPIC_OF[e.type] != SURVEY]
    return out


def scenario() -> list[Event]:
    mix = [e for e in event_mix(6_000) if TOPIC_OF[e.type] in (SCHEDULE, SURVEY)]
    events = log_order(mix)
    hard = hard_cases()
    # The hard cases twice: once together (one batch), once spread thinly
    # over the mix (across batches), with fresh ids the second time.
    spread = [e.model_copy(update={"event_id": uuid4()}) for e in hard]
    step = max(1, len(events) // len(spread))
    out = hard + list(events[: step * len(spread)])
    for i, e in enumerate(spread):
        out.insert(len(hard) + i * (step + 1) + step, e)
    return out + events[step * len(spread) :]


async def project(
    settings: Settings, schema: str, events: Sequence[Event], size: int | None
) -> None:
    conn = await connect_async(settings.database_url, schema)
    try:
        if size is None:
            async with conn.transaction(), conn.cursor() as cur:
                for event in events:
                    await PROJECTION.handle(cur, event)  # type: ignore[arg-type]
            return
        assert PROJECTION.handle_batch is not None
        for i in range(0, len(events), size):
            # As the runner does: one transaction per batch, in pipeline mode.
            async with conn.transaction(), conn.cursor() as cur, conn.pipeline():
                await PROJECTION.handle_batch(cur, events[i : i + size])  # type: ignore[arg-type]
    finally:
        await conn.close()


def rows(settings: Settings, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every column but the clock's of every table (but the migrations'), in
    order."""
    with connect(settings.database_url, schema) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name <> 'schema_migrations'"
                " ORDER BY table_name",
                (schema,),
            )
        ]
        out = {}
        for table in tables:
            columns = [
                c
                for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = %s AND table_name = %s"
                    " AND column_name <> 'updated_at' ORDER BY ordinal_position",
                    (schema, table),
                )
            ]
            order = TABLES.get(table, ", ".join(columns))
            out[table] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
            ).fetchall()
    return out


def test_batches_give_the_rows_of_one_event_at_a_time(settings: Settings) -> None:
    events = scenario()
    one = settings.schema_for("scheduler")
    migrate(settings.database_url, one, MIGRATIONS, VIEWS)
    asyncio.run(project(settings, one, events, None))
    expected = rows(settings, one)
    assert set(expected) >= set(TABLES)
    assert len(expected["visits"]) > 500
    assert len(expected["visit_history"]) > len(expected["visits"])
    statuses = {r[6] for r in expected["visits"]}
    assert {"planned", "escalated", "done", "cancelled", "superseded"} <= statuses
    for size in (1, 7, 500):
        schema = settings.schema_for(f"scheduler_b{size}")
        migrate(settings.database_url, schema, MIGRATIONS, VIEWS)
        asyncio.run(project(settings, schema, events, size))
        got = rows(settings, schema)
        for table, want in expected.items():
            diff = [(w, g) for w, g in zip(want, got[table], strict=False) if w != g]
            assert len(got[table]) == len(want), (size, table)
            assert not diff, (size, table, diff[:3])
