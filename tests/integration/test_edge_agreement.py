"""What the API accepts, every consumer applies; what it refuses leaves the
log untouched (issue 8: "A property test that the edge and the consumers
agree").

Hypothesis generates ledger facts reaching the limits of schemas/limits.py
(longest ids and names, largest amount and quantity, boundary dates, Chinese,
emoji, tabs and newlines). Each one is accepted by the ledger API (202), then
applied by every consuming service's handler (read models and reactions, and
what the reactions derive, in turn) on the real PostgreSQL, each in its own
fresh schemas, without raising. The converse: invalid facts are refused with
4xx and nothing is appended. Then the commands of the survey, the scheduler
and feedback at their limits (each case answered 201 or 500 before).
"""

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from schemas.catalogue import FEEDBACK, LEDGER, SCHEDULE, SURVEY, Topic
from schemas.codec import decode_obj
from schemas.envelope import Event
from schemas.limits import (
    FIRST_DATE,
    MAX_AMOUNT,
    MAX_ID,
    MAX_NAME,
    MAX_QUANTITY,
    MAX_TEXT,
    machine_today,
    not_after_years_ahead,
)
from schemas.types import VisitKind
from services.feedback.service import SERVICE as FEEDBACK_SERVICE
from services.kit.db import STORE, VIEWS, connect_async, migrate
from services.kit.projection import Projection
from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE as LEDGER_SERVICE
from services.reporting.service import SERVICE as REPORTING_SERVICE
from services.scheduler.service import SERVICE as SCHEDULER_SERVICE
from services.survey.service import SERVICE as SURVEY_SERVICE
from tests.support.auth import headers
from tests.support.factories import contract, envelope, shipped
from tests.support.survey import (
    end_offset,
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

TOPICS = (LEDGER, SCHEDULE, SURVEY, FEEDBACK)
CONSUMERS = (
    LEDGER_SERVICE,
    SCHEDULER_SERVICE,
    SURVEY_SERVICE,
    FEEDBACK_SERVICE,
    REPORTING_SERVICE,
)
TODAY = machine_today()
LAST_FACT = next(
    TODAY + timedelta(days=d)
    for d in range(5 * 366, 0, -1)
    if not_after_years_ahead(TODAY, TODAY + timedelta(days=d), 5)
)


def topic_of(event: Event) -> Topic:
    return next(t for t in TOPICS if type(event) in t.events)


class Consumers:
    """Every service's projection and reactions, each on fresh schemas of its
    own, applying an event (and what it derives) as the kit's runner does."""

    def __init__(self, settings: Settings, tmp: Path) -> None:
        self.url = settings.database_url
        self.handlers: list[tuple[Projection, list[str]]] = []
        for service in CONSUMERS:
            views = f"{settings.schema_prefix}edge_{service.name}"
            store = f"{views}_store"
            migrate(self.url, views, service.migrations, VIEWS)
            if (service.migrations / STORE).is_dir() or service.reactions:
                migrate(self.url, store, service.migrations, STORE)
            if service.projection:
                self.handlers.append((service.projection, [views, store]))
            if service.reactions:
                self.handlers.append((service.reactions, [store]))

    def apply(self, events: list[Event]) -> int:
        """Apply `events` and what they derive; return how many were applied."""
        return asyncio.run(self._apply(events))

    async def _apply(self, events: list[Event]) -> int:
        applied = 0
        pending = list(events)
        while pending:
            event = pending.pop(0)
            topic = topic_of(event)
            for projection, path in self.handlers:
                if topic not in projection.topics:
                    continue
                conn = await connect_async(self.url, path)
                try:
                    async with conn.transaction(), conn.cursor() as cur:
                        derived = await projection.handle(cur, event)  # type: ignore[arg-type]
                        if projection.handle_batch is not None:
                            await projection.handle_batch(cur, [event])  # type: ignore[list-item]
                finally:
                    await conn.close()
                applied += 1
                pending.extend(derived)
        return applied


@pytest.fixture
def consumers(settings: Settings, tmp_path: Path) -> Consumers:
    return Consumers(settings, tmp_path)


@pytest.fixture
def ledger(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(LEDGER_SERVICE, settings), headers=headers(settings)
    ) as client:
        yield client


# -- strategies reaching the limits -------------------------------------------

_ID_CHARS = "".join(chr(c) for c in range(0x21, 0x7F))
_TEXT_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
ids = st.one_of(
    st.sampled_from(["C1", "C2", "U1", "K1"]),
    st.just("I" * MAX_ID),
    st.text(alphabet=_ID_CHARS, min_size=1, max_size=MAX_ID),
)
names = st.one_of(
    st.just("张" * MAX_NAME),
    st.just("😀" * MAX_NAME),
    st.just("变电站 😀 Ü"),
    st.text(alphabet=_TEXT_CHARS, min_size=1, max_size=MAX_NAME),
)
phones = st.text(alphabet=_TEXT_CHARS, min_size=3, max_size=32)
amounts = st.one_of(
    st.just(MAX_AMOUNT),
    st.just(Decimal("0.00")),
    st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2),
)
quantities = st.one_of(st.just(MAX_QUANTITY), st.integers(1, MAX_QUANTITY))
fact_dates = st.one_of(
    st.just(FIRST_DATE),
    st.just(LAST_FACT),
    st.dates(min_value=FIRST_DATE, max_value=LAST_FACT),
).map(date.isoformat)


