"""PostgreSQL: each service's two schemas, migrations, and connections into them.

A service owns a *store* schema (its command side: authoritative tables, the
outbox, idempotency keys; never dropped) and a *views* schema (its read model,
derived only from the log; a rebuild drops it). Connections see them through
their search path, so SQL carries no schema names and a test can run in fresh
ones.
"""

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, ConnectionPool

log = logging.getLogger(__name__)

KIT_MIGRATIONS = Path(__file__).parent / "migrations"
VIEWS, STORE = "views", "store"


def _options(schema: str | Sequence[str]) -> str:
    # Names first found in the first schema: the views' `consumer_positions`
    # shadows the store's for a connection whose path starts with the views.
    path = [schema] if isinstance(schema, str) else list(schema)
    return "-c search_path=" + ",".join(f'"{s}"' for s in path)


def connect(database_url: str, schema: str | Sequence[str]) -> psycopg.Connection:
    """A connection whose search path is the service's schema(s)."""
    return psycopg.connect(database_url, options=_options(schema))


async def connect_async(
    database_url: str, schema: str | Sequence[str]
) -> psycopg.AsyncConnection:
    """An asyncio autocommit connection whose search path is the service's schema.

    Autocommit, so that a read outside `transaction()` never leaves a
    transaction open that would turn the next `transaction()` into a mere
    savepoint.
    """
    return await psycopg.AsyncConnection.connect(
        database_url, options=_options(schema), autocommit=True
    )


def open_pool(
    database_url: str, schema: str | Sequence[str], max_size: int = 8
) -> ConnectionPool:
    """A pool of connections into the service's schema, for the HTTP routes."""
    pool = ConnectionPool(
        database_url,
        kwargs={"options": _options(schema)},
        min_size=1,
        max_size=max_size,
        open=False,
    )
    pool.open(wait=True, timeout=30)
    return pool


async def open_async_pool(
    database_url: str, schema: str | Sequence[str], max_size: int = 4
) -> AsyncConnectionPool:
    """A pool of autocommit asyncio connections into the service's schema, for
    the small reads an async route makes without a worker thread (a plain
    `def` route costs two thread hand-offs per request)."""
    pool = AsyncConnectionPool(
        database_url,
        kwargs={"options": _options(schema), "autocommit": True},
        min_size=1,
        max_size=max_size,
        open=False,
    )
    await pool.open(wait=True, timeout=30)
    return pool


def migrate(database_url: str, schema: str, migrations: Path, side: str) -> list[str]:
    """Create the schema and apply the kit's and the service's new migrations.

    `side` is `views` or `store`: the files of `<migrations>/<side>/` after the
    kit's of the same side. Files run in name order, each once, recorded in
    `schema_migrations`. An advisory lock keeps replicas starting together
    from racing.
    """
    applied: list[str] = []
    files = sorted((KIT_MIGRATIONS / side).glob("*.sql")) + sorted(
        (migrations / side).glob("*.sql")
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (schema,))
        try:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            conn.execute(
                sql.SQL("SET search_path TO {}").format(sql.Identifier(schema))
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
            for path in files:
                name = f"{path.parent.parent.parent.name}/{side}/{path.name}"
                if name in done:
                    continue
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8"))
                    conn.execute(
                        "INSERT INTO schema_migrations (name) VALUES (%s)", (name,)
                    )
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (schema,))
    if applied:
        log.info("migrated", extra={"schema": schema, "applied": applied})
    return applied


def drop_schema(database_url: str, schema: str, attempts: int = 20) -> None:
    """Throw a read model away; the next start rebuilds it from the log.

    A running consumer may hold a lock the drop needs while it waits for one
    the drop took: PostgreSQL then aborts one of the two (deadlock). The
    consumer retries its batch; the drop retries too, so a rebuild under a
    running service always goes through.
    """
    statement = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
        sql.Identifier(schema)
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        for attempt in range(attempts):
            try:
                conn.execute(statement)
                return
            except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.1 * (attempt + 1))
