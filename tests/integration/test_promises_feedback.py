"""README promises of the feedback service no other test checks: the ticket
list's filters together, assigning to another department, the SLA job firing
on its own interval, a poison record dead-lettered with every promised header,
and `/readyz` answering 503 with the error and recovering.

The survey's part (complaints on the survey topic) is played by the tests."""

import time
from datetime import date, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from psycopg import sql

from schemas.catalogue import FEEDBACK, SURVEY, dead_letter_topic
from schemas.types import ComplaintSubject
from services.feedback.service import SERVICE
from services.feedback.settings import FeedbackSettings
from services.kit import kafka_auth
from services.kit.service import create_app
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.integration.test_feedback_api import complaint, tickets_of
from tests.support.auth import headers
from tests.support.processes import eventually
from tests.support.survey import end_offset, events_on, produce

pytestmark = pytest.mark.integration

PRODUCT = ComplaintSubject.PRODUCT_QUALITY
SERVICE_QUALITY = ComplaintSubject.SERVICE_QUALITY
TODAY = date(2026, 12, 31)  # after every date named here


def pinned(settings: Settings, **overrides: Any) -> FeedbackSettings:
    """The test's deployment as feedback's settings, "today" pinned, the
    background SLA job an hour away unless the test says otherwise."""
    values = {
        **settings.model_dump(),
        "clock_date": TODAY,
        "feedback_sla_check_interval_s": 3600,
        **overrides,
    }
    return FeedbackSettings(**values)


def feedback(settings: Settings) -> TestClient:
    return TestClient(create_app(SERVICE, settings), headers=headers(settings))


def ids(page: Any) -> list[str]:
    assert page.status_code == 200, page.text
    return [t["ticket_id"] for t in page.json()["items"]]


def test_tickets_are_filtered_by_subject_status_and_month_together(
    settings: Settings,
) -> None:
    own = pinned(settings)
    with feedback(own) as client:
        produce(
            own,
            [
                complaint("C1", "HF-2026-11-0001-1", PRODUCT, "2026-11-02"),
                complaint("C1", "HF-2026-11-0001-2", SERVICE_QUALITY, "2026-11-02"),
                complaint("C2", "HF-2026-12-0002-1", PRODUCT, "2026-12-01"),
                complaint("C3", "HF-2026-11-0003-1", PRODUCT, "2026-11-03"),
            ],
        )
        tickets_of(client, 4)
        # Assigned to quality, away from production where its subject put it.
        moved = client.post(
            "/v1/tickets/FB-2026-11-0003-1/assign?wait=true",
            json={
                "assignee": "孙工",
                "department": "quality",
                "assigned_on": "2026-11-04",
            },
        )
        assert moved.status_code == 200, moved.text

        def listed(**params: str) -> list[str]:
            return sorted(ids(client.get("/v1/tickets", params=params)))

        together = listed(subject="product_quality", status="open", month="2026-11")
        product_november = listed(subject="product_quality", month="2026-11")
        assigned = listed(status="assigned")
        at_quality = listed(department="quality")
        at_production = listed(department="production")
        december = listed(month="2026-12")
        detail = client.get("/v1/tickets/FB-2026-11-0003-1").json()
    assert together == ["FB-2026-11-0001-1"]
    assert product_november == ["FB-2026-11-0001-1", "FB-2026-11-0003-1"]
    assert assigned == ["FB-2026-11-0003-1"]
    assert at_quality == ["FB-2026-11-0003-1"]
    assert at_production == ["FB-2026-11-0001-1", "FB-2026-12-0002-1"]
    assert december == ["FB-2026-12-0002-1"]
    assert (detail["department"], detail["assignee"], detail["status"]) == (
        "quality",
        "孙工",
        "assigned",
    )
    (assignment,) = [e for e in events_on(own, FEEDBACK) if e.type == "ticket_assigned"]
    assert assignment.payload.department == "quality"


def job_settled(settings: Settings, job: str, on: date) -> bool:
    """Whether `job` recorded `on` as run and feedback's outbox is drained."""
    with psycopg.connect(settings.database_url) as conn:
        store = sql.Identifier(settings.store_schema_for("feedback"))
        row = conn.execute(
            sql.SQL("SELECT last_date FROM {}.job_runs WHERE job = %s").format(store),
            (job,),
        ).fetchone()
        unsent = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {}.outbox"
                " WHERE sent_at IS NULL AND failed IS NULL"
            ).format(store)
        ).fetchone()
    return row is not None and row[0] == on and unsent is not None and unsent[0] == 0


