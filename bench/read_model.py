"""The database's side: the real ledger read model, and COPY of its rows."""

import asyncio
import os
import time
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from bench.machine import cpu_seconds
from bench.rates import Progress, Rate, per_unit
from schemas.catalogue import LEDGER
from services.kit.db import STORE, VIEWS, connect, connect_async, migrate
from services.kit.projection import ProjectionRunner
from services.kit.settings import Settings
from services.ledger.projection import PROJECTION
from services.ledger.service import SERVICE

# The read-model tables the ledger projection fills from ledger facts; the
# COPY phase loads the same rows into empty tables of the same shape.
READ_MODEL_TABLES = ("contracts", "units")
RUNNER_APP = "bench-ledger-projection"


async def project(settings: Settings, ends: dict[int, int], timeout_s: float) -> Rate:
    """Run the real ledger projection from an empty schema until caught up."""
    schema = settings.schema_for("ledger")
    store = settings.store_schema_for("ledger")
    migrate(settings.database_url, schema, SERVICE.migrations, VIEWS)
    migrate(settings.database_url, store, SERVICE.migrations, STORE)
    runner = ProjectionRunner(PROJECTION, settings, schema, store)
    watcher = await connect_async(settings.database_url, schema)
    await watcher.set_autocommit(True)
    progress = Progress("read model", sum(ends.values()))
    # libpq's default application name marks the runner's own connection (the
    # watcher connected before), so its backend's CPU time can be read.
    os.environ["PGAPPNAME"] = RUNNER_APP
    started, cpu = time.perf_counter(), time.process_time()
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(
            _until_caught_up(watcher, task, settings, ends, progress), timeout_s
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        cur = await watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
            (RUNNER_APP,),
        )
        backend = sum(cpu_seconds(pid) or 0.0 for (pid,) in await cur.fetchall())
        cur = await watcher.execute("SELECT count(*) FROM applied_events")
        applied = (await cur.fetchone() or (0,))[0]
        if applied != progress.total:
            msg = f"{applied} events applied of {progress.total}: see the DLQ"
            raise RuntimeError(msg)
        return Rate(
            progress.total,
            elapsed,
            f"{applied:,} event ids claimed; {per_unit(cpu, applied)} CPU in"
            f" Python, {per_unit(backend, applied)} in its PostgreSQL backend",
        )
    finally:
        os.environ.pop("PGAPPNAME", None)
        await runner.stop()
        await asyncio.wait_for(task, 30)
        await watcher.close()


async def _until_caught_up(
    watcher: psycopg.AsyncConnection[Any],
    task: "asyncio.Task[None]",
    settings: Settings,
    ends: dict[int, int],
    progress: Progress,
) -> None:
    # The positions the runner stores with its rows are the read model's own
    # account of what it applied: caught up when they reach every partition end.
    topic = LEDGER.full_name(settings.topic_prefix)
    while True:
        cur = await watcher.execute(
            "SELECT partition, next_offset FROM consumer_positions WHERE topic = %s",
            (topic,),
        )
        stored = dict(await cur.fetchall())
        progress.update(sum(min(stored.get(p, 0), end) for p, end in ends.items()))
        if all(stored.get(p, 0) >= end for p, end in ends.items()):
            return
        if task.done():
            task.result()  # raises what stopped the runner
            raise RuntimeError("projection runner stopped before catching up")
        await asyncio.sleep(0.05)


def copy_rows(settings: Settings, timeout_s: float) -> Rate:
    """COPY the rows the projection wrote into empty tables of the same shape."""
    schema = settings.schema_for("ledger")
    with connect(settings.database_url, schema) as conn:
        conn.execute(
            sql.SQL("SET statement_timeout = {}").format(int(timeout_s * 1000))
        )
        rows = {table: _rows_of(conn, table) for table in READ_MODEL_TABLES}
        for table in READ_MODEL_TABLES:
            conn.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                    sql.Identifier(f"copy_{table}"), sql.Identifier(table)
                )
            )
        conn.commit()
        progress = Progress("COPY", sum(len(r) for r in rows.values()))
        backend = cpu_seconds(conn.info.backend_pid) or 0.0
        started, cpu = time.perf_counter(), time.process_time()
        with conn.cursor() as cur:
            for table in READ_MODEL_TABLES:
                statement = sql.SQL("COPY {} FROM STDIN").format(
                    sql.Identifier(f"copy_{table}")
                )
                with cur.copy(statement) as copy:
                    for row in rows[table]:
                        copy.write_row(row)
                        progress.update(progress.done + 1)
        conn.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        backend = (cpu_seconds(conn.info.backend_pid) or 0.0) - backend
    done = progress.done
    return Rate(
        done,
        elapsed,
        ", ".join(f"{len(r):,} {t}" for t, r in rows.items())
        + f"; {per_unit(cpu, done, 'row')} CPU in Python,"
        f" {per_unit(backend, done, 'row')} in its PostgreSQL backend",
    )


def _rows_of(conn: psycopg.Connection[Any], table: str) -> list[tuple[Any, ...]]:
    # Fetched as Python values, as the handlers pass them; a dict (the jsonb
    # tags) needs the wrapper to be written back.
    query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))
    return [
        tuple(Jsonb(v) if isinstance(v, dict) else v for v in row)
        for row in conn.execute(query)
    ]
