"""A survey process killed at any step of recording a visit, or a broker that
stalls past every producer timeout, loses, duplicates and blocks nothing: a
client retrying with the same Idempotency-Key gets the one record, once."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas.catalogue import SURVEY
from schemas.survey import ComplaintRaised, VisitCompleted
from schemas.types import VisitKind
from services.kit.faults import POINTS
from services.kit.settings import Settings
from tests.support.auth import headers
from tests.support.processes import eventually, running_services
from tests.support.survey import events_on, produce, record_body, visit_planned

pytestmark = pytest.mark.e2e


# Every call carries an admin key of the test's deployment (issued per test).
AUTH: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _admin_key(settings: Settings) -> None:
    AUTH.clear()
    AUTH.update(headers(settings))


TRIAL = VisitKind.TRIAL_RUN
# One dissatisfied rating: the record raises one complaint.
BODY = record_body("V1", TRIAL, product_quality="dissatisfied")
KEY = {"Idempotency-Key": "record-V1-first-try"}


def plan_and_wait(settings: Settings, url: str) -> None:
    produce(settings, [visit_planned("C1", "V1", TRIAL)])
    eventually(
        lambda: httpx.get(f"{url}/v1/visits/V1", headers=AUTH).status_code == 200
    )


def post_record(url: str, timeout_s: float = 30) -> httpx.Response | None:
    """The record of V1 under the one key; None when the process died first."""
    try:
        return httpx.post(
            f"{url}/v1/visit-records", json=BODY, headers=AUTH | KEY, timeout=timeout_s
        )
    except httpx.HTTPError:
        return None


def read_model(url: str) -> tuple[list[str], int] | None:
    """V1's record numbers and complaints in the read model, once there."""
    items = httpx.get(
        f"{url}/v1/visit-records", params={"visit_id": "V1"}, headers=AUTH
    ).json()
    found = items["items"]
    if not found or not found[0]["complaints"]:
        return None
    return [r["record_no"] for r in found], len(found[0]["complaints"])


def assert_one_record_on_the_log(settings: Settings, record_no: str) -> None:
    on_log = events_on(settings, SURVEY)
    completed = [e for e in on_log if isinstance(e, VisitCompleted)]
    complaints = [e for e in on_log if isinstance(e, ComplaintRaised)]
    # A relay killed after publishing publishes again: the same ids, which
    # every consumer recognises.
    assert len({e.event_id for e in completed}) == 1
    assert {e.payload.record_no for e in completed} == {record_no}
    assert {e.payload.visit_id for e in completed} == {"V1"}
    assert len({e.event_id for e in complaints}) == 1
    assert {e.payload.record_no for e in complaints} == {record_no}


def assert_healed(url: str, first: httpx.Response | None) -> str:
    """The retry answers the one record; the visit is done, not blocked."""
    retry = httpx.post(
        f"{url}/v1/visit-records", json=BODY, headers=AUTH | KEY, timeout=30
    )
    assert retry.status_code == 201, retry.text
    if first is not None and first.status_code == 201:
        assert retry.json() == first.json()
    record_no: str = retry.json()["record_no"]
    assert record_no == "HF-2026-11-0001"
    numbers, complaints = eventually(lambda: read_model(url), timeout_s=60)
    assert (numbers, complaints) == ([record_no], 1)
    # Done, as a second record under another key is told; not blocked.
    other = httpx.post(
        f"{url}/v1/visit-records",
        json=BODY,
        headers=AUTH | {"Idempotency-Key": "other"},
    )
    assert other.status_code == 409
    assert "done" in other.json()["detail"]

    def done() -> dict[str, Any] | None:
        visit: dict[str, Any] = httpx.get(f"{url}/v1/visits/V1", headers=AUTH).json()
        return visit if visit["status"] == "done" else None

    assert eventually(done)["record_no"] == record_no
    return record_no


# The steps of a command and of the relay; the survey runs no periodic job,
# so a `job.` point never fires in it.
RECORD_POINTS = sorted(p for p in POINTS if not p.startswith("job."))


@pytest.mark.parametrize("point", RECORD_POINTS)
def test_a_survey_killed_at_any_step_of_a_record_loses_and_repeats_nothing(
    settings: Settings, tmp_path: Path, point: str
) -> None:
    faulty, healed = tmp_path / "faulty", tmp_path / "healed"
    faulty.mkdir()
    healed.mkdir()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with running_services(
        settings,
        faulty,
        names=("survey",),
        extra_env={"FOLLOWUP_CRASH_AT": point},
        processes=procs,
    ) as urls:
        plan_and_wait(settings, urls["survey"])
        first = post_record(urls["survey"])
        # The command's own points kill it before it answers; the relay's
        # may come just after the answer (201: the record is committed).
        assert procs["survey"].wait(timeout=60) == -signal.SIGKILL
    if point.startswith("command."):
        assert first is None
    else:
        assert first is None or first.status_code == 201, first.text

    with running_services(settings, healed, names=("survey",)) as urls:
        record_no = assert_healed(urls["survey"], first)
    assert_one_record_on_the_log(settings, record_no)


def broker_pid() -> int:
    """The local Kafka broker's process (deploy/local/stack.sh runs one)."""
    found = subprocess.run(
        ["pgrep", "-f", r"kafka\.Kafka"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(found) == 1, f"expected one local broker, found {found}"
    return int(found[0])


STALL_S = 10


def test_a_produce_stalled_past_every_timeout_then_healed_yields_one_record(
    settings: Settings, tmp_path: Path
) -> None:
    timeouts = {
        "FOLLOWUP_PRODUCER_REQUEST_TIMEOUT_MS": "2000",
        "FOLLOWUP_PRODUCER_DELIVERY_TIMEOUT_MS": "4000",
    }
    with running_services(
        settings, tmp_path, names=("survey",), extra_env=timeouts
    ) as urls:
        url = urls["survey"]
        plan_and_wait(settings, url)
        pid = broker_pid()
        stalled_at = time.monotonic()
        os.kill(pid, signal.SIGSTOP)  # other tests share it: keep it short
        answer: Any = None
        try:
            answer = post_record(url, timeout_s=STALL_S + 20)
            # Past the relay's delivery timeout, while the broker is stopped.
            time.sleep(max(0.0, STALL_S - (time.monotonic() - stalled_at)))
        finally:
            os.kill(pid, signal.SIGCONT)
        # One answer: the command committed to PostgreSQL, whatever the log.
        assert answer is not None
        assert answer.status_code == 201, answer.text
        record_no = answer.json()["record_no"]
        numbers, complaints = eventually(lambda: read_model(url), timeout_s=120)
        assert (numbers, complaints) == ([record_no], 1)
        retry = post_record(url)
        assert retry is not None
        assert retry.status_code == 201, retry.text
        assert retry.json() == answer.json()
    assert_one_record_on_the_log(settings, record_no)
