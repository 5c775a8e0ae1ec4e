"""Who may do what (issue 10), endpoint by endpoint: every command of the
ledger, scheduler, survey and feedback posted with no key, an unknown, an
expired and a revoked key, and a key of each role answers 401, 403 or 2xx
exactly as the scope table says, and a refusal appends nothing (the ledger's
topic and each service's outbox and audit trail stay as they were). Then: a
department's handler may not touch another department's ticket, a store may
not deliver for another store, contacts are masked without the `pii` scope,
and the audit trail lists what a key appended, each event naming its actor.

One running app per service (module-scoped, each in its own deployment), so
the whole matrix runs against four apps, not one per case.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from schemas.catalogue import LEDGER, SURVEY
from schemas.survey import ComplaintRaised, ComplaintRaisedPayload
from schemas.types import ComplaintSubject, VisitKind
from services.feedback.service import SERVICE as FEEDBACK
from services.kit import kafka_auth, keys, security
from services.kit.service import create_app
from services.kit.settings import Settings
from services.ledger.service import SERVICE as LEDGER_SERVICE
from services.scheduler.service import build_service
from services.scheduler.settings import SchedulerSettings
from services.survey.service import SERVICE as SURVEY_SERVICE
from tests.conftest import remove_deployment, unique_prefix
from tests.support.auth import bearer
from tests.support.factories import (
    contract,
    envelope,
    installed,
    powered_on,
    shipped,
)
from tests.support.processes import eventually
from tests.support.scheduler import feed
from tests.support.survey import (
    end_offset,
    events_on,
    produce,
    record_body,
    visit_planned,
    wait_for_visit,
)

pytestmark = pytest.mark.integration

ROLES = (
    "production",
    "after_sales",
    "retail_store",
    "visitor",
    "handler",
    "quality",
    "manager",
    "dashboard",
    "admin",
)
INVALID = ("no key", "unknown", "expired", "revoked")
CALLERS = (*INVALID, *ROLES)
STORE = "S01"
TRIAL = VisitKind.TRIAL_RUN


@dataclass
class Deployment:
    """One service's app on its own deployment, with a key of every kind."""

    settings: Settings
    client: TestClient
    service: str
    keys: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)

    def auth(self, caller: str) -> dict[str, str]:
        return {} if caller == "no key" else bearer(self.keys[caller])

    def appended(self) -> tuple[int, ...]:
        """What the service appended so far: the ledger's topic (its facts
        are log-first), else its outbox; and its audit trail."""
        store = self.settings.store_schema_for(self.service)
        with psycopg.connect(self.settings.database_url) as conn:
            counts = [
                int(row[0])
                for table in ("outbox", "audit_trail")
                if (
                    row := conn.execute(
                        sql.SQL("SELECT count(*) FROM {}").format(
                            sql.Identifier(store, table)
                        )
                    ).fetchone()
                )
                is not None
            ]
        if self.service == "ledger":
            counts.append(end_offset(self.settings, LEDGER))
        return tuple(counts)


