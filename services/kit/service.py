"""A service process: its HTTP app, its projection, its background jobs.

Each service declares a `Service` (name, port, migrations, routers, projection)
and its `__main__` calls `main(service)`. The app's lifespan creates the
topics and the schema, opens the pool and the producer, and runs the
projection beside the HTTP server; `/healthz`, `/readyz` and `/metrics` come
with every service.
"""

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
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg_pool import ConnectionPool

from services.kit.db import drop_schema, migrate, open_pool
from services.kit.logs import configure_logging
from services.kit.metrics import EVENTS_PUBLISHED
from services.kit.producer import EventProducer, Position
from services.kit.projection import Projection, ProjectionRunner
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The live resources of a running service, handed to its routes and jobs."""

    service: "Service"
    settings: Settings
    schema: str
    pool: ConnectionPool
    producer: EventProducer
    runner: ProjectionRunner | None = None

    def publish(self, events: Sequence[Any]) -> list[Position]:
        """Append events to the log (acks=all); raise if any is not acknowledged."""
        positions = self.producer.publish(events)
        EVENTS_PUBLISHED.labels(self.service.name).inc(len(positions))
        return positions

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
                rows = conn.execute(
                    "SELECT topic, partition, next_offset FROM consumer_positions"
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
    """What a service is made of; `main()` turns it into a running process."""

    name: str
    default_port: int
    migrations: Path
    routers: Sequence[APIRouter]
    projection: Projection | None = None
    jobs: Sequence[Job] = field(default_factory=tuple)
    description: str = ""
    # A service with variables of its own subclasses Settings; `main()` reads
    # the environment through that class, so bad values fail at start.
    settings_class: type[Settings] = Settings


def get_runtime(request: Request) -> Runtime:
    """FastAPI dependency: the running service's resources."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def create_app(service: Service, settings: Settings) -> FastAPI:
    """The service's FastAPI app, with health, readiness and metrics."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        schema = settings.schema_for(service.name)
        await asyncio.to_thread(
            ensure_topics,
            settings.kafka_bootstrap,
            catalogue_topics(settings.topic_prefix),
            settings.partitions,
            settings.replication_factor,
        )
        await asyncio.to_thread(
            migrate, settings.database_url, schema, service.migrations
        )
        pool = await asyncio.to_thread(open_pool, settings.database_url, schema)
        producer = EventProducer(
            settings.kafka_bootstrap, settings.topic_prefix, f"followup-{service.name}"
        )
        runner = (
            ProjectionRunner(service.projection, settings, schema, producer)
            if service.projection
            else None
        )
        runtime = Runtime(service, settings, schema, pool, producer, runner)
        app.state.runtime = runtime
        jobs = [asyncio.create_task(job(runtime)) for job in service.jobs]
        projecting = asyncio.create_task(runner.run()) if runner else None
        log.info("service started", extra={"schema": schema})
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
            if runner and projecting:
                await runner.stop()  # lets the batch in hand commit
                await asyncio.wait_for(projecting, timeout=30)
            for job in jobs:
                with suppress(asyncio.CancelledError):
                    await job
            pool.close()
            producer.close()

    app = FastAPI(
        title=f"followup {service.name}",
        description=service.description,
        lifespan=lifespan,
    )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": service.name}

    @app.get("/readyz", tags=["ops"])
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
        ready = (
            checks["database"] == "ok"
            and checks["broker"] == "ok"
            and (runtime.runner is None or runtime.runner.state.running)
        )
        return JSONResponse(
            {"ready": ready, **checks}, status_code=200 if ready else 503
        )

    @app.get("/metrics", tags=["ops"])
    def metrics() -> Response:
        """Prometheus text exposition."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in service.routers:
        app.include_router(router)
    return app


def main(service: Service, argv: Sequence[str] | None = None) -> int:
    """`python -m services.<name> [serve|rebuild]`."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "serve"
    settings = service.settings_class()
    configure_logging(settings.log_level, service.name)
    if command == "rebuild":
        # Positions live in the schema, so a dropped schema restarts the
        # projection from the beginning of the log on the next start.
        drop_schema(settings.database_url, settings.schema_for(service.name))
        print(
            f"dropped schema {settings.schema_for(service.name)!r}; "
            "start the service to rebuild it from the log"
        )
        return 0
    if command != "serve":
        print(
            f"usage: python -m services.{service.name} [serve|rebuild]", file=sys.stderr
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