@st.composite
def facts(draw: st.DrawFn) -> dict[str, Any]:
    customer, unit = draw(ids), draw(ids)
    kind = draw(
        st.sampled_from(["contract", "shipped", "installed", "powered_on", "delivered"])
    )
    if kind == "contract":
        payload: dict[str, Any] = {
            "customer_id": customer,
            "customer_name": draw(names),
            "contract_id": draw(ids),
            "project_name": draw(names),
            "amount": str(draw(amounts)),
            "region": draw(names),
            "power_contact": {"name": draw(names), "phone": draw(phones)},
            "substation_contact": {"name": draw(names), "phone": draw(phones)},
            "signed_on": draw(fact_dates),
        }
        return envelope("contract_registered", payload)
    if kind == "shipped":
        payload = {
            "customer_id": customer,
            "contract_id": draw(ids),
            "unit_id": unit,
            "product_model": draw(names),
            "quantity": draw(quantities),
            "serial_numbers": draw(st.lists(ids, max_size=5)),
            "ship_date": draw(fact_dates),
        }
        return envelope("shipped", payload)
    if kind == "delivered":
        payload = {
            "customer_id": customer,
            "store_id": draw(ids),
            "order_id": unit,
            "delivered_date": draw(fact_dates),
            "mode": draw(st.sampled_from(["delivery", "pickup"])),
            "customer_name": draw(names),
            "phone": draw(phones),
            "region": draw(names),
        }
        return envelope("delivered", payload)
    field = "installed_date" if kind == "installed" else "power_on_date"
    payload = {"customer_id": customer, "unit_id": unit, field: draw(fact_dates)}
    return envelope(kind, payload)


def _broken(fact: dict[str, Any], how: str) -> dict[str, Any]:
    payload = dict(fact["payload"])
    match how:
        case "long id":
            payload["customer_id"] = "C" * (MAX_ID + 1)
        case "space in id":
            payload["customer_id"] = "C 1"
        case "NUL":
            payload["customer_id"] = "C\x00"
        case "control in name":
            payload["customer_name" if "customer_name" in payload else "unit_id"] = (
                "a\x1bb"
            )
        case "too far ahead":
            key = next(k for k in payload if k.endswith(("_date", "_on")))
            payload[key] = (LAST_FACT + timedelta(days=1)).isoformat()
        case "before 2000":
            key = next(k for k in payload if k.endswith(("_date", "_on")))
            payload[key] = "1999-12-31"
        case "far future":
            key = next(k for k in payload if k.endswith(("_date", "_on")))
            payload[key] = "9999-12-25"
    return {**fact, "payload": payload}