def issue_all(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """A key of each role (the handler acts for production, the store for
    S01), and an expired and a revoked one."""
    issued: dict[str, str] = {"unknown": "fu_admin_00000000_notakey"}
    ids: dict[str, str] = {}
    for role in ROLES:
        extra: dict[str, Any] = {}
        if role == "handler":
            extra["department"] = "production"
        if role == "retail_store":
            extra["store_ids"] = [STORE]
        ids[role], issued[role] = keys.create(
            settings, role=role, owner=f"{role} owner", **extra
        )
    _, issued["expired"] = keys.create(settings, role="admin", owner="old", days=-1)
    ids["revoked"], issued["revoked"] = keys.create(
        settings, role="admin", owner="gone"
    )
    assert keys.revoke(settings, ids["revoked"])
    return issued, ids


@pytest.fixture(scope="module")
def deployments() -> Iterator[dict[str, Deployment]]:
    """The four services, each on a deployment of its own (so that no
    service's reactions append while another's refusals are counted)."""
    made: dict[str, Deployment] = {}
    clients: list[TestClient] = []
    try:
        for name in ("ledger", "scheduler", "survey", "feedback"):
            prefix = unique_prefix()
            base = Settings(
                topic_prefix=prefix,
                schema_prefix=f"{prefix}_",
                partitions=1,
                wait_timeout_s=20,
            )
            kafka_auth.configure(base)
            if name == "scheduler":
                own: Settings = SchedulerSettings(
                    **base.model_dump(), tick_interval_s=3600
                )
                service = build_service(own)  # type: ignore[arg-type]
            else:
                own = base
                service = {
                    "ledger": LEDGER_SERVICE,
                    "survey": SURVEY_SERVICE,
                    "feedback": FEEDBACK,
                }[name]
            client = TestClient(create_app(service, own))
            client.__enter__()
            clients.append(client)
            issued, ids = issue_all(own)
            made[name] = Deployment(own, client, name, issued, ids)
        security._cache.clear()
        prepare_survey(made["survey"])
        prepare_feedback(made["feedback"])
        yield made
    finally:
        for client in clients:
            client.__exit__(None, None, None)
        for deployment in made.values():
            remove_deployment(deployment.settings)


def prepare_survey(survey: Deployment) -> None:
    """Visits to record, one per role that may record them."""
    visits = [
        visit_planned("C1", f"V-{who}", TRIAL, unit_id=f"U-{who}")
        for who in ("visitor", "admin", "audit")
    ]
    produce(survey.settings, [*visits, visit_planned("C1", "VA", TRIAL)])
    admin = bearer(survey.keys["admin"])
    survey.client.headers.update(admin)
    for visit in visits:
        wait_for_visit(survey.client, visit.payload.visit_id)
    wait_for_visit(survey.client, "VA")
    del survey.client.headers["Authorization"]


def complaint(complaint_id: str, subject: ComplaintSubject, on: date) -> Any:
    return ComplaintRaised(
        source="test-survey",
        actor="Zhao Min",
        payload=ComplaintRaisedPayload(
            customer_id="C1",
            complaint_id=complaint_id,
            visit_id=f"V-{complaint_id}",
            record_no=complaint_id[:15],
            subject=subject,
            description="顾客不满意",
            customer_suggestion="",
            raised_on=on,
        ),
    )


TICKETS: dict[str, str] = {}
CAPAS: dict[str, str] = {}


def prepare_feedback(feedback: Deployment) -> None:
    """Production tickets (to assign, and one to resolve per role that may),
    a quality ticket, and a CAPA to verify per role that may."""
    today = feedback.settings.today()
    month = today.strftime("%Y-%m")
    wanted = {
        "assign": ComplaintSubject.PRODUCT_QUALITY,
        "resolve-handler": ComplaintSubject.PRODUCT_QUALITY,
        "resolve-admin": ComplaintSubject.PRODUCT_QUALITY,
        "quality": ComplaintSubject.SUGGESTION,
    }
    complaints = {
        name: complaint(f"HF-{month}-{i:04d}-1", subject, today)
        for i, (name, subject) in enumerate(wanted.items(), start=1)
    }
    produce(feedback.settings, list(complaints.values()))
    admin = bearer(feedback.keys["admin"])

    def opened() -> list[dict[str, Any]] | None:
        items = feedback.client.get("/v1/tickets", headers=admin).json()["items"]
        return items if len(items) == len(complaints) else None

    by_complaint = {t["complaint_id"]: t["ticket_id"] for t in eventually(opened)}
    for name, event in complaints.items():
        TICKETS[name] = by_complaint[event.payload.complaint_id]
    for name in ("resolve-handler", "resolve-admin"):
        assigned = feedback.client.post(
            f"/v1/tickets/{TICKETS[name]}/assign",
            json={"assignee": "张工"},
            headers=admin,
        )
        assert assigned.status_code == 200, assigned.text
    for who in ("quality", "admin"):
        opened_capa = feedback.client.post("/v1/capas", json=CAPA_BODY, headers=admin)
        assert opened_capa.status_code == 201, opened_capa.text
        CAPAS[who] = opened_capa.json()["id"]
    assert eventually(lambda: unsent(feedback) == 0) is not None


def unsent(deployment: Deployment) -> int | None:
    store = deployment.settings.store_schema_for(deployment.service)
    with psycopg.connect(deployment.settings.database_url) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE sent_at IS NULL").format(
                sql.Identifier(store, "outbox")
            )
        ).fetchone()
    assert row is not None
    return None if row[0] else 0


Request = Callable[[str], tuple[str, str, dict[str, Any]]]


@dataclass(frozen=True)
class Endpoint:
    """A command, the roles that may give it, and the request a caller sends."""

    service: str
    name: str
    allowed: frozenset[str]
    request: Request
    status: int = 200


