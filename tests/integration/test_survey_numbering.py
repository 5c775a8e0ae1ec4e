"""Record numbers with two survey replicas: two apps on the same settings share
the schema, the topics and the consumer group, as two processes would."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.catalogue import SURVEY
from schemas.survey import VisitCompleted
from schemas.types import VisitKind
from services.kit.service import create_app
from services.kit.settings import Settings
from services.survey.domain.numbering import parse_record_no
from services.survey.service import SERVICE
from tests.support.auth import headers
from tests.support.survey import (
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

TRIAL = VisitKind.TRIAL_RUN
VISITS_PER_REPLICA = 15


def test_two_replicas_never_hand_out_one_number_twice(settings: Settings) -> None:
    visits = [f"V{i:02d}" for i in range(2 * VISITS_PER_REPLICA)]
    with (
        TestClient(create_app(SERVICE, settings), headers=headers(settings)) as one,
        TestClient(create_app(SERVICE, settings), headers=headers(settings)) as two,
    ):
        produce(
            settings,
            [visit_planned(f"C{i % 7}", v, TRIAL) for i, v in enumerate(visits)],
        )
        for v in visits:
            wait_for_visit(one, v)
            wait_for_visit(two, v)

        def record(replica: TestClient, mine: list[str]) -> list[str]:
            # One visitor per replica, entering records one after another.
            numbers = []
            for v in mine:
                response = replica.post("/v1/visit-records", json=record_body(v, TRIAL))
                assert response.status_code == 201, response.text
                numbers.append(response.json()["record_no"])
            return numbers

        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(record, one, visits[::2])
            second = pool.submit(record, two, visits[1::2])
            by_replica = [first.result(), second.result()]

    numbers = [n for replica in by_replica for n in replica]
    seqs = sorted(parse_record_no(n).seq for n in numbers)
    assert seqs == list(range(1, 2 * VISITS_PER_REPLICA + 1))  # distinct, no gap
    assert all(n.startswith("HF-2026-11-") for n in numbers)
    for replica in by_replica:
        assert replica == sorted(replica)  # increasing as each visitor goes on
    on_log = [e for e in events_on(settings, SURVEY) if isinstance(e, VisitCompleted)]
    assert sorted(e.payload.record_no for e in on_log) == sorted(numbers)


def test_one_visit_posted_to_both_replicas_at_once_gets_one_record(
    settings: Settings,
) -> None:
    with (
        TestClient(create_app(SERVICE, settings), headers=headers(settings)) as one,
        TestClient(create_app(SERVICE, settings), headers=headers(settings)) as two,
    ):
        produce(settings, [visit_planned("C1", f"V{i}", TRIAL) for i in range(10)])
        for i in range(10):
            wait_for_visit(one, f"V{i}")
            wait_for_visit(two, f"V{i}")

        def post(replica: TestClient, visit_id: str) -> Any:
            return replica.post("/v1/visit-records", json=record_body(visit_id, TRIAL))

        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = [
                (f"V{i}", pool.submit(post, replica, f"V{i}"))
                for i in range(10)
                for replica in (one, two)
            ]
            results = [(v, f.result()) for v, f in futures]

    for i in range(10):
        codes = sorted(r.status_code for v, r in results if v == f"V{i}")
        assert codes == [201, 409], (f"V{i}", codes)
    on_log = [e for e in events_on(settings, SURVEY) if isinstance(e, VisitCompleted)]
    assert sorted(e.payload.visit_id for e in on_log) == sorted(
        f"V{i}" for i in range(10)
    )
    # A refused claim gives its number back: no gap.
    assert sorted(parse_record_no(e.payload.record_no).seq for e in on_log) == list(
        range(1, 11)
    )
