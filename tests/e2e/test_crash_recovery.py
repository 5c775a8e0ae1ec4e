"""A service killed mid-stream (SIGKILL, no shutdown) loses nothing: after a
restart its read model holds every fact exactly once, resumed from the
positions it stored with its rows."""

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from schemas.codec import decode_obj
from services.kit.producer import EventProducer
from services.kit.settings import Settings
from tests.support.factories import powered_on, shipped
from tests.support.processes import eventually, running_services

pytestmark = pytest.mark.e2e

UNITS = 4000


def counts(settings: Settings) -> tuple[int, int, int]:
    schema = settings.schema_for("ledger")
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT COALESCE(sum(next_offset), 0)"
            f"   FROM {schema}.consumer_positions),"
            f" (SELECT count(*) FROM {schema}.applied_events),"
            f" (SELECT count(*) FROM {schema}.units WHERE power_on_date IS NOT NULL"
            "   AND ship_date IS NOT NULL)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def started(settings: Settings) -> bool:
    try:
        return counts(settings)[0] > 0
    except psycopg.errors.UndefinedTable:
        return False


def test_a_killed_ledger_resumes_without_losing_or_repeating(
    settings: Settings, tmp_path: Path
) -> None:
    facts = [
        decode_obj(fact)
        for u in range(UNITS)
        for fact in (
            shipped(f"C{u % 300}", f"K{u % 300}", f"U{u}", "2026-01-05"),
            powered_on(f"C{u % 300}", f"U{u}", "2026-02-01"),
        )
    ]
    total = len(facts)
    producer = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    with running_services(settings, tmp_path, names=("ledger",)):
        pass  # creates the topics and the schema, then stops cleanly
    producer.publish(facts)
    producer.close()

    log_dir = tmp_path / "first"
    log_dir.mkdir()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with running_services(settings, log_dir, names=("ledger",), processes=procs):
        eventually(lambda: started(settings), timeout_s=60, interval_s=0.05)
        os.kill(procs["ledger"].pid, signal.SIGKILL)  # mid-stream, no shutdown
        procs["ledger"].wait(timeout=10)
    interrupted = counts(settings)
    assert 0 < interrupted[0] < total, "killed too late to test anything; raise UNITS"
    assert interrupted[0] == interrupted[1]  # positions and rows committed together

    log_dir = tmp_path / "second"
    log_dir.mkdir()
    with running_services(settings, log_dir, names=("ledger",)):
        deadline = time.monotonic() + 120
        while counts(settings)[0] < total and time.monotonic() < deadline:
            time.sleep(0.2)
    assert counts(settings) == (total, total, UNITS)
