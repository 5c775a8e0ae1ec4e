"""The fault suite's finding, reduced: `python -m services.survey rebuild`
while records flow must rebuild every record on the log.

Found by the fault run (a quarter to a third of the survey's and reporting's
records missing after a rebuild under traffic, positions at the log end).
The consumer restarts on the empty schema and, for partitions with no stored
position, asks aiokafka to `seek_to_beginning`; that reset is lazy and can
lose to the group offsets the previous consumer committed on close, so those
partitions resume where they were and their history is never replayed.
Seeking to an explicit offset (0) instead makes this test pass.
"""

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from schemas.codec import decode_obj
from services.kit import kafka_auth
from services.kit.settings import Settings
from tests.faults import stack
from tests.faults.run import create_topics
from tests.support.replicas import running_replicas
from tests.support.scheduler import visit_completed
from tests.support.survey import produce

pytestmark = pytest.mark.e2e

BATCHES, PER_BATCH = 60, 50


@pytest.fixture
def private() -> Iterator[stack.PrivateStack]:
    own = stack.start(1)
    try:
        yield own
    finally:
        own.close()


def records(settings: Settings, first: int, last: int) -> None:
    for b in range(first, last):
        produce(
            settings,
            [
                decode_obj(
                    {
                        **visit_completed(
                            f"C{i % 40}",
                            f"V{b}-{i}",
                            "trial_run",
                            "2026-11-20",
                            record_no=f"HF-2026-11-{b:02d}{i:02d}",
                        ),
                        "event_id": str(uuid.uuid4()),
                    }
                )
                for i in range(PER_BATCH)
            ],
        )
        time.sleep(0.2)


def count(settings: Settings) -> int:
    try:
        with psycopg.connect(settings.database_url) as conn:
            row = conn.execute(
                f"SELECT count(*) FROM {settings.schema_for('survey')}.visit_records"
            ).fetchone()
    except psycopg.Error:
        return -1
    return int(row[0]) if row else 0


def test_a_rebuild_while_records_flow_rebuilds_every_record(
    private: stack.PrivateStack, tmp_path: Path
) -> None:
    credentials = {
        k.removeprefix("FOLLOWUP_").lower(): v
        for k, v in private.client_env.items()
        if k.startswith("FOLLOWUP_KAFKA_S")
    }
    prefix = f"rebuild{uuid.uuid4().hex[:6]}"
    settings = Settings.model_validate(
        {
            "kafka_bootstrap": private.bootstrap,
            "database_url": private.database_url,
            **credentials,
            "topic_prefix": prefix,
            "schema_prefix": f"{prefix}_",
            "partitions": 4,
        }
    )
    kafka_auth.configure(settings)
    create_topics(settings)
    env = {**private.client_env, "FOLLOWUP_DERIVED_ID_SECRET": "rebuild-test"}
    with running_replicas(settings, tmp_path, "survey", 1, env) as survey:
        records(settings, 0, BATCHES // 3)
        flowing = threading.Thread(
            target=records, args=(settings, BATCHES // 3, BATCHES)
        )
        flowing.start()
        time.sleep(2)
        done = subprocess.run(
            [sys.executable, "-m", "services.survey", "rebuild"],
            env=survey.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        flowing.join()
        want = BATCHES * PER_BATCH
        deadline = time.monotonic() + 120
        while count(settings) != want and time.monotonic() < deadline:
            time.sleep(2)
        assert count(settings) == want