def _fact(fact: dict[str, Any]) -> Request:
    return lambda _: ("POST", "/v1/events", {"json": fact})


CAPA_BODY = {
    "source": {"period": "2026-10"},
    "subject": "service_quality",
    "action": "培训",
    "due": "2030-01-01",
}


ENDPOINTS = [
    Endpoint(
        "ledger",
        "shipped",
        frozenset({"production", "admin"}),
        _fact(shipped("C1", "K1", "U1", "2026-03-01")),
        202,
    ),
    Endpoint(
        "ledger",
        "contract_registered batch",
        frozenset({"production", "admin"}),
        lambda _: (
            "POST",
            "/v1/events",
            {"json": [contract("C2", "K2"), shipped("C2", "K2", "U2", "2026-03-01")]},
        ),
        202,
    ),
    Endpoint(
        "ledger",
        "installed",
        frozenset({"after_sales", "admin"}),
        _fact(installed("C1", "U1", "2026-03-05")),
        202,
    ),
    Endpoint(
        "ledger",
        "delivered (own store)",
        frozenset({"retail_store", "admin"}),
        _fact(
            envelope(
                "delivered",
                {
                    "customer_id": "R1",
                    "store_id": STORE,
                    "order_id": "O1",
                    "delivered_date": "2026-03-01",
                    "mode": "delivery",
                },
            )
        ),
        202,
    ),
    Endpoint(
        "scheduler",
        "tick",
        frozenset({"admin"}),
        lambda _: ("POST", "/v1/tick", {}),
    ),
    Endpoint(
        "scheduler",
        "what-if",
        frozenset({"manager", "admin"}),
        lambda _: ("POST", "/v1/policy/what-if", {"json": {"max_failed_attempts": 4}}),
    ),
    Endpoint(
        "survey",
        "visit record",
        frozenset({"visitor", "admin"}),
        lambda who: (
            "POST",
            "/v1/visit-records",
            {"json": record_body(f"V-{who}", TRIAL, visited_on="2026-11-16")},
        ),
        201,
    ),
    Endpoint(
        "survey",
        "failed attempt",
        frozenset({"visitor", "admin"}),
        lambda _: (
            "POST",
            "/v1/visits/VA/attempts",
            {
                "json": {
                    "attempted_on": "2026-11-16",
                    "visitor": "Zhao Min",
                    "reason": "no_answer",
                }
            },
        ),
        201,
    ),
    Endpoint(
        "survey",
        "service visit",
        frozenset({"visitor", "admin"}),
        lambda _: (
            "POST",
            "/v1/service-visits",
            {
                "json": {
                    "customer_id": "C9",
                    "unit_id": "U9",
                    "visited_on": "2026-11-16",
                    "visitor": "Wang Jun",
                    "product_quality": "satisfied",
                    "service_quality": "neutral",
                    "needs": "增加备品备件",
                    "opportunities": "新建二号变电站",
                }
            },
        ),
        201,
    ),
    Endpoint(
        "feedback",
        "assign (production ticket)",
        frozenset({"handler", "admin"}),
        lambda _: (
            "POST",
            f"/v1/tickets/{TICKETS['assign']}/assign",
            {"json": {"assignee": "张工"}},
        ),
    ),
    Endpoint(
        "feedback",
        "resolve (production ticket)",
        frozenset({"handler", "admin"}),
        lambda who: (
            "POST",
            f"/v1/tickets/{TICKETS.get(f'resolve-{who}', TICKETS['resolve-admin'])}"
            "/resolve",
            {"json": {"resolution": "更换断路器"}},
        ),
    ),
    Endpoint(
        "feedback",
        "open CAPA",
        frozenset({"quality", "admin"}),
        lambda _: ("POST", "/v1/capas", {"json": CAPA_BODY}),
        201,
    ),
    Endpoint(
        "feedback",
        "verify CAPA",
        frozenset({"quality", "admin"}),
        lambda who: (
            "POST",
            f"/v1/capas/{CAPAS.get(who, CAPAS['admin'])}/verify",
            {"json": {"evidence": "复查记录"}},
        ),
    ),
    Endpoint(
        "feedback",
        "SLA check",
        frozenset({"admin"}),
        lambda _: ("POST", "/v1/sla/check", {}),
    ),
]