invalid_facts = st.tuples(
    facts(),
    st.sampled_from(
        [
            "long id",
            "space in id",
            "NUL",
            "control in name",
            "too far ahead",
            "before 2000",
            "far future",
        ]
    ),
).map(lambda pair: _broken(*pair))
invalid_numbers = st.one_of(
    st.tuples(
        st.just("amount"),
        st.sampled_from(["10000000000000.00", "-1", "0.001", "NaN", "Infinity"]),
    ),
    st.tuples(
        st.just("quantity"), st.sampled_from([0, -1, MAX_QUANTITY + 1, 3_000_000_000])
    ),
)

PROPERTY = hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(fact=facts())
def test_every_fact_the_ledger_accepts_every_consumer_applies(
    ledger: TestClient, consumers: Consumers, fact: dict[str, Any]
) -> None:
    answer = ledger.post("/v1/events", json=fact)
    assert answer.status_code == 202, answer.text
    event = decode_obj({**fact, "event_id": answer.json()["event_ids"][0]})
    assert consumers.apply([event]) >= 2  # the ledger's, the scheduler's, ...


def _on_log(settings: Settings) -> int:
    return end_offset(settings, LEDGER)


@PROPERTY
@given(fact=invalid_facts)
def test_an_invalid_fact_is_refused_with_4xx_and_nothing_is_appended(
    settings: Settings, ledger: TestClient, fact: dict[str, Any]
) -> None:
    before = _on_log(settings)
    answer = ledger.post("/v1/events", json=[fact])
    assert 400 <= answer.status_code < 500, answer.text
    assert _on_log(settings) == before


@PROPERTY
@given(number=invalid_numbers)
def test_an_out_of_range_number_is_refused_with_4xx_and_nothing_is_appended(
    settings: Settings, ledger: TestClient, number: tuple[str, Any]
) -> None:
    field, value = number
    if field == "amount":
        fact = contract("C1", "K1")
    else:
        fact = shipped("C1", "K1", "U1", "2026-02-01")
    broken = {**fact, "payload": {**fact["payload"], field: value}}
    before = _on_log(settings)
    answer = ledger.post("/v1/events", json=[broken])
    assert 400 <= answer.status_code < 500, answer.text
    assert _on_log(settings) == before


# -- commands at their limits (each answered 201 or 500 before) --------------

TRIAL = VisitKind.TRIAL_RUN
LONGEST = ("😀\t意见\n" * MAX_TEXT)[:MAX_TEXT]


@pytest.fixture
def survey(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(SURVEY_SERVICE, settings), headers=headers(settings)
    ) as client:
        yield client


def _plan(client: TestClient, settings: Settings, visit_id: str) -> None:
    produce(settings, [visit_planned("C1", visit_id, TRIAL, unit_id="U1")])
    wait_for_visit(client, visit_id)


def test_600_kb_of_suggestions_is_a_422_naming_the_field(
    settings: Settings, survey: TestClient
) -> None:
    """Before: 201, then a derived complaint_raised of 1.2 MB the broker
    refused, retried for ever."""
    _plan(survey, settings, "V1")
    before = end_offset(settings, SURVEY)
    answer = survey.post(
        "/v1/visit-records",
        json=record_body("V1", TRIAL, suggestions="意" * 600_000),
    )
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["detail"]] == ["suggestions"]
    assert end_offset(settings, SURVEY) == before


def test_a_visit_or_attempt_after_today_is_a_422_not_in_the_future(
    settings: Settings, survey: TestClient
) -> None:
    """Before: `visited_on` 9999-12-25 was accepted and overflowed the
    ticket's SLA deadline downstream; tomorrow was accepted too."""
    _plan(survey, settings, "V1")
    tomorrow = (Settings().today() + timedelta(days=1)).isoformat()
    before = end_offset(settings, SURVEY)
    record = survey.post(
        "/v1/visit-records", json=record_body("V1", TRIAL, visited_on=tomorrow)
    )
    far = survey.post(
        "/v1/visit-records", json=record_body("V1", TRIAL, visited_on="9999-12-25")
    )
    past = survey.post(
        "/v1/visit-records", json=record_body("V1", TRIAL, visited_on="1999-12-31")
    )
    attempt = survey.post(
        "/v1/visits/V1/attempts",
        json={"attempted_on": tomorrow, "visitor": "Zhao", "reason": "no_answer"},
    )
    assert (record.status_code, attempt.status_code) == (422, 422)
    assert record.json()["detail"][0]["field"] == "visited_on"
    assert record.json()["detail"][0]["rule"] == "not in the future"
    assert attempt.json()["detail"][0]["field"] == "attempted_on"
    assert attempt.json()["detail"][0]["rule"] == "not in the future"
    assert (far.status_code, past.status_code) == (422, 422)
    assert end_offset(settings, SURVEY) == before


