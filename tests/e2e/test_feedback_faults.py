"""The feedback service killed (SIGKILL) at each step of a command, then
restarted without the fault, loses nothing, duplicates nothing and blocks
nothing (issue 7): the ticket takes the retried command (same
Idempotency-Key) and the next one, exactly one `ticket_assigned` is applied;
an SLA breach announced by a process killed mid-announcement is announced
exactly once.

The survey's part (complaints on the survey topic) is played by the tests.
"""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas.catalogue import FEEDBACK
from schemas.survey import ComplaintRaised, ComplaintRaisedPayload
from schemas.types import ComplaintSubject
from services.kit.faults import (
    AFTER_COMMIT,
    BEFORE_COMMIT,
    RELAY_AFTER_PUBLISH,
    RELAY_BEFORE_PUBLISH,
)
from services.kit.settings import Settings
from tests.support.auth import headers
from tests.support.processes import eventually, running_services
from tests.support.survey import events_on, produce

pytestmark = pytest.mark.e2e


# Every call carries an admin key of the test's deployment (issued per test).
AUTH: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _admin_key(settings: Settings) -> None:
    AUTH.clear()
    AUTH.update(headers(settings))


TICKET = "FB-2026-11-0001-1"


def complaint(on: str) -> ComplaintRaised:
    return ComplaintRaised(
        source="test-survey",
        actor="Zhao Min",
        payload=ComplaintRaisedPayload(
            customer_id="C1",
            complaint_id="HF-2026-11-0001-1",
            visit_id="V-1",
            record_no="HF-2026-11-0001",
            subject=ComplaintSubject.PRODUCT_QUALITY,
            description="顾客不满意",
            raised_on=on,
        ),
    )


@contextmanager
def feedback(
    settings: Settings, log_dir: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The feedback service as a process: its URL and the process."""
    log_dir.mkdir()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    extra = {f"FOLLOWUP_{k.upper()}": v for k, v in env.items()}
    with running_services(
        settings, log_dir, names=("feedback",), extra_env=extra, processes=procs
    ) as urls:
        yield urls["feedback"], procs["feedback"]


def opened(settings: Settings, tmp_path: Path, on: str) -> None:
    """A ticket opened from a complaint, by a process running without fault."""
    with feedback(settings, tmp_path / "open") as (url, _):
        produce(settings, [complaint(on)])
        eventually(
            lambda: (
                httpx.get(f"{url}/v1/tickets/{TICKET}", headers=AUTH).status_code == 200
            ),
            timeout_s=60,
        )


def killed(proc: subprocess.Popen[bytes]) -> None:
    """The process died at its crash point (SIGKILL), not otherwise."""
    assert proc.wait(timeout=60) == -9


def post(url: str, path: str, body: dict[str, Any], key: str) -> httpx.Response:
    return httpx.post(
        f"{url}{path}",
        json=body,
        headers=AUTH | {"Idempotency-Key": key},
        timeout=30,
    )


@pytest.mark.parametrize(
    "point", [BEFORE_COMMIT, AFTER_COMMIT, RELAY_BEFORE_PUBLISH, RELAY_AFTER_PUBLISH]
)
def test_a_feedback_killed_at_any_step_of_an_assign_neither_blocks_nor_doubles_it(
    settings: Settings, tmp_path: Path, point: str
) -> None:
    opened(settings, tmp_path, "2026-11-02")
    assign = {"assignee": "张工", "assigned_on": "2026-11-03"}
    with feedback(settings, tmp_path / "faulty", crash_at=point) as (url, proc):
        with suppress(httpx.HTTPError):  # it may die before answering
            post(url, f"/v1/tickets/{TICKET}/assign", assign, "assign-1")
        killed(proc)

    with feedback(settings, tmp_path / "restarted") as (url, _):
        retried = post(url, f"/v1/tickets/{TICKET}/assign", assign, "assign-1")
        eventually(
            lambda: (
                httpx.get(f"{url}/v1/tickets/{TICKET}", headers=AUTH).json()["status"]
                == "assigned"
            ),
            timeout_s=60,
        )
        resolved = post(
            url,
            f"/v1/tickets/{TICKET}/resolve?wait=true",
            {"resolution": "换了断路器", "resolved_on": "2026-11-05"},
            "resolve-1",
        )
        detail = httpx.get(f"{url}/v1/tickets/{TICKET}", headers=AUTH).json()
    assert retried.status_code == 200, retried.text
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["applied"] is True
    assert [h["type"] for h in detail["history"]] == [
        "ticket_opened",
        "ticket_assigned",
        "ticket_resolved",
    ]
    assigned = [e for e in events_on(settings, FEEDBACK) if e.type == "ticket_assigned"]
    # A relay killed after publishing publishes again: the same event id,
    # which every consumer applies once.
    assert {str(e.event_id) for e in assigned} == {retried.json()["event_id"]}


@pytest.mark.parametrize("point", [RELAY_BEFORE_PUBLISH, RELAY_AFTER_PUBLISH])
def test_an_sla_breach_announced_by_a_killed_feedback_is_announced_once(
    settings: Settings, tmp_path: Path, point: str
) -> None:
    today = settings.today()
    opened(settings, tmp_path, str(today - timedelta(days=30)))
    # The daily job runs at its first interval, decides both breaches with
    # their outbox rows, and the relay dies around publishing them.
    with feedback(
        settings,
        tmp_path / "faulty",
        crash_at=point,
        feedback_sla_check_interval_s="3",  # after /readyz answered
    ) as (_, proc):
        killed(proc)

    with feedback(
        settings, tmp_path / "restarted", feedback_sla_check_interval_s="1"
    ) as (url, _):

        def announced() -> list[str] | None:
            history = httpx.get(f"{url}/v1/tickets/{TICKET}", headers=AUTH).json()[
                "history"
            ]
            found = [
                h["detail"]["breach"] for h in history if h["type"] == "ticket_overdue"
            ]
            return sorted(found) if len(found) == 2 else None

        breaches = eventually(announced, timeout_s=60)
        by_api = httpx.post(f"{url}/v1/sla/check", timeout=30, headers=AUTH).json()
    assert breaches == ["assignment", "resolution"]
    assert by_api["announced"] == []
    on_log = [e for e in events_on(settings, FEEDBACK) if e.type == "ticket_overdue"]
    assert len({e.event_id for e in on_log}) == 2