def expected(endpoint: Endpoint, caller: str) -> int:
    if caller in INVALID:
        return 401
    return endpoint.status if caller in endpoint.allowed else 403


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.service}:{e.name}")
def test_every_command_answers_each_caller_as_the_scope_table_says(
    deployments: dict[str, Deployment], endpoint: Endpoint
) -> None:
    deployment = deployments[endpoint.service]
    answered: dict[str, int] = {}
    texts: dict[str, str] = {}
    refused_but_appended: list[str] = []
    # refusals first, so that an allowed call cannot hide an appended refusal
    for caller in sorted(CALLERS, key=lambda c: c in endpoint.allowed):
        method, path, kwargs = endpoint.request(caller)
        before = deployment.appended()
        response = deployment.client.request(
            method, path, headers=deployment.auth(caller), **kwargs
        )
        answered[caller] = response.status_code
        texts[caller] = response.text[:300]
        if response.status_code in (401, 403):
            detail = response.json()["detail"]
            assert isinstance(detail, str)
            assert detail, response.text
            if deployment.appended() != before:
                refused_but_appended.append(caller)
    assert answered == {c: expected(endpoint, c) for c in CALLERS}, texts
    assert refused_but_appended == []


READS = [
    ("ledger", "/v1/ledger"),
    ("ledger", "/v1/orders"),
    ("scheduler", "/v1/visits"),
    ("scheduler", "/v1/worklist"),
    ("scheduler", "/v1/visits.ics"),
    ("survey", "/v1/visit-records"),
    ("survey", "/v1/attempts"),
    ("survey", "/v1/questionnaires"),
    ("feedback", "/v1/tickets"),
    ("feedback", "/v1/capas"),
]


@pytest.mark.parametrize(("service", "path"), READS)
def test_every_role_reads_and_no_valid_key_does_not(
    deployments: dict[str, Deployment], service: str, path: str
) -> None:
    deployment = deployments[service]
    answered = {
        caller: deployment.client.get(path, headers=deployment.auth(caller)).status_code
        for caller in CALLERS
    }
    assert answered == {c: 401 if c in INVALID else 200 for c in CALLERS}
    assert deployment.client.get("/healthz").status_code == 200
    assert deployment.client.get("/metrics").status_code == 200


def test_a_handler_touches_only_its_own_departments_tickets(
    deployments: dict[str, Deployment],
) -> None:
    feedback = deployments["feedback"]
    ticket = TICKETS["quality"]  # a suggestion: the quality department's
    before = feedback.appended()
    foreign = feedback.client.post(
        f"/v1/tickets/{ticket}/assign",
        json={"assignee": "张工"},
        headers=feedback.auth("handler"),
    )
    assert foreign.status_code == 403, foreign.text
    assert "quality" in foreign.json()["detail"]
    assert feedback.appended() == before
    # a production handler's key for production tickets only; quality's own
    own = feedback.client.post(
        f"/v1/tickets/{ticket}/assign",
        json={"assignee": "质量部 李"},
        headers=feedback.auth("quality"),
    )
    assert own.status_code == 200, own.text


def test_a_store_delivers_only_for_its_own_stores(
    deployments: dict[str, Deployment],
) -> None:
    ledger = deployments["ledger"]
    other = envelope(
        "delivered",
        {
            "customer_id": "R2",
            "store_id": "S99",
            "order_id": "O2",
            "delivered_date": "2026-03-01",
            "mode": "pickup",
        },
    )
    before = ledger.appended()
    refused = ledger.client.post(
        "/v1/events", json=[other], headers=ledger.auth("retail_store")
    )
    assert refused.status_code == 403, refused.text
    assert "S99" in refused.json()["detail"]
    assert ledger.appended() == before
    by_admin = ledger.client.post(
        "/v1/events", json=[other], headers=ledger.auth("admin")
    )
    assert by_admin.status_code == 202, by_admin.text


