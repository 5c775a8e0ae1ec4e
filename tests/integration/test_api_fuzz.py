"""Every service's API fuzzed from its own OpenAPI document (schemathesis).

Each service runs in-process on the real broker and database with a little
data seeded first, so that generated ids sometimes hit real rows. For every
operation schemathesis generates valid (positive) and invalid (negative)
requests; every answer must be no 5xx, a documented status code with its
documented content type and a body conforming to the documented schema.
Each service's test prints how many examples it ran and how many 5xx it met
(0), e.g. `fuzz ledger: 6 operations, 240 examples, 0 answers 5xx`.

FOLLOWUP_FUZZ_EXAMPLES sets the examples per operation and generation mode
(default 50: positive and negative, so up to 100 per operation).
"""

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from schemas.envelope import Event
from schemas.schedule import VisitPlanned
from schemas.survey import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    VisitCompleted,
    VisitCompletedPayload,
)
from schemas.types import Channel, ComplaintSubject, Rating, VisitKind
from services.feedback.service import SERVICE as FEEDBACK
from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE as LEDGER
from services.reporting.service import SERVICE as REPORTING
from services.scheduler.service import build_service
from services.survey.service import SERVICE as SURVEY
from tests.support.auth import headers
from tests.support.factories import contract, installed, powered_on, shipped
from tests.support.processes import eventually
from tests.support.scheduler import feed, scheduler_settings
from tests.support.survey import produce, record_body, visit_planned, wait_for_visit

