"""The periodic-job design holds when its leader dies (issue 13): a scheduler
replica killed (SIGKILL) inside the daily tick's transaction leaves nothing
behind, and the standby replica takes the job over and announces each visit
once — the day is neither missed nor run twice."""

from datetime import date
from pathlib import Path

import pytest

from schemas.codec import decode_obj
from schemas.schedule import VisitDue, VisitOverdue
from services.kit.db import connect
from services.kit.faults import JOB_BEFORE_COMMIT
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.support.factories import contract, installed, powered_on, shipped
from tests.support.processes import eventually
from tests.support.replicas import Replicas
from tests.support.scheduler import counted, of_type, schedule_events
from tests.support.survey import produce

pytestmark = pytest.mark.e2e

CLOCK = date(2026, 11, 20)
UNIT = [
    contract("C1", "K1"),
    shipped("C1", "K1", "U1", "2026-09-20"),
    installed("C1", "U1", "2026-10-05"),  # pre_power_on due 10-05, latest 11-05
    powered_on("C1", "U1", "2026-10-15"),  # trial_run due 11-15, latest 12-15
]


def last_run(settings: Settings) -> date | None:
    with connect(settings.database_url, settings.store_schema_for("scheduler")) as c:
        row = c.execute(
            "SELECT last_date FROM job_runs WHERE job = 'scheduler.tick'"
        ).fetchone()
    return None if row is None else row[0]


def test_the_tick_leader_killed_mid_run_hands_over_and_announces_once(
    settings: Settings, tmp_path: Path
) -> None:
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        1,
    )
    produce(settings, [decode_obj(f) for f in UNIT])
    replicas = Replicas(
        settings,
        tmp_path,
        "scheduler",
        {
            "FOLLOWUP_CLOCK_DATE": CLOCK.isoformat(),
            "FOLLOWUP_TICK_INTERVAL_S": "1",
            "FOLLOWUP_CRASH_AT": JOB_BEFORE_COMMIT,
        },
    )
    try:
        # Replica 1 is the only one when the job first looks for its lock:
        # it leads, decides the day and dies before committing it.
        replicas.start(1)
        doomed = replicas.procs[1]
        replicas.env.pop("FOLLOWUP_CRASH_AT")
        replicas.start(2)
        assert doomed.wait(timeout=90) == -9, "the leader did not die in the job"
        assert last_run(settings) != CLOCK  # its transaction left nothing

        # The standby takes the lock once the dead leader's session is gone.
        eventually(lambda: last_run(settings) == CLOCK, timeout_s=90)
        expected = {
            ("visit_due", "U1:pre_power_on"): 1,
            ("visit_overdue", "U1:pre_power_on"): 1,
            ("visit_due", "U1:trial_run"): 1,
        }

        def notices() -> dict[tuple[str, str], int] | None:
            events = schedule_events(settings)
            found = dict(
                counted([*of_type(events, VisitDue), *of_type(events, VisitOverdue)])
            )
            return found if found == expected else None

        assert eventually(notices, timeout_s=60) == expected
        # The survivor keeps leading: later rounds find the day done.
        replicas.stop(2)
        assert (
            dict(
                counted(
                    [
                        *of_type(schedule_events(settings), VisitDue),
                        *of_type(schedule_events(settings), VisitOverdue),
                    ]
                )
            )
            == expected
        )
    finally:
        replicas.stop_all()
