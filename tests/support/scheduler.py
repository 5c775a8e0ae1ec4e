"""Helpers of the scheduler's integration tests (no tests here): a running
scheduler app, facts appended to the real broker until the scheduler applied
them, and the survey's and feedback's facts in their wire form.

They live beside the tests that use them because those tests own no other
path; they would sit well in tests/support/.
"""

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from psycopg import sql

from schemas.catalogue import SCHEDULE, Topic
from schemas.codec import decode_obj
from schemas.envelope import Event
from services.kit.lag import wait_caught_up
from services.kit.producer import EventProducer, Position
from services.kit.service import Runtime, create_app
from services.kit.settings import Settings
from services.scheduler.service import build_service
from services.scheduler.settings import SchedulerSettings
from tests.support.auth import headers
from tests.support.factories import envelope
from tests.support.survey import end_offset, events_on

Wire = dict[str, Any]
E = TypeVar("E", bound=Event)


def scheduler_settings(base: Settings, **overrides: Any) -> SchedulerSettings:
    """The test's isolated deployment, as the scheduler's settings."""
    return SchedulerSettings(**{**base.model_dump(), **overrides})


@contextmanager
def scheduler(settings: SchedulerSettings) -> Iterator[TestClient]:
    """The scheduler app (projection and tick job running) on these settings,
    called with an admin key (a request may send another key's headers)."""
    app = create_app(build_service(settings), settings)
    with TestClient(app, headers=headers(settings)) as client:
        yield client


@contextmanager
def pinned_scheduler(
    base: Settings, clock_date: date | str, **overrides: Any
) -> Iterator[TestClient]:
    """`scheduler` on a pinned "today" with its background tick an hour
    away: only the ticks a test asks for announce anything, and what is read
    without `as_of` never depends on the machine's date."""
    own = scheduler_settings(
        base, clock_date=clock_date, tick_interval_s=3600, **overrides
    )
    with scheduler(own) as client:
        yield client


def feed(client: TestClient, facts: Sequence[Wire | Event]) -> list[Event]:
    """Append facts in this order; return once the scheduler applied them."""
    events = [f if isinstance(f, Event) else decode_obj(f) for f in facts]
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    producer = EventProducer(
        runtime.settings.kafka_bootstrap, runtime.settings.topic_prefix, "test"
    )
    try:
        positions = producer.publish(events)
    finally:
        producer.close()
    settle(runtime, positions)
    return events


def settle(
    runtime: Runtime, positions: Sequence[Position], timeout_s: float = 30
) -> None:
    """Wait until the reactions applied `positions`, the relay published what
    they derived, and the views applied everything on their topics."""
    deadline = time.monotonic() + timeout_s
    wanted: dict[tuple[str, int], int] = {}
    for p in positions:
        wanted[(p.topic, p.partition)] = max(
            wanted.get((p.topic, p.partition), -1), p.offset
        )
    store = sql.Identifier(runtime.store_schema)
    with runtime.pool.connection() as conn:
        conn.autocommit = True
        while True:
            rows = conn.execute(
                sql.SQL(
                    "SELECT topic, partition, next_offset FROM {}.consumer_positions"
                ).format(store)
            ).fetchall()
            stored = {(t, p): o for t, p, o in rows}
            unsent = conn.execute(
                sql.SQL(
                    "SELECT count(*) FROM {}.outbox"
                    " WHERE sent_at IS NULL AND failed IS NULL"
                ).format(store)
            ).fetchone()
            applied = all(stored.get(k, 0) > off for k, off in wanted.items())
            if applied and unsent is not None and unsent[0] == 0:
                break
            assert time.monotonic() < deadline, "scheduler reactions did not catch up"
            time.sleep(0.05)
        projection = runtime.service.projection
        assert projection is not None
        topics = [t.full_name(runtime.settings.topic_prefix) for t in projection.topics]
        behind = wait_caught_up(
            conn, runtime.schema, runtime.settings.kafka_bootstrap, topics, timeout_s
        )
        conn.autocommit = False
    assert behind == 0, "scheduler views did not catch up"


def visits(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Every visit matching the filters (one page of up to 1000)."""
    response = client.get("/v1/visits", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def by_kind(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {v["kind"]: v for v in items}


def schedule_events(settings: Settings) -> list[Event]:
    """Everything the scheduler published so far."""
    return list(events_on(settings, SCHEDULE))


def of_type(events: Iterable[Event], kind: type[E]) -> list[E]:
    """The events of one class, typed as such."""
    return [e for e in events if isinstance(e, kind)]


def counted(events: Iterable[Event]) -> Counter[tuple[str, str]]:
    """How many events of each (type, visit id or customer id)."""
    return Counter(
        (e.type, getattr(e.payload, "visit_id", None) or e.key) for e in events
    )


def visit_completed(
    customer: str,
    visit_id: str,
    kind: str,
    on: str,
    *,
    record_no: str = "HF-2026-11-0001",
    visitor: str = "Zhao Min",
    channel: str = "phone",
    unresolved_by_phone: bool = False,
    unit_id: str | None = None,
) -> Wire:
    return envelope(
        "visit_completed",
        {
            "customer_id": customer,
            "visit_id": visit_id,
            "kind": kind,
            "record_no": record_no,
            "visited_on": on,
            "visitor": visitor,
            "channel": channel,
            "unresolved_by_phone": unresolved_by_phone,
            "score": 100,
            "unit_id": unit_id,
        },
    )


def attempt_failed(
    customer: str, visit_id: str, attempt_no: int, on: str, visitor: str = "Qian Li"
) -> Wire:
    return envelope(
        "visit_attempt_failed",
        {
            "customer_id": customer,
            "visit_id": visit_id,
            "attempted_on": on,
            "visitor": visitor,
            "reason": "no_answer",
            "attempt_no": attempt_no,
        },
    )


def ticket_reopened(customer: str, ticket: str, on: str, record_no: str) -> Wire:
    return envelope(
        "ticket_reopened",
        {
            "customer_id": customer,
            "ticket_id": ticket,
            "reopened_on": on,
            "record_no": record_no,
        },
    )


def ticket_resolved(customer: str, ticket: str, on: str) -> Wire:
    return envelope(
        "ticket_resolved",
        {
            "customer_id": customer,
            "ticket_id": ticket,
            "department": "production",
            "resolution": "replaced the gasket",
            "resolved_on": on,
        },
    )


def dead_letters(settings: Settings) -> int:
    """How many events the scheduler's consumers could not apply."""
    return end_offset(settings, Topic("scheduler.dlq", "scheduler", ()))