pytestmark = [
    pytest.mark.integration,
    # schemathesis' strategies use `random` inside (its concern, not ours)
    pytest.mark.filterwarnings(
        "ignore::hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

Case = Any  # schemathesis.Case; its type parameters are internal

EXAMPLES = int(os.environ.get("FOLLOWUP_FUZZ_EXAMPLES", "50"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # Invalid input must be refused (dates are read strictly since
    # services.kit.http.IsoDate: `as_of=1e-190` was read as 1970-01-01).
    negative_data_rejection,
]

# Operations not fuzzed, each with its reason. Every other operation of every
# service is fuzzed. (POST /v1/tick and POST /v1/sla/check are fuzzed: each
# test runs on its own isolated deployment, so their announcements change
# nothing another test sees.)
EXCLUDED: dict[str, str] = {}


# A key as a client sends it; the fuzzer's made-up one is replaced by a real
# one of the deployment, a malformed one is sent as it is.
BEARER = re.compile(r"^Bearer [\x21-\x7e]+$")


@dataclass
class Tally:
    """What one service's fuzzing met."""

    operations: int = 0
    examples: int = 0
    server_errors: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def send(
    client: TestClient, case: Case, mode: GenerationMode = GenerationMode.POSITIVE
) -> httpx.Response:
    """The case as an HTTP request through the in-process app.

    The body is serialized here (NaN and Infinity included, as a hostile
    client may send them), not by httpx, which refuses them. The client's
    API key stands for a well-formed key the case made up (so that a valid
    request is authorized); a negative case that leaves the key out or
    malforms it is sent so (and must be refused with 401).
    """
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    given = dict(kwargs.get("headers") or {})
    sent = [str(v) for k, v in given.items() if k.lower() == "authorization"]
    keyed = bool(sent) and all(BEARER.match(v) for v in sent)
    headers = {
        k: v for k, v in given.items() if k.lower() != "authorization" or not keyed
    }
    content: bytes | None = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"]).encode()
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        content = data.encode() if isinstance(data, str) else bytes(data)
    request = client.build_request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=headers,
        content=content,
    )
    if mode is GenerationMode.NEGATIVE and not keyed:
        del request.headers["authorization"]
    response: httpx.Response = client.send(request)
    return response


def fuzz(
    client: TestClient,
    service: str,
    known: dict[str, list[str]],
) -> Tally:
    """Run schemathesis over every operation of the app's OpenAPI document."""
    document = client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    tally = Tally()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"{service}: unusable OpenAPI: {result}"
        operation = result.ok()
        label = operation.label
        if label in EXCLUDED:
            print(f"fuzz {service}: {label} excluded: {EXCLUDED[label]}")
            continue
        tally.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_mode(
                client,
                operation=operation,
                label=label,
                mode=mode,
                known=known,
                tally=tally,
            )
    print(
        f"fuzz {service}: {tally.operations} operations, {tally.examples} examples, "
        f"{tally.server_errors} answers 5xx"
    )
    for label, count in sorted(tally.by_operation.items()):
        print(f"  {label}: {count}")
    return tally


def run_mode(
    client: TestClient,
    *,
    operation: Any,
    label: str,
    mode: GenerationMode,
    known: dict[str, list[str]],
    tally: Tally,
) -> None:
    """`EXAMPLES` generated requests of one mode against one operation."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def example(case: Case, data: st.DataObject) -> None:
        if mode is GenerationMode.POSITIVE:
            use_known_ids(case, known, data.draw)
        response = send(client, case, mode)
        tally.examples += 1
        tally.by_operation[label] = tally.by_operation.get(label, 0) + 1
        if response.status_code >= 500:
            tally.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:
            if len(tally.failures) < 30:
                tally.failures.append(f"{label} [{mode.value}]: {brief(exc)}")

    try:
        example()
    except Unsatisfiable:
        # No parameter or body to break (e.g. GET /healthz): no invalid
        # request exists; said in the output, not skipped silently.
        if mode is not GenerationMode.NEGATIVE:
            raise
        print(f"fuzz: {label} has no invalid input to generate")


def brief(exc: FailureGroup) -> str:
    """A failure's titles, status line and curl command."""
    lines = [line.strip() for line in str(exc).splitlines()]
    kept = [line for line in lines if line.startswith(("- ", "[", "curl ", "`"))]
    return "\n".join(kept)[:2000]


def use_known_ids(
    case: Case,
    known: dict[str, list[str]],
    draw: Callable[[st.SearchStrategy[Any]], Any],
) -> None:
    """Half of the time, a path or query parameter named like a seeded id
    takes a seeded value, so that the fuzzer reaches real rows."""
    for values in (case.path_parameters, case.query):
        if not isinstance(values, dict):
            continue
        for name in list(values):
            if name in known and draw(st.booleans()):
                values[name] = draw(st.sampled_from(known[name]))


def check(tally: Tally) -> None:
    assert tally.server_errors == 0, "\n\n".join(tally.failures)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.examples > 0


@contextmanager
def running(app_settings: Settings, service: Any) -> Iterator[TestClient]:
    with TestClient(
        create_app(service, app_settings), headers=headers(app_settings)
    ) as client:
        yield client


def test_ledger_api_fuzzed(settings: Settings) -> None:
    with running(settings, LEDGER) as client:
        facts = [
            contract("C1", "K1"),
            shipped("C1", "K1", "U1", "2026-03-01"),
            shipped("C1", "K1", "U2", "2026-03-01"),
        ]
        assert client.post("/v1/events?wait=true", json=facts).status_code == 202
        tally = fuzz(
            client,
            "ledger",
            {"customer_id": ["C1"], "contract_id": ["K1"], "store_id": ["S1"]},
        )
    check(tally)


def test_scheduler_api_fuzzed(settings: Settings) -> None:
    own = scheduler_settings(settings)
    with running(own, build_service(own)) as client:
        feed(
            client,
            [
                contract("C1", "K1"),
                shipped("C1", "K1", "U1", "2026-03-01"),
                installed("C1", "U1", "2026-04-01"),
                powered_on("C1", "U1", "2026-05-01"),
            ],
        )
        visits = [v["visit_id"] for v in client.get("/v1/visits").json()["items"]]
        assert visits
        tally = fuzz(
            client,
            "scheduler",
            {"visit_id": visits, "customer_id": ["C1"], "region": ["east"]},
        )
    check(tally)


def test_survey_api_fuzzed(settings: Settings) -> None:
    with running(settings, SURVEY) as client:
        planned: list[VisitPlanned] = [
            visit_planned("C1", f"V-{n}", VisitKind.TRIAL_RUN, unit_id=f"U{n}")
            for n in range(1, 4)
        ]
        produce(settings, planned)
        for v in planned:
            wait_for_visit(client, v.payload.visit_id)
        created = client.post(
            "/v1/visit-records", json=record_body("V-1", VisitKind.TRIAL_RUN)
        )
        assert created.status_code == 201, created.text
        record_no = created.json()["record_no"]
        tally = fuzz(
            client,
            "survey",
            {
                "visit_id": ["V-1", "V-2", "V-3"],
                "record_no": [record_no],
                "customer_id": ["C1"],
                "kind": ["trial_run"],
            },
        )
    check(tally)


def complaint(customer: str, complaint_id: str) -> ComplaintRaised:
    return ComplaintRaised(
        source="test-survey",
        actor="Zhao Min",
        payload=ComplaintRaisedPayload(
            customer_id=customer,
            complaint_id=complaint_id,
            visit_id=f"V-{complaint_id}",
            record_no=complaint_id[:15],
            subject=ComplaintSubject.PRODUCT_QUALITY,
            description="顾客不满意",
            customer_suggestion="尽快处理",
            raised_on="2026-11-02",
        ),
    )


def completed(customer: str, visit_id: str, record_no: str) -> VisitCompleted:
    return VisitCompleted(
        source="test-survey",
        actor="Zhao Min",
        payload=VisitCompletedPayload(
            customer_id=customer,
            visit_id=visit_id,
            kind=VisitKind.TRIAL_RUN,
            record_no=record_no,
            visited_on="2026-11-02",
            visitor="Zhao Min",
            channel=Channel.PHONE,
            product_quality=Rating.DISSATISFIED,
            service_quality=Rating.SATISFIED,
            score=50,
        ),
    )


def test_feedback_api_fuzzed(settings: Settings) -> None:
    with running(settings, FEEDBACK) as client:
        produce(
            settings,
            [
                complaint("C1", "HF-2026-11-0001-1"),
                complaint("C2", "HF-2026-11-0002-1"),
            ],
        )
        tickets = eventually(
            lambda: (
                [t["ticket_id"] for t in client.get("/v1/tickets").json()["items"]]
                if len(client.get("/v1/tickets").json()["items"]) == 2
                else None
            )
        )
        tally = fuzz(
            client,
            "feedback",
            {"ticket_id": tickets, "customer_id": ["C1", "C2"]},
        )
    check(tally)


def test_reporting_api_fuzzed(settings: Settings) -> None:
    with running(settings, REPORTING) as client:
        events: list[Event] = [
            completed("C1", "V-1", "HF-2026-11-0001"),
            complaint("C1", "HF-2026-11-0001-1"),
        ]
        produce(settings, events)
        eventually(lambda: client.get("/v1/reports/periods").json().get("periods"))
        tally = fuzz(client, "reporting", {"period": ["2026-11", "2026-12"]})
    check(tally)


# Regression tests of what the fuzzer found (no broker or database needed:
# the OpenAPI document is built without starting the app).

ALL_SERVICES = {
    "ledger": LEDGER,
    "scheduler": build_service(),
    "survey": SURVEY,
    "feedback": FEEDBACK,
    "reporting": REPORTING,
}


# A period with no activity is an empty report, not an unknown one.
NEVER_404 = {"GET /v1/reports/monthly/{period}"}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def schema_name(response: dict[str, Any]) -> str:
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


@pytest.mark.parametrize("name", sorted(ALL_SERVICES))
def test_every_refusal_is_documented_with_its_real_body(name: str) -> None:
    """Bug: the OpenAPI documented FastAPI's `HTTPValidationError` (loc/msg/
    type) for 422 while every 422 answers the kit's {field, rule} shape, left
    out the 404 of a read by id and the 400 of a body that is not UTF-8, so
    that a client generated from it could not read the refusals."""
    document = create_app(ALL_SERVICES[name], Settings()).openapi()
    wrong: list[str] = []
    for label, operation in operations(document):
        responses = operation["responses"]
        refusable = operation.get("parameters") or "requestBody" in operation
        if refusable and (
            "422" not in responses or schema_name(responses["422"]) != "Unprocessable"
        ):
            wrong.append(f"{label}: 422 not documented as Unprocessable")
        by_id = label.startswith("GET") and label.endswith("}")
        if by_id and label not in NEVER_404 and "404" not in responses:
            wrong.append(f"{label}: 404 not documented")
        if "requestBody" in operation:
            wrong.extend(
                f"{label}: {code} not documented"
                for code in ("400", "413", "415")
                if code not in responses
            )
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert not wrong, "\n".join(wrong)