def test_the_sla_job_fires_on_its_own_interval_and_announces_each_breach_once(
    settings: Settings,
) -> None:
    clock = date(2026, 11, 20)  # assignment due 11-04, resolution 11-17: both late
    own = pinned(settings, clock_date=clock, feedback_sla_check_interval_s=0.2)
    # The complaint is on the log before the service starts: the job's first
    # round (0.2 s in) waits for the reactions to apply it, so it is not
    # missed whatever the order of startup.
    ensure_topics(
        own.kafka_bootstrap, catalogue_topics(own.topic_prefix), own.partitions, 1
    )
    produce(own, [complaint("C1", "HF-2026-11-0001-1", PRODUCT, "2026-11-02")])
    with feedback(own) as client:
        # No call to /v1/sla/check and no run_due: only the job announces.
        deadline = time.monotonic() + 30
        while not job_settled(own, "feedback.sla_sweep", clock):
            assert time.monotonic() < deadline, "the SLA job did not fire by itself"
            time.sleep(0.2)
        settled = end_offset(own, FEEDBACK)
        time.sleep(1.0)  # five more intervals
        after = end_offset(own, FEEDBACK)
        ticket = client.get("/v1/tickets/FB-2026-11-0001-1").json()
    announced = [e for e in events_on(own, FEEDBACK) if e.type == "ticket_overdue"]
    assert sorted(e.payload.breach for e in announced) == [
        "assignment",
        "resolution",
    ]
    on = {str(e.payload.announced_on) for e in announced}
    assert on == {"2026-11-20"}
    assert after == settled
    assert ticket["status"] == "open"


def raw_producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        **kafka_auth.options_for(settings),
    )


def dead_letters_of(settings: Settings) -> list[Any]:
    """Every record on feedback's dead-letter topic."""
    name = dead_letter_topic(settings.topic_prefix, "feedback")
    reader = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        **kafka_auth.options_for(settings),
    )
    try:
        parts = [TopicPartition(name, p) for p in reader.partitions_for_topic(name)]
        reader.assign(parts)
        reader.seek_to_beginning()
        ends = reader.end_offsets(parts)
        found: list[Any] = []
        while any(reader.position(p) < ends[p] for p in parts):
            for records in reader.poll(timeout_ms=500).values():
                found += records
        return found
    finally:
        reader.close()


def test_a_poison_record_is_dead_lettered_with_every_header_and_the_partition_moves_on(
    settings: Settings,
) -> None:
    own = pinned(settings)
    with feedback(own) as client:
        survey_topic = SURVEY.full_name(own.topic_prefix)
        producer = raw_producer(own)
        try:
            sent = producer.send(survey_topic, key=b"C1", value=b"{not json").get(30)
        finally:
            producer.close()
        # Behind it, on the same partition (same key), a good complaint.
        produce(own, [complaint("C1", "HF-2026-11-0001-1", PRODUCT, "2026-11-02")])
        (ticket,) = tickets_of(client, 1, customer_id="C1")
        letters = eventually(lambda: dead_letters_of(own) or None)
    (letter,) = letters
    assert letter.value == b"{not json"
    assert letter.key == b"C1"
    got = {k: v.decode() for k, v in letter.headers}
    assert got["dlq.consumer"] == "feedback.reactions"
    assert got["dlq.topic"] == survey_topic
    assert got["dlq.partition"] == str(sent.partition)
    assert got["dlq.offset"] == str(sent.offset)
    assert got["dlq.reason"]  # why, in words
    failed_at = datetime.fromisoformat(got["dlq.failed_at"])
    assert failed_at.tzinfo is not None
    assert ticket["ticket_id"] == "FB-2026-11-0001-1"


def test_ready_answers_503_with_the_error_while_the_read_model_is_broken_and_recovers(
    settings: Settings,
) -> None:
    own = pinned(settings)
    views = own.schema_for("feedback")
    with feedback(own) as client:
        eventually(lambda: client.get("/readyz").status_code == 200 or None)
        with psycopg.connect(own.database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER TABLE {}.consumer_positions RENAME TO broken").format(
                    sql.Identifier(views)
                )
            )
        # The reactions open the ticket; the read model cannot apply it.
        produce(own, [complaint("C1", "HF-2026-11-0001-1", PRODUCT, "2026-11-02")])

        def broken() -> dict[str, Any] | None:
            answer = client.get("/readyz")
            body: dict[str, Any] = answer.json()
            return body if answer.status_code == 503 and "last_error" in body else None

        reported = eventually(broken)
        listed_while_broken = ids(client.get("/v1/tickets"))
        with psycopg.connect(own.database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER TABLE {}.broken RENAME TO consumer_positions").format(
                    sql.Identifier(views)
                )
            )

        def recovered() -> dict[str, Any] | None:
            answer = client.get("/readyz")
            body: dict[str, Any] = answer.json()
            return (
                body if answer.status_code == 200 and "last_error" not in body else None
            )

        ready = eventually(recovered)
        (ticket,) = tickets_of(client, 1)
    assert reported["ready"] is False
    assert reported["projection"] == "stopped"
    assert "consumer_positions" in reported["last_error"]
    assert listed_while_broken == []
    assert ready["ready"] is True
    assert ready["projection"] == "running"
    assert ticket["ticket_id"] == "FB-2026-11-0001-1"
