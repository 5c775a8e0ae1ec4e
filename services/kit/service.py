"""A service process: its HTTP app, its consumers, its relay, its jobs.

Each service declares a `Service` (name, port, migrations, routers, read-model
projection, event reactions, periodic jobs) and its `__main__` calls
`main(service)`. The app's lifespan creates the topics and both schemas
(store: command side and outbox; views: the read model), opens the pool and
the producer, and runs the consumers, the outbox relay and the jobs beside
the HTTP server; `/healthz`, `/readyz` and `/metrics` come with every service.
"""

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from starlette.types import ASGIApp, Receive, Scope, Send

from schemas.envelope import configure_derived_ids
from schemas.limits import MAX_BODY_BYTES, MAX_UPLOAD_BYTES
from services.kit import deadletters, kafka_auth
from services.kit.db import (
    STORE,
    VIEWS,
    drop_schema,
    migrate,
    open_async_pool,
    open_pool,
)
from services.kit.http import (
    CONTROL_CHARACTERS,
    JSON_TYPES,
    FieldProblem,
    request_problems,
    unavailable,
)
from services.kit.lag import follow_rebuild, wait_caught_up
from services.kit.logs import configure_logging
from services.kit.metrics import EVENTS_PUBLISHED
from services.kit.outbox import OutboxRelay, sent_positions
from services.kit.producer import EventProducer, Position
from services.kit.progress import Progress
from services.kit.projection import Projection, ProjectionRunner
from services.kit.settings import Settings
from services.kit.topics import (
    catalogue_topics,
    check_copartitioned,
    ensure_topics,
)

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The live resources of a running service, handed to its routes and jobs.

    `pool` connections see the views schema first, then the store schema;
    so do `apool`'s, asyncio and autocommit, for async routes' small reads.
    """

    service: "Service"
    settings: Settings
    schema: str
    store_schema: str
    pool: ConnectionPool
    producer: EventProducer
    relay: OutboxRelay
    apool: AsyncConnectionPool
    runner: ProjectionRunner | None = None
    reactor: ProjectionRunner | None = None

    def publish(self, events: Sequence[Any]) -> list[Position]:
        """Append events straight to the log (acks=all): the log-first path of
        department facts, which hold no invariant beyond their event id."""
        positions = self.producer.publish(events)
        EVENTS_PUBLISHED.labels(self.service.name).inc(len(positions))
        return positions

    def refuse_if_behind(self) -> None:
        """503 with Retry-After while the read model is not following the log
        closely enough to decide against (rebuilding, stalled, lagging)."""
        for runner in (self.runner, self.reactor):
            if runner is None:
                continue
            state = runner.state
            if not state.running:
                raise unavailable(
                    f"the {runner.projection.name} consumer is not running "
                    f"({state.last_error or 'starting'}); retry shortly"
                )
            if state.lag is not None and state.lag > self.settings.command_max_lag:
                raise unavailable(
                    f"the {runner.projection.name} read model is {state.lag} events "
                    f"behind the log (bound {self.settings.command_max_lag}: "
                    "rebuilding or catching up); retry shortly",
                    retry_after_s=10,
                )

    def decisions_caught_up(self) -> bool:
        """Whether the service's event reactions applied the log as it stands
        now (every replica's positions, read from PostgreSQL), waiting up to
        `wait_timeout_s`: a business-date command (a tick, an SLA check) must
        not decide against state that misses what the log already says."""
        if self.reactor is None:
            return True
        topics = [
            t.full_name(self.settings.topic_prefix)
            for t in self.reactor.projection.topics
        ]
        with self.pool.connection() as conn:
            behind = wait_caught_up(
                conn,
                self.store_schema,
                self.settings.kafka_bootstrap,
                topics,
                self.settings.wait_timeout_s,
            )
            conn.commit()
        return behind == 0

    def wait_until_published(self, event_ids: Sequence[Any]) -> list[Position] | None:
        """Block until the relay published these outbox events; their positions,
        or None when `wait_timeout_s` passes first (they will be published)."""
        deadline = time.monotonic() + self.settings.wait_timeout_s
        while True:
            with self.pool.connection() as conn:
                positions = sent_positions(conn, event_ids)
            if positions is not None:
                return positions
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def wait_until_applied(self, positions: Sequence[Position]) -> bool:
        """Block until this service's read model has applied these positions.

        Returns False when `wait_timeout_s` passes first; the events are on the
        log regardless and will be applied.
        """
        wanted: dict[tuple[str, int], int] = {}
        for p in positions:
            key = (p.topic, p.partition)
            wanted[key] = max(wanted.get(key, -1), p.offset)
        deadline = time.monotonic() + self.settings.wait_timeout_s
        while True:
            with self.pool.connection() as conn:
                # Named with its schema: during a rebuild the views' table is
                # gone and the search path would fall through to the store's.
                rows = conn.execute(
                    sql.SQL("SELECT topic, partition, next_offset FROM {}").format(
                        sql.Identifier(self.schema, "consumer_positions")
                    )
                ).fetchall()
            stored = {(t, p): o for t, p, o in rows}
            if all(stored.get(k, 0) > off for k, off in wanted.items()):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


Job = Callable[[Runtime], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Service:
    """What a service is made of; `main()` turns it into a running process.

    `migrations` holds `views/` (the read model) and, for a service with a
    command side, `store/`; `projection` builds the views from the log,
    `reactions` decides on other services' events into the store and outbox.
    """

    name: str
    default_port: int
    migrations: Path
    routers: Sequence[APIRouter]
    projection: Projection | None = None
    reactions: Projection | None = None
    jobs: Sequence[Job] = field(default_factory=tuple)
    description: str = ""
    # A service with variables of its own subclasses Settings; `main()` reads
    # the environment through that class, so bad values fail at start.
    settings_class: type[Settings] = Settings
    # Routes whose body is a file (the ledger's Friday batch), not JSON: they
    # take any content type and up to MAX_UPLOAD_BYTES; the route says which.
    upload_paths: tuple[str, ...] = ()


async def get_runtime(request: Request) -> Runtime:
    """FastAPI dependency: the running service's resources. Async although
    it awaits nothing: FastAPI runs a plain `def` dependency in its thread
    pool, a thread hand-off per request (issue 14's profile)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@asynccontextmanager
async def running(service: "Service", settings: Settings) -> AsyncIterator[Runtime]:
    """Start what a service runs beside its HTTP server; stop it on exit."""
    configure_derived_ids(settings.derived_id_secret)
    kafka_auth.configure(settings)
    schema = settings.schema_for(service.name)
    store_schema = settings.store_schema_for(service.name)
    await asyncio.to_thread(
        ensure_topics,
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        settings.replication_factor,
        settings.min_insync_replicas,
    )
    for consumer in (service.projection, service.reactions):
        if consumer is not None:
            await asyncio.to_thread(
                check_copartitioned,
                settings.kafka_bootstrap,
                [t.full_name(settings.topic_prefix) for t in consumer.topics],
            )

    async def prepare_store() -> None:
        await asyncio.to_thread(
            migrate, settings.database_url, store_schema, service.migrations, STORE
        )

    async def prepare_views() -> None:
        # Also after a rebuild dropped the views under a running service.
        await asyncio.to_thread(
            migrate, settings.database_url, schema, service.migrations, VIEWS
        )

    await prepare_store()
    await prepare_views()
    pool = await asyncio.to_thread(
        open_pool, settings.database_url, [schema, store_schema]
    )
    apool = await open_async_pool(settings.database_url, [schema, store_schema])
    producer = EventProducer(
        settings.kafka_bootstrap,
        settings.topic_prefix,
        f"followup-{service.name}",
        request_timeout_ms=settings.producer_request_timeout_ms,
        delivery_timeout_ms=settings.producer_delivery_timeout_ms,
    )
    relay = OutboxRelay(
        settings.database_url,
        store_schema,
        producer,
        service=service.name,
        batch_size=settings.relay_batch_size,
        poll_s=settings.relay_poll_s,
        timeout_s=producer.delivery_timeout_s + 5,
    )
    runner = (
        ProjectionRunner(
            service.projection,
            settings,
            schema,
            store_schema,
            prepare=prepare_views,
            on_outbox=relay.wake,
        )
        if service.projection
        else None
    )
    reactor = (
        ProjectionRunner(
            service.reactions,
            settings,
            store_schema,
            store_schema,
            prepare=prepare_store,
            on_outbox=relay.wake,
        )
        if service.reactions
        else None
    )
    runtime = Runtime(
        service,
        settings,
        schema,
        store_schema,
        pool,
        producer,
        relay,
        apool,
        runner,
        reactor,
    )
    relaying = asyncio.create_task(relay.run())
    consumers = [(r, asyncio.create_task(r.run())) for r in (runner, reactor) if r]
    jobs = [asyncio.create_task(job(runtime)) for job in service.jobs]
    log.info("service started", extra={"schema": schema})
    try:
        yield runtime
    finally:
        for job in jobs:
            job.cancel()
        for r, _ in consumers:
            await r.stop()  # lets the batch in hand commit
        for _, task in consumers:
            await asyncio.wait_for(task, timeout=30)
        for job in jobs:
            with suppress(asyncio.CancelledError):
                await job
        await relay.stop()
        await asyncio.wait_for(relaying, timeout=30)
        await apool.close()
        pool.close()
        producer.close()


def guard_requests(app: FastAPI) -> None:
    """What every service's edge refuses the same way: a body over the size
    limit (413), a body that is not JSON where JSON is read (415), and the
    one 422 shape for FastAPI's own validation errors."""

    @app.exception_handler(RequestValidationError)
    async def unprocessable_request(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        problems = request_problems(exc.errors())
        return JSONResponse(
            {"detail": [p.model_dump(exclude_none=True) for p in problems]},
            status_code=422,
        )

    app.add_middleware(RefuseBadRequests)


class RefuseBadRequests:
    """Refuses, before any route runs: a control character in a parameter
    or the path (422, naming it; never meant, and PostgreSQL refuses NUL in
    text), a body over the size limit (413), a body that is not JSON where
    JSON is read (415).

    A plain ASGI middleware: `@app.middleware("http")` (Starlette's
    BaseHTTPMiddleware) costs every request a task and a pair of memory
    streams, a sixth of a cached dashboard answer's CPU (issue 11)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = _refusal(Request(scope))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _refusal(request: Request) -> JSONResponse | None:
    controlled = [
        FieldProblem(field=name, rule="must not contain control characters")
        for name, value in [
            *request.query_params.multi_items(),
            ("path", request.url.path),
        ]
        if CONTROL_CHARACTERS.search(value)
    ]
    if controlled:
        return JSONResponse(
            {"detail": [p.model_dump(exclude_none=True) for p in controlled]},
            status_code=422,
        )
    if request.method in {"POST", "PUT", "PATCH"}:
        length = request.headers.get("content-length")
        uploads = getattr(request.app.state, "upload_paths", ())
        upload = any(request.url.path == p for p in uploads)
        limit = MAX_UPLOAD_BYTES if upload else MAX_BODY_BYTES
        if length is not None and length.isdigit() and int(length) > limit:
            return JSONResponse(
                {"detail": f"the body is over {limit} bytes"},
                status_code=413,
            )
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if length not in (None, "0") and kind not in JSON_TYPES and not upload:
            sent = kind or "no content type"
            detail = f"send JSON (Content-Type: application/json), not {sent}"
            return JSONResponse({"detail": detail}, status_code=415)
    return None


def create_app(service: Service, settings: Settings) -> FastAPI:
    """The service's FastAPI app, with health, readiness and metrics."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(service, settings) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title=f"followup {service.name}",
        description=service.description,
        lifespan=lifespan,
    )
    guard_requests(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": service.name}

    @app.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"description": "not ready: the same body, saying why"}},
    )
    def readyz(runtime: RuntimeDep) -> JSONResponse:
        """Broker and database reachable, projection running; with its lag."""
        checks: dict[str, Any] = {}
        try:
            with runtime.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {exc}"
        checks["broker"] = "ok" if runtime.producer.connected() else "unreachable"
        if runtime.runner:
            state = runtime.runner.state
            checks["projection"] = "running" if state.running else "stopped"
            checks["assigned_partitions"] = state.assigned
            checks["consumer_lag"] = state.lag
            if state.last_error:
                checks["last_error"] = state.last_error
        if runtime.reactor:
            state = runtime.reactor.state
            checks["reactions"] = "running" if state.running else "stopped"
            checks["reactions_lag"] = state.lag
            if state.last_error:
                checks["reactions_last_error"] = state.last_error
        checks["outbox_relay"] = "leader" if runtime.relay.leader else "standby"
        if runtime.relay.last_error:
            checks["outbox_last_error"] = runtime.relay.last_error
        try:
            runtime.refuse_if_behind()
            checks["commands"] = "accepted"
        except HTTPException as exc:
            checks["commands"] = f"refused: {exc.detail}"
        ready = (
            checks["database"] == "ok"
            and checks["broker"] == "ok"
            and all(r.state.running for r in (runtime.runner, runtime.reactor) if r)
        )
        # A read model catching up (a rebuild) still serves reads, so the
        # service stays ready; `commands` says whether it decides commands.
        return JSONResponse(
            {"ready": ready, **checks}, status_code=200 if ready else 503
        )

    @app.get(
        "/metrics",
        tags=["ops"],
        response_class=PlainTextResponse,
        responses={
            200: {
                "content": {CONTENT_TYPE_LATEST.split(";")[0]: {}},
                "description": "Prometheus text exposition format",
            }
        },
    )
    def metrics() -> Response:
        """Prometheus text exposition."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in service.routers:
        app.include_router(router)
    from services.kit import audit  # it stands on this module

    app.include_router(audit.router)
    app.state.upload_paths = service.upload_paths
    return app


def rebuild(service: Service, settings: Settings, args: Sequence[str]) -> int:
    """`rebuild [--wait] [--timeout S]`: drop the read model; with `--wait`,
    show the running service rebuilding it with a progress bar until it has
    applied the log as it stood at the drop (exit 1 if `S` seconds pass)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m services.{service.name} rebuild",
        description=rebuild.__doc__,
    )
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600.0)
    options = parser.parse_args(list(args))
    schema = settings.schema_for(service.name)
    # Only the views: the read model's positions live with it, so its
    # consumer restarts from the beginning of the log (a running service
    # re-creates the schema at once and refuses commands until it caught
    # up). The store schema, the command side, is never dropped.
    drop_schema(settings.database_url, schema)
    print(
        f"dropped the read model {schema!r}; the service rebuilds it from the "
        "log (at once if it is running, else on its next start); the command "
        f"side {settings.store_schema_for(service.name)!r} is kept",
        flush=True,
    )
    if not options.wait or service.projection is None:
        return 0
    topics = [t.full_name(settings.topic_prefix) for t in service.projection.topics]
    missing = follow_rebuild(
        settings.database_url,
        schema,
        settings.kafka_bootstrap,
        topics,
        timeout_s=options.timeout,
        progress=Progress(f"rebuild {schema}", 0, unit="events", stream=sys.stderr),
    )
    if missing:
        print(
            f"{missing:,} events still to apply after {options.timeout:.0f}s; is "
            f"the service running? (python -m services.{service.name})",
            file=sys.stderr,
        )
        return 1
    print(f"rebuilt {schema!r}: caught up with the log", flush=True)
    return 0


def main(service: Service, argv: Sequence[str] | None = None) -> int:
    """`python -m services.<name> [serve|rebuild|dlq ...]`."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "serve"
    settings = service.settings_class()
    configure_logging(settings.log_level, service.name)
    kafka_auth.configure(settings)
    if command == "rebuild":
        return rebuild(service, settings, args[1:])
    if command == "dlq":
        return deadletters.run(settings, service.name, service.migrations, args[1:])
    if command != "serve":
        print(
            f"usage: python -m services.{service.name} [serve|rebuild [--wait]|dlq]",
            file=sys.stderr,
        )
        return 2
    uvicorn.run(
        create_app(service, settings),
        host=settings.http_host,
        port=settings.http_port or service.default_port,
        log_config=None,
        access_log=False,
    )
    return 0