def test_a_record_with_the_longest_texts_is_applied_by_every_consumer(
    settings: Settings, survey: TestClient, consumers: Consumers
) -> None:
    """Suggestions and needs at the limit, in Chinese with emoji, tabs and
    newlines, from a dissatisfied customer: before, the suggestion complaint
    joining both was over the text limit and the record answered 500."""
    _plan(survey, settings, "V1")
    answer = survey.post(
        "/v1/visit-records?wait=true",
        json=record_body(
            "V1",
            TRIAL,
            visitor="张" * MAX_NAME,
            suggestions=LONGEST,
            needs=LONGEST,
            product_quality="dissatisfied",
            service_quality="dissatisfied",
        ),
    )
    assert answer.status_code == 201, answer.text
    complaints = answer.json()["complaints"]
    assert len(complaints) == 3
    assert all(len(c["description"]) <= MAX_TEXT for c in complaints)
    on_log = list(events_on(settings, SURVEY))
    assert len(on_log) == 4
    schedule = [visit_planned("C1", "V1", TRIAL, unit_id="U1")]
    assert consumers.apply([*schedule, *on_log]) >= 4 * 3


def test_a_what_if_beyond_its_bounds_is_a_422_not_a_500(settings: Settings) -> None:
    with TestClient(
        create_app(SCHEDULER_SERVICE, settings), headers=headers(settings)
    ) as client:
        huge = client.post(
            "/v1/policy/what-if", json={"warranty_months_from_power_on": 1_000_000}
        )
        widest = client.post(
            "/v1/policy/what-if",
            json={
                "warranty_months_from_power_on": 120,
                "warranty_months_from_ship": 120,
                "industrial_tolerance_months": 120,
                "on_site_threshold": str(MAX_AMOUNT),
            },
        )
    assert huge.status_code == 422
    assert huge.json()["detail"][0]["field"] == "warranty_months_from_power_on"
    assert widest.status_code == 200, widest.text


def test_the_sla_check_after_today_is_a_422(settings: Settings) -> None:
    """Before: a check as of 2030 announced every ticket overdue for ever."""
    with TestClient(
        create_app(FEEDBACK_SERVICE, settings), headers=headers(settings)
    ) as client:
        later = client.post("/v1/sla/check", params={"as_of": "2030-01-01"})
        tomorrow = (Settings().today() + timedelta(days=1)).isoformat()
        next_day = client.post("/v1/sla/check", params={"as_of": tomorrow})
    assert later.status_code == 422
    assert later.json()["detail"][0]["field"] == "as_of"
    assert next_day.status_code == 422


def test_feedback_commands_beyond_the_limits_are_422(settings: Settings) -> None:
    """Before: the command built an event the contracts refuse: 500."""
    with TestClient(
        create_app(FEEDBACK_SERVICE, settings), headers=headers(settings)
    ) as client:
        assign = client.post(
            "/v1/tickets/T1/assign",
            json={"assignee": "张" * (MAX_NAME + 1)},
        )
        resolve = client.post(
            "/v1/tickets/T1/resolve",
            json={"resolution": "r", "resolved_on": "9999-12-25"},
        )
    assert (assign.status_code, resolve.status_code) == (422, 422)
    assert assign.json()["detail"][0]["field"] == "assignee"
    assert resolve.json()["detail"][0]["field"] == "resolved_on"
