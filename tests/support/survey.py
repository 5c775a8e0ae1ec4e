"""Helpers of the survey, feedback and closed-loop integration tests (no tests
here): playing the scheduler's part on the real broker, reading what a topic
holds, and filling in questionnaires.

They live beside the tests that use them because those tests own no other
path; they would sit well in tests/support/.
"""

from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition

from schemas.catalogue import AnyEvent, Topic
from schemas.codec import decode
from schemas.envelope import Event
from schemas.schedule import VisitPlanned, VisitPlannedPayload
from schemas.types import Channel, VisitKind
from services.kit import kafka_auth
from services.kit.producer import EventProducer
from services.kit.settings import Settings
from services.survey.domain.questionnaires import questionnaire_for
from services.survey.domain.questions import AnswerType, Question
from tests.support.processes import eventually


def visit_planned(
    customer: str,
    visit_id: str,
    kind: VisitKind,
    due: str = "2026-11-15",
    **subject: str,
) -> VisitPlanned:
    """What the scheduler appends when it plans a visit (unit_id=..., etc.)."""
    return VisitPlanned(
        source="test-scheduler",
        actor="scheduler",
        payload=VisitPlannedPayload(
            customer_id=customer,
            visit_id=visit_id,
            kind=kind,
            due_date=due,
            latest_date=due,
            channel=Channel.PHONE,
            policy_version="test",
            **subject,
        ),
    )


def produce(settings: Settings, events: Sequence[Event]) -> None:
    """Append events as another service would (acks=all, idempotent)."""
    producer = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    try:
        producer.publish(events)
    finally:
        producer.close()


def _partitions(consumer: KafkaConsumer, name: str) -> list[TopicPartition]:
    return [TopicPartition(name, p) for p in consumer.partitions_for_topic(name)]


def end_offset(settings: Settings, topic: Topic) -> int:
    """How many records a topic holds, over all its partitions."""
    consumer = KafkaConsumer(
        **kafka_auth.options_for(settings), bootstrap_servers=settings.kafka_bootstrap
    )
    try:
        ends = consumer.end_offsets(
            _partitions(consumer, topic.full_name(settings.topic_prefix))
        )
        return sum(ends.values())
    finally:
        consumer.close()


def events_on(settings: Settings, topic: Topic) -> list[AnyEvent]:
    """Every event a topic holds now, decoded (order only within a partition)."""
    consumer = KafkaConsumer(
        **kafka_auth.options_for(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
    )
    try:
        partitions = _partitions(consumer, topic.full_name(settings.topic_prefix))
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        events: list[AnyEvent] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                events.extend(decode(r.value) for r in records)
        return events
    finally:
        consumer.close()


def content(question: Question) -> Any:
    """The answer of a customer with nothing to report: satisfied, no defect
    and no service wanted, the first option of a choice; None for a question
    a customer may leave blank (free text, "which are needed")."""
    match question.answer_type:
        case AnswerType.RATING:
            return "satisfied"
        case AnswerType.YES_NO:
            return question.raised_by is False if question.raises else False
        case AnswerType.CHOICE:
            return question.options[-1].id
        case _:
            return None


def answers(kind: VisitKind, **overrides: Any) -> dict[str, Any]:
    """The checklist of `kind` answered without complaint, then `overrides`."""
    given: dict[str, Any] = {
        q.id: value
        for q in questionnaire_for(kind).questions
        if (value := content(q)) is not None
    }
    return given | overrides


def record_body(visit_id: str, kind: VisitKind, **fields: Any) -> dict[str, Any]:
    """A complete, content visit record for a visit of `kind`."""
    retail = kind is VisitKind.RETAIL_FOLLOWUP
    body: dict[str, Any] = {
        "visit_id": visit_id,
        "visited_on": "2026-11-20",
        "visitor": "Zhao Min",
        "channel": "phone",
        "answers": answers(kind),
        "product_quality": None if retail else "satisfied",
        "service_quality": None if retail else "satisfied",
    }
    return body | fields


def wait_for_visit(client: TestClient, visit_id: str) -> dict[str, Any]:
    """The survey's view of a visit, once it has read the visit's plan."""

    def seen() -> dict[str, Any] | None:
        response = client.get(f"/v1/visits/{visit_id}")
        return response.json() if response.status_code == 200 else None

    found: dict[str, Any] = eventually(seen)
    return found
