"""`python -m services.<name> rebuild`, the command itself, for every service:
it drops the read model under the running service, which replays the log
into the same tables (README: "a rebuild answers the same")."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from schemas.codec import decode_obj
from schemas.types import ComplaintSubject
from services.feedback.service import SERVICE as FEEDBACK
from services.feedback.settings import FeedbackSettings
from services.kit.lag import behind, end_offsets
from services.kit.service import Runtime, Service, create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE as LEDGER
from services.reporting.service import SERVICE as REPORTING
from services.reporting.settings import ReportingSettings
from services.scheduler.service import build_service
from services.scheduler.settings import SchedulerSettings
from services.survey.service import SERVICE as SURVEY
from tests.integration.test_feedback_api import complaint
from tests.support.auth import headers
from tests.support.factories import contract, delivered, installed, powered_on, shipped
from tests.support.scheduler import visit_completed
from tests.support.survey import produce

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 30)
NAMES = ("ledger", "scheduler", "survey", "feedback", "reporting")


def apps(base: Settings) -> dict[str, tuple[Service, Settings]]:
    """Each service with its own settings: "today" pinned, no periodic job
    within the test."""
    common = {**base.model_dump(), "clock_date": TODAY}
    scheduler = SchedulerSettings(**{**common, "tick_interval_s": 3600})
    return {
        "ledger": (LEDGER, Settings(**common)),
        "scheduler": (build_service(scheduler), scheduler),
        "survey": (SURVEY, Settings(**common)),
        "feedback": (
            FEEDBACK,
            FeedbackSettings(**{**common, "feedback_sla_check_interval_s": 3600}),
        ),
        "reporting": (
            REPORTING,
            ReportingSettings(**{**common, "report_freeze_interval_s": 3600}),
        ),
    }


@contextmanager
def running(base: Settings) -> Iterator[dict[str, Runtime]]:
    """The five services in this process, on one deployment."""
    with ExitStack() as stack:
        runtimes = {}
        for name, (service, own) in apps(base).items():
            client = stack.enter_context(
                TestClient(create_app(service, own), headers=headers(own))
            )
            runtimes[name] = client.app.state.runtime  # type: ignore[attr-defined]
        yield runtimes


def topics_of(runtime: Runtime, which: str) -> list[str]:
    consumer = getattr(runtime.service, which)
    if consumer is None:
        return []
    return [t.full_name(runtime.settings.topic_prefix) for t in consumer.topics]


def still_moving(conn: psycopg.Connection[Any], runtime: Runtime) -> int:
    """What the service has yet to apply or publish (0: it is at rest)."""
    missing = 0
    for which, schema in (
        ("projection", runtime.schema),
        ("reactions", runtime.store_schema),
    ):
        topics = topics_of(runtime, which)
        if topics:
            ends = end_offsets(runtime.settings.kafka_bootstrap, topics)
            missing += behind(conn, schema, ends)
    unsent = conn.execute(
        sql.SQL(
            "SELECT count(*) FROM {}.outbox WHERE sent_at IS NULL AND failed IS NULL"
        ).format(sql.Identifier(runtime.store_schema))
    ).fetchone()
    return missing + (unsent[0] if unsent else 0)


def at_rest(settings: Settings, runtimes: dict[str, Runtime]) -> None:
    """Wait until every service applied the whole log and published all it
    derived, twice in a row (a derived event may start another round)."""
    deadline = time.monotonic() + 60
    calm = 0
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        while calm < 2:
            assert time.monotonic() < deadline, "the services did not come to rest"
            try:
                moving = sum(still_moving(conn, r) for r in runtimes.values())
            except psycopg.errors.UndefinedTable:  # a read model being re-created
                moving = 1
            calm = calm + 1 if moving == 0 else 0
            time.sleep(0.3)


def snapshot(settings: Settings, schema: str) -> dict[str, list[str]]:
    """Every row of every table of a read model, as sorted JSON, without the
    columns stamped with the time of writing and the surrogate keys numbered
    in the order of writing (partitions interleave differently in a replay;
    the order within one entity is its partition's, the same)."""
    with psycopg.connect(settings.database_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (schema,),
        ).fetchall()
        stamped = {
            (t, c)
            for t, c in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = %s AND (data_type LIKE 'timestamp%%'"
                " OR column_default LIKE 'nextval(%%' OR is_identity = 'YES')",
                (schema,),
            ).fetchall()
        }
        out = {}
        for (table,) in tables:
            rows = conn.execute(
                sql.SQL("SELECT to_jsonb(t) FROM {}.{} t").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchall()
            out[table] = sorted(
                json.dumps(
                    {k: v for k, v in row.items() if (table, k) not in stamped},
                    sort_keys=True,
                    ensure_ascii=False,
                )
                for (row,) in rows
            )
    return out


def run_rebuild(
    settings: Settings, name: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m services.<name> rebuild [options]` against this deployment."""
    env = {**os.environ}
    for key, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, str | int | float | date):
            env[f"FOLLOWUP_{key.upper()}"] = str(value)
    return subprocess.run(
        [sys.executable, "-m", f"services.{name}", "rebuild", *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def rebuild(settings: Settings, name: str) -> str:
    """The rebuild command waiting for the running service, with its
    progress: what it printed on stdout."""
    done = run_rebuild(settings, name, "--wait", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    # The progress (stderr is no terminal here: a line per tenth) ends at
    # every event of the read model's topics applied.
    last = done.stderr.strip().splitlines()[-1]
    assert "(100%)" in last, done.stderr
    assert "events" in last, done.stderr
    assert "caught up with the log" in done.stdout, done.stdout
    return done.stdout


def test_the_rebuild_command_says_when_no_service_rebuilds(settings: Settings) -> None:
    """`--wait` with no service running: a clear error, not a silent wait."""
    produce(settings, [decode_obj(contract("C1", "K1"))])
    done = run_rebuild(settings, "ledger", "--wait", "--timeout", "2")
    assert done.returncode == 1, done
    assert "1 events still to apply" in done.stderr, done.stderr
    assert "is the service running?" in done.stderr, done.stderr


def test_the_rebuild_command_of_every_service_replays_the_same_tables(
    settings: Settings,
) -> None:
    facts = [
        contract("C1", "K1"),
        shipped("C1", "K1", "U1", "2026-09-20"),
        installed("C1", "U1", "2026-10-05"),
        powered_on("C1", "U1", "2026-10-15"),
        delivered("C4", "O1", "2026-11-18"),
        visit_completed("C1", "U1:pre_power_on", "pre_power_on", "2026-10-06"),
    ]
    with running(settings) as runtimes:
        produce(settings, [decode_obj(f) for f in facts])
        produce(
            settings,
            [
                complaint(
                    "C1",
                    "HF-2026-10-0001-1",
                    ComplaintSubject.PRODUCT_QUALITY,
                    "2026-10-06",
                )
            ],
        )
        at_rest(settings, runtimes)
        for name in NAMES:
            schema = settings.schema_for(name)
            before = snapshot(settings, schema)
            # A table the service never creates: gone only if the schema was
            # dropped, so the command cannot pass by doing nothing.
            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("CREATE TABLE {}.rebuild_marker ()").format(
                        sql.Identifier(schema)
                    )
                )
            said = rebuild(settings, name)
            at_rest(settings, runtimes)
            after = snapshot(settings, schema)
            assert repr(schema) in said, said
            assert "rebuild_marker" not in after, name
            assert after == before, name
            kit = {"consumer_positions", "applied_events", "schema_migrations"}
            assert any(rows for t, rows in after.items() if t not in kit), (
                f"{name}: nothing in its read model to compare"
            )
