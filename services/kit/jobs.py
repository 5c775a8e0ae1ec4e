"""Periodic work on one design: the scheduler's daily tick, the feedback SLA
sweep, the report freeze.

`daily_job(...)` makes a service job that, every `interval_s`:
1. becomes the leader of that job (a PostgreSQL session advisory lock on a
   dedicated connection: exactly one replica at a time; when the leader dies
   its connection closes, the lock is freed and another replica takes over at
   its next interval);
2. finds the business dates not run yet, from the day after the last recorded
   run to today in the company time zone (catch-up after downtime, never a
   date after today);
3. for each, waits until the whole service has applied the log as it stood
   (positions read from PostgreSQL, so all replicas count), then runs the
   job for that date and records the date, in one transaction with whatever
   the job wrote to the outbox: a crash leaves either both or neither.
faust-streaming's `on_leader` timers were the candidate for step 1
(architecture.md point 10); they elect a leader per consumer group without
catch-up or a transaction with the job's effects, so the lock stays here.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg

from services.kit.db import connect
from services.kit.faults import JOB_BEFORE_COMMIT, crash_point
from services.kit.lag import wait_caught_up
from services.kit.metrics import JOB_RUNS
from services.kit.service import Runtime

log = logging.getLogger(__name__)

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class DailyJob:
    """A job run once per business date, on one replica.

    `run(runtime, conn, as_of)` does the date's work inside the transaction
    of `conn` (the store schema first on its search path).
    `topics` are those whose log end must be applied first, by the consumer
    keeping its positions in `positions_schema(runtime)`.
    """

    name: str
    run: Callable[[Runtime, Conn, date], Any]
    interval_s: Callable[[Runtime], float]
    today: Callable[[Runtime], date]
    topics: Callable[[Runtime], list[str]]
    positions_schema: Callable[[Runtime], str]
    first_date: Callable[[Runtime, date], date] = lambda _r, today: today


def due_dates(last_run: date | None, today: date, first: date) -> list[date]:
    """The dates to run, oldest first: every date after the last run, up to
    today; `first` when the job never ran."""
    start = first if last_run is None else last_run + timedelta(days=1)
    return [start + timedelta(days=n) for n in range((today - start).days + 1)]


def run_due(
    runtime: Runtime, job: DailyJob, conn: Conn, catch_up_timeout_s: float
) -> int:
    """Run every due date of `job` (the caller holds its lock); return how many."""
    today = job.today(runtime)
    row = conn.execute(
        "SELECT last_date FROM job_runs WHERE job = %s", (job.name,)
    ).fetchone()
    ran = 0
    for as_of in due_dates(
        row[0] if row else None, today, job.first_date(runtime, today)
    ):
        behind = wait_caught_up(
            conn,
            job.positions_schema(runtime),
            runtime.settings.kafka_bootstrap,
            job.topics(runtime),
            catch_up_timeout_s,
        )
        if behind:
            log.info("job waits for the log", extra={"job": job.name, "behind": behind})
            break
        with conn.transaction():
            job.run(runtime, conn, as_of)
            conn.execute(
                "INSERT INTO job_runs (job, last_date) VALUES (%s, %s)"
                " ON CONFLICT (job) DO UPDATE SET last_date = EXCLUDED.last_date,"
                " ran_at = now()",
                (job.name, as_of),
            )
            crash_point(JOB_BEFORE_COMMIT)
        JOB_RUNS.labels(job.name).inc()
        ran += 1
    if ran:
        runtime.relay.wake()
    return ran


def daily_job(job: DailyJob) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """The service job running `job` on the leader (module docstring)."""

    async def loop(runtime: Runtime) -> None:
        conn: Conn | None = None
        leader = False
        while True:
            await asyncio.sleep(job.interval_s(runtime))
            try:
                if conn is None or conn.closed:
                    fresh = await asyncio.to_thread(
                        connect,
                        runtime.settings.database_url,
                        [runtime.store_schema, runtime.schema],
                    )
                    fresh.autocommit = True
                    conn, leader = fresh, False
                if not leader:
                    got = conn.execute(
                        "SELECT pg_try_advisory_lock(hashtext(%s), hashtext(%s))",
                        (runtime.store_schema, job.name),
                    ).fetchone()
                    leader = bool(got and got[0])
                if leader:
                    await asyncio.to_thread(run_due, runtime, job, conn, 5.0)
            except Exception:
                # The next round retries; a failed round must not end the job.
                log.exception("periodic job failed", extra={"job": job.name})
                if conn is not None:
                    conn.close()
                conn = None

    return loop
