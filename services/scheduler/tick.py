"""The daily tick: `visit_due` and `visit_overdue`, exactly once per visit.

`run_tick(as_of)` compares the open visits with the `announcements` table
(domain: `announcements`), publishes what is new with ids stable per visit and
notice, then records it. A restart or a missed day announces what was missed,
once; a crash between publishing and recording re-publishes the same ids,
which consumers downstream recognise. Runs are serialised by a transaction
advisory lock, so the job and `POST /v1/tick` never announce twice together.

The background job runs on the leader only: the replica that holds a session
advisory lock on a dedicated connection. Replicas share the database, so the
lock elects one of them; if the leader dies its connection closes, the lock
is released and another replica takes over at its next interval.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from schemas.envelope import Event, stable_id
from schemas.schedule import (
    VisitDue,
    VisitDuePayload,
    VisitOverdue,
    VisitOverduePayload,
)
from schemas.types import VisitStatus
from services.kit.db import connect_async
from services.kit.service import Runtime
from services.scheduler import store
from services.scheduler.clock import clock_for
from services.scheduler.derive import SOURCE
from services.scheduler.domain.status import announcements
from services.scheduler.domain.visit import Visit
from services.scheduler.settings import scheduler_settings

log = logging.getLogger(__name__)

# Two-key advisory locks: (hash of the schema, which lock).
LEADER, RUN = 1, 2

# Open visits that may still have a notice to give on `as_of`.
PENDING = f"""
SELECT {store.VISIT_FIELDS} FROM visits v
WHERE v.status IN ('planned', 'escalated') AND v.due_date <= %(as_of)s
  AND (SELECT count(*) FROM announcements a WHERE a.visit_id = v.visit_id) < 2
"""
ANNOUNCED = "SELECT visit_id, kind FROM announcements WHERE visit_id = ANY(%s)"
RECORD = """
INSERT INTO announcements (visit_id, kind, announced_on, event_id)
VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class Announced:
    """One notice the tick gave."""

    visit: Visit
    notice: VisitStatus  # DUE or OVERDUE
    event: Event


def notice_event(visit: Visit, notice: VisitStatus, as_of: date) -> Event:
    """The `visit_due` or `visit_overdue` of a visit, with its stable id."""
    event_id = stable_id(visit.visit_id, notice.value)
    if notice is VisitStatus.DUE:
        return VisitDue(
            event_id=event_id,
            source=SOURCE,
            actor=SOURCE,
            payload=VisitDuePayload(
                customer_id=visit.customer_id,
                visit_id=visit.visit_id,
                kind=visit.kind,
                due_date=visit.due_date,
                announced_on=as_of,
            ),
        )
    return VisitOverdue(
        event_id=event_id,
        source=SOURCE,
        actor=SOURCE,
        payload=VisitOverduePayload(
            customer_id=visit.customer_id,
            visit_id=visit.visit_id,
            kind=visit.kind,
            latest_date=visit.latest_date,
            announced_on=as_of,
        ),
    )


def run_tick(runtime: Runtime, as_of: date) -> list[Announced]:
    """Announce every due and overdue visit of `as_of` not announced before."""
    with runtime.pool.connection() as conn, conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (runtime.schema, RUN)
        )
        visits = {
            v.visit_id: v
            for v in map(store.visit_from, conn.execute(PENDING, {"as_of": as_of}))
        }
        already = {
            (visit_id, VisitStatus(kind))
            for visit_id, kind in conn.execute(ANNOUNCED, (list(visits),))
        }
        found = [
            Announced(
                visits[visit_id], notice, notice_event(visits[visit_id], notice, as_of)
            )
            for visit_id, notice in announcements(visits.values(), as_of, already)
        ]
        if not found:
            return []
        runtime.publish([a.event for a in found])
        with conn.cursor() as cur:
            cur.executemany(
                RECORD,
                [
                    (a.visit.visit_id, a.notice.value, as_of, a.event.event_id)
                    for a in found
                ],
            )
            cur.executemany(store.HISTORY, [store.history_row(a.event) for a in found])
    log.info("tick announced", extra={"as_of": as_of.isoformat(), "count": len(found)})
    return found


class Leadership:
    """A session advisory lock held on its own connection while leading."""

    def __init__(self, database_url: str, schema: str) -> None:
        self.database_url = database_url
        self.schema = schema
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def hold(self) -> bool:
        """Whether this process leads: keep the lock, or try to take it."""
        if self._conn is not None:
            try:
                await self._conn.execute("SELECT 1")
                return True
            except psycopg.Error:
                # The connection is gone, and the lock with it.
                await self.release()
        # An autocommit session: the lock is the session's, not a transaction's.
        conn = await connect_async(self.database_url, self.schema)
        cur = await conn.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s), %s)", (self.schema, LEADER)
        )
        row = await cur.fetchone()
        if row is not None and row[0]:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        """Give the lead up (closing the session releases the lock)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


def caught_up(runtime: Runtime) -> bool:
    """Whether the read model has applied everything on the log.

    A visit cancelled on the log but not yet in the table must not be
    announced due.
    """
    runner = runtime.runner
    return runner is not None and runner.state.running and runner.state.lag == 0


async def tick_daily(runtime: Runtime) -> None:
    """Background job: on the leader, every interval, run the tick for today."""
    interval = scheduler_settings(runtime.settings).tick_interval_s
    clock = clock_for(runtime.settings)
    leadership = Leadership(runtime.settings.database_url, runtime.schema)
    try:
        while True:
            try:
                if await leadership.hold() and caught_up(runtime):
                    await asyncio.to_thread(run_tick, runtime, clock.today())
            except Exception:
                # The next round retries; a failed round must not end the job.
                log.exception("daily tick failed")
            await asyncio.sleep(interval)
    finally:
        await leadership.release()
