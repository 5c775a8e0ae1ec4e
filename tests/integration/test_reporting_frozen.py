"""The frozen monthly report (issue 11, issue 16's distribution): a closed
period's report is what was handed out; records that arrive later are listed
as amendments beside it and never change it; freezing is idempotent, by the
daily job or on demand."""

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.kit.db import connect
from services.kit.jobs import run_due
from services.kit.producer import EventProducer
from services.kit.service import Runtime, create_app
from services.kit.settings import Settings
from services.reporting.domain.freezing import canonical, content_hash
from services.reporting.jobs import FREEZE
from services.reporting.service import SERVICE
from tests.integration.test_reporting import (
    check_november,
    completed,
    deliver,
    november_events,
)
from tests.support import auth

pytestmark = pytest.mark.integration

URL = "/v1/reports/monthly/2026-11"


@pytest.fixture
def producer(settings: Settings) -> Iterator[EventProducer]:
    p = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    yield p
    p.close()


def body_of(report: dict[str, Any]) -> dict[str, Any]:
    """The report as frozen: without how it was frozen and its amendments."""
    return {k: v for k, v in report.items() if k not in {"frozen", "amendments"}}


def frozen_rows(settings: Settings) -> list[tuple[Any, ...]]:
    schema = settings.store_schema_for("reporting")
    with connect(settings.database_url, schema) as conn:
        return conn.execute(
            "SELECT period, content_hash, frozen_at FROM frozen_reports ORDER BY 1"
        ).fetchall()


def test_a_closed_period_stays_as_handed_out_and_late_records_are_amendments(
    settings: Settings, producer: EventProducer
) -> None:
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings, "dashboard"))
        admin = auth.headers(settings, "admin")
        deliver(client, producer, november_events())
        open_report = client.get(URL).json()
        assert open_report["frozen"] is None  # not frozen yet: live
        # Only an admin key triggers the job's work.
        assert client.post(f"{URL}/freeze").status_code == 403
        frozen = client.post(f"{URL}/freeze", headers=admin)
        assert frozen.status_code == 200, frozen.text
        first = client.get(URL)
        report = first.json()

        # Late records dated inside the closed period, and one after it.
        late = [
            completed("HF-2026-11-0099", "V7", "2026-11-24", "DD", 40),
            completed("HF-2026-11-0098", "V8", "2026-10-27", "SS", 100),
            completed("HF-2026-12-0001", "V5", "2026-11-27", "SS", 100),
        ]
        deliver(client, producer, late)
        second = client.get(URL)
        again = client.post(f"{URL}/freeze", headers=admin).json()
        live = client.get(URL, params={"live": "true"}).json()
        xlsx = client.get(f"{URL}.xlsx")

    check_november(report)
    assert body_of(report) == body_of(open_report)
    meta = report["frozen"]
    assert meta == frozen.json()
    # The stored bytes are the canonical JSON of the body; anyone can check it.
    assert meta["content_hash"] == content_hash(canonical(body_of(report)))
    assert sum(p["next_offset"] for p in meta["positions"]) >= len(november_events())
    assert [(r["recipient"], r["kind"]) for r in meta["distribution"]] == [
        ("leadership", "leadership"),
        ("after_sales", "department"),
        ("quality", "department"),
        ("technical", "department"),
    ]
    assert {r["handed_at"] for r in meta["distribution"]} == {meta["frozen_at"]}
    assert report["amendments"] == []

    # Byte-identical after the late records; they are listed, not counted.
    later = second.json()
    assert canonical(body_of(later)) == canonical(body_of(report))
    assert later["frozen"] == meta
    assert [a["record_no"] for a in later["amendments"]] == [
        "HF-2026-11-0098",
        "HF-2026-11-0099",
    ]
    assert later["amendments"][1] == {
        "record_no": "HF-2026-11-0099",
        "customer_id": "C3",
        "kind": "trial_run",
        "visited_on": "2026-11-24",
        "product_quality": "dissatisfied",
        "service_quality": "dissatisfied",
        "score": 40,
    }
    # Freezing again changes nothing; the live view counts the late records.
    assert again == meta
    assert live["frozen"] is None
    assert live["records"] == report["records"] + 2
    assert xlsx.status_code == 200
    assert len(frozen_rows(settings)) == 1


def test_the_daily_job_freezes_the_day_after_the_cutoff_once(
    settings: Settings, producer: EventProducer
) -> None:
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings, "dashboard"))
        deliver(client, producer, november_events())
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

        def run_until(day: date) -> int:
            job = dataclasses.replace(
                FREEZE,
                today=lambda _r: day,
                first_date=lambda _r, _t: date(2026, 11, 24),
            )
            with connect(
                settings.database_url, [runtime.store_schema, runtime.schema]
            ) as conn:
                conn.autocommit = True
                return run_due(runtime, job, conn, 10.0)

        assert run_until(date(2026, 11, 25)) == 2  # 24th, 25th: nothing closes
        assert frozen_rows(settings) == []
        assert run_until(date(2026, 11, 27)) == 2  # the 26th freezes 2026-11
        rows = frozen_rows(settings)
        assert run_until(date(2026, 11, 27)) == 0  # already run for these dates
        report = client.get(URL).json()
        live = client.get(URL, params={"live": "true"}).json()
    assert [r[0] for r in rows] == ["2026-11"]
    assert frozen_rows(settings) == rows
    assert report["frozen"]["frozen_on"] == "2026-11-26"
    assert report["frozen"]["content_hash"] == rows[0][1]
    assert json.loads(canonical(body_of(report))) == body_of(live)


def test_a_deployment_started_after_a_cutoff_freezes_the_closed_period(
    settings: Settings, producer: EventProducer
) -> None:
    """The job's first run starts at the latest freeze date on or before
    today (the real FREEZE's first date), so a deployment first started on
    2026-12-03 still freezes 2026-11 (closed by 11-26), with that date."""
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings, "dashboard"))
        deliver(client, producer, november_events())
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        job = dataclasses.replace(FREEZE, today=lambda _r: date(2026, 12, 3))
        with connect(
            settings.database_url, [runtime.store_schema, runtime.schema]
        ) as conn:
            conn.autocommit = True
            ran = run_due(runtime, job, conn, 10.0)
        report = client.get(URL).json()
    assert ran == 8  # 11-26 .. 12-03
    assert [r[0] for r in frozen_rows(settings)] == ["2026-11"]
    assert report["frozen"]["frozen_on"] == "2026-11-26"
    check_november(report)