def test_contacts_are_masked_without_the_pii_scope(
    deployments: dict[str, Deployment],
) -> None:
    ledger = deployments["ledger"]
    person = envelope(
        "delivered",
        {
            "customer_id": "R3",
            "store_id": STORE,
            "order_id": "O3",
            "delivered_date": "2026-03-01",
            "mode": "pickup",
            "customer_name": "陈洁",
            "phone": "13712345678",
        },
    )
    facts = [contract("C4", "K4"), shipped("C4", "K4", "U4", "2026-03-01"), person]
    posted = ledger.client.post(
        "/v1/events?wait=true", json=facts, headers=ledger.auth("admin")
    )
    assert posted.status_code == 202, posted.text

    def row(caller: str) -> dict[str, Any]:
        page = ledger.client.get(
            "/v1/ledger", params={"customer_id": "C4"}, headers=ledger.auth(caller)
        ).json()
        found: dict[str, Any] = page["items"][0]
        return found

    def order(caller: str) -> dict[str, Any]:
        orders = ledger.client.get(
            "/v1/orders", params={"customer_id": "R3"}, headers=ledger.auth(caller)
        ).json()
        found: dict[str, Any] = orders["items"][0]
        return found

    assert row("manager")["power_contact"] == {"name": "Li Wei", "phone": "13800000001"}
    assert row("dashboard")["power_contact"] == {"name": "L*", "phone": "*******0001"}
    assert row("production")["substation_contact"]["phone"] == "*******0002"
    assert (order("visitor")["customer_name"], order("visitor")["phone"]) == (
        "陈洁",
        "13712345678",
    )
    assert (order("dashboard")["customer_name"], order("dashboard")["phone"]) == (
        "陈*",
        "*******5678",
    )

    scheduler = deployments["scheduler"]
    feed(
        scheduler.client,
        [
            contract("C5", "K5"),
            shipped("C5", "K5", "U5", "2026-03-01"),
            installed("C5", "U5", "2026-03-05"),
            powered_on("C5", "U5", "2026-03-10"),
        ],
    )
    planned = scheduler.client.get(
        "/v1/visits", params={"customer_id": "C5"}, headers=scheduler.auth("admin")
    ).json()["items"]
    assert planned, "the scheduler planned no visit of C5"

    def calendar(caller: str) -> str:
        answer = scheduler.client.get(
            "/v1/visits.ics", params={"lang": "en"}, headers=scheduler.auth(caller)
        )
        assert answer.status_code == 200, answer.text
        unfolded: str = answer.text.replace("\r\n ", "")
        return unfolded

    full, masked = calendar("visitor"), calendar("dashboard")
    assert "Li Wei 13800000001" in full
    assert "13800000001" not in masked
    assert "Li Wei" not in masked
    assert "L* *******0001" in masked


def test_the_audit_trail_lists_what_a_key_appended_each_event_naming_it(
    deployments: dict[str, Deployment],
) -> None:
    survey = deployments["survey"]
    visitor = survey.key_ids["visitor"]
    actor = f"visitor owner (visitor key {visitor})"
    recorded = survey.client.post(
        "/v1/visit-records?wait=true",
        json=record_body("V-audit", TRIAL, product_quality="dissatisfied"),
        headers=survey.auth("visitor"),
    )
    assert recorded.status_code == 201, recorded.text
    appended = set(recorded.json()["event_ids"])

    trail = survey.client.get(
        "/v1/audit", params={"key_id": visitor}, headers=survey.auth("manager")
    )
    assert trail.status_code == 200, trail.text
    items = trail.json()["items"]
    assert appended <= {i["event_id"] for i in items}
    assert {i["actor"] for i in items} == {actor}
    assert {"visit_completed", "complaint_raised"} <= {i["type"] for i in items}
    # on the log too: every event the key appended names it
    on_log = [e for e in events_on(survey.settings, SURVEY) if e.actor == actor]
    assert appended <= {str(e.event_id) for e in on_log}
    for caller, status in (("dashboard", 403), ("visitor", 403), ("admin", 200)):
        answer = survey.client.get(
            "/v1/audit", params={"key_id": visitor}, headers=survey.auth(caller)
        )
        assert answer.status_code == status, (caller, answer.text)

    ledger = deployments["ledger"]
    production = ledger.key_ids["production"]
    posted = ledger.client.post(
        "/v1/events",
        json=[contract("C6", "K6") | {"actor": "someone else"}],
        headers=ledger.auth("production"),
    )
    assert posted.status_code == 202, posted.text
    facts = ledger.client.get(
        "/v1/audit", params={"key_id": production}, headers=ledger.auth("admin")
    ).json()["items"]
    assert set(posted.json()["event_ids"]) <= {f["event_id"] for f in facts}
    assert "contract_registered" in {f["type"] for f in facts}
    # the actor is the key's, whatever the body said
    assert {f["actor"] for f in facts} == {
        f"production owner (production key {production})"
    }
