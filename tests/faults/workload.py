"""The workload: the demo's kind of customers scaled up, sent through the
public APIs as departments and visitors would, with idempotency keys and
client retries on 5xx and connection errors, while faults are injected.

- facts (tests/support/factories.py builders, demo-like dates): contracts,
  shipments, installations, power-ons, retail deliveries; most in weekly
  batches (shuffled: out of order), some one by one, 5 % sent again (the
  same event id: a duplicate), 1 % poison written straight to the ledger
  topic (the API refuses bad facts, so poison only reaches the log that way);
- visits recorded (some dissatisfied: complaints, tickets), attempts failed,
  tickets assigned and resolved (re-visits follow), through the survey's and
  feedback's APIs.
"""

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
from kafka import KafkaProducer

from schemas.catalogue import LEDGER
from schemas.types import VisitKind
from services.kit import kafka_auth
from services.kit.settings import Settings
from tests.support.factories import contract, delivered, installed, powered_on, shipped
from tests.support.survey import answers, record_body

MODELS = ("KYN28-12", "XGN15-12", "GGD-0.4", "SCB13-1000")
REGIONS = ("east", "north", "south", "southwest")
VISITORS = ("Zhao Min", "Sun Li", "Zhou Jie")
RETRYABLE = {500, 502, 503, 504}


def _with_id(fact: dict[str, Any], seed: int, on: date) -> dict[str, Any]:
    identity = f"faults|{seed}|{fact['type']}|{sorted(fact['payload'].items())}"
    moment = datetime.combine(on, dtime(2), tzinfo=UTC)
    return {
        **fact,
        "event_id": str(uuid5(NAMESPACE_URL, identity)),
        "occurred_at": moment.isoformat(),
    }


def facts_of(customers: int, today: date, seed: int) -> list[dict[str, Any]]:
    """About four facts per customer; one in eight customers is retail."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for c in range(1, customers + 1):
        if c % 8 == 0:
            customer = f"R{c:05d}"
            on = today - timedelta(days=rng.randint(3, 30))
            fact = delivered(
                customer, f"O{c:05d}", on.isoformat(), store=f"S{c % 3 + 1:02d}"
            )
            fact["payload"]["region"] = REGIONS[c % len(REGIONS)]
            out.append(_with_id(fact, seed, on))
            continue
        customer = f"C{c:05d}"
        for k in range(1, rng.choice((1, 1, 2)) + 1):
            contract_id = f"K{c:05d}-{k}"
            amount = rng.choice((150_000, 600_000, 1_200_000, 3_500_000))
            signed = today - timedelta(days=rng.randint(300, 700))
            out.append(
                _with_id(
                    contract(
                        customer,
                        contract_id,
                        amount=f"{amount}.00",
                        region=REGIONS[c % len(REGIONS)],
                    ),
                    seed,
                    signed,
                )
            )
            for u in range(1, rng.choice((1, 2)) + 1):
                unit = f"U{c:05d}-{k}-{u}"
                ship = today - timedelta(days=rng.randint(20, 420))
                out.append(
                    _with_id(
                        shipped(
                            customer,
                            contract_id,
                            unit,
                            ship.isoformat(),
                            model=rng.choice(MODELS),
                        ),
                        seed,
                        ship,
                    )
                )
                inst = ship + timedelta(days=rng.randint(7, 25))
                if inst <= today:
                    out.append(
                        _with_id(
                            installed(customer, unit, inst.isoformat()), seed, inst
                        )
                    )
                power = inst + timedelta(days=rng.randint(3, 30))
                if power <= today:
                    out.append(
                        _with_id(
                            powered_on(customer, unit, power.isoformat()), seed, power
                        )
                    )
    return out


@dataclass
class Figures:
    """What the workload offered and what was acknowledged."""

    offered: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    gave_up: int = 0
    # acknowledged commands, to be found afterwards
    facts: set[str] = field(default_factory=set)
    records: dict[str, str] = field(default_factory=dict)  # record_no -> visit
    attempts: set[tuple[str, int]] = field(default_factory=set)
    ticket_events: set[str] = field(default_factory=set)
    poison: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """Calls a service on any of its live replicas; retries what may pass."""

    def __init__(
        self,
        urls: Callable[[str], list[str]],
        key: str,
        figures: Figures,
        stop: threading.Event,
        give_up_s: float = 120,
    ) -> None:
        self.urls = urls
        self.headers = {"Authorization": f"Bearer {key}"}
        self.figures = figures
        self.stop = stop
        self.give_up_s = give_up_s
        self.http = httpx.Client(timeout=30)
        self.rng = random.Random()

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response | None:
        """The first answer that is not a 5xx or a broken connection; None
        after `give_up_s` of retries."""
        headers = dict(self.headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        deadline = time.monotonic() + self.give_up_s
        while True:
            live = self.urls(service)
            if live:
                url = self.rng.choice(live)
                try:
                    response = self.http.request(
                        method,
                        f"{url}{path}",
                        json=json,
                        params=params,
                        headers=headers,
                    )
                    if response.status_code not in RETRYABLE:
                        return response
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                with self.figures.lock:
                    self.figures.gave_up += 1
                return None
            with self.figures.lock:
                self.figures.retries += 1
            time.sleep(0.3 + self.rng.random() * 0.7)

    def close(self) -> None:
        self.http.close()


def send_facts(
    client: Client,
    settings: Settings,
    facts: list[dict[str, Any]],
    *,
    figures: Figures,
    seed: int,
    pause_s: float = 0.0,
) -> None:
    """Weekly batches (shuffled), some facts one by one, 5 % resent, 1 %
    poison produced straight to the ledger topic."""
    rng = random.Random(seed)
    order = list(facts)
    rng.shuffle(order)  # out of order: a power-on may come before its shipment
    singles = order[: len(order) // 10]
    rest = order[len(order) // 10 :]
    resent = rng.sample(order, len(order) // 20)
    batches = [rest[i : i + 200] for i in range(0, len(rest), 200)]
    batches += [resent[i : i + 100] for i in range(0, len(resent), 100)]
    rng.shuffle(batches)
    work: list[list[dict[str, Any]]] = [[f] for f in singles] + batches
    rng.shuffle(work)
    poison_at = set(rng.sample(range(len(work)), min(len(work), 10)))
    poison_left = max(1, len(facts) // 100)
    producer = KafkaProducer(
        **kafka_auth.options(), bootstrap_servers=settings.kafka_bootstrap, acks="all"
    )
    try:
        for i, batch in enumerate(work):
            if client.stop.is_set():
                return
            with figures.lock:
                figures.offered["facts"] += len(batch)
            response = client.call("POST", "ledger", "/v1/events", json=batch)
            if response is not None and response.status_code == 202:
                with figures.lock:
                    figures.acknowledged["facts"] += len(batch)
                    figures.facts.update(f["event_id"] for f in batch)
            elif response is not None:
                with figures.lock:
                    figures.refused[f"facts {response.status_code}"] += len(batch)
            if i in poison_at and poison_left > 0:
                count = max(1, poison_left // max(1, len(poison_at)))
                for _ in range(count):
                    poison_left -= 1
                    _plant_poison(producer, settings, rng, batch[0])
                    with figures.lock:
                        figures.poison += 1
            if pause_s:
                time.sleep(pause_s)
        while poison_left > 0:
            poison_left -= 1
            _plant_poison(producer, settings, rng, facts[0])
            with figures.lock:
                figures.poison += 1
    finally:
        producer.flush(timeout=30)
        producer.close(timeout=30)


def _plant_poison(
    producer: KafkaProducer,
    settings: Settings,
    rng: random.Random,
    near: dict[str, Any],
) -> None:
    key = str(near["payload"]["customer_id"]).encode()
    kind = rng.choice(("not json", "broken", "bad date"))
    if kind == "not json":
        value = b"\xff\xfe not an event " + uuid.uuid4().bytes
    elif kind == "broken":
        value = b'{"type": "shipped", "payload": {"unit_id": '
    else:
        fact = {**near, "event_id": str(uuid.uuid4())}
        fact["payload"] = {
            **near["payload"],
            "customer_id": near["payload"]["customer_id"],
        }
        for name in ("ship_date", "installed_date", "power_on_date", "delivered_date"):
            if name in fact["payload"]:
                fact["payload"][name] = "2026-02-31"
        fact.setdefault("payload", {})["amount"] = "-1"
        import json

        value = json.dumps(fact).encode()
    producer.send(LEDGER.full_name(settings.topic_prefix), key=key, value=value).get(
        timeout=60
    )


def _open_visits(client: Client, today: date) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for status in ("due", "overdue"):
        response = client.call(
            "GET",
            "scheduler",
            "/v1/visits",
            params={"as_of": today.isoformat(), "status": status, "limit": "500"},
        )
        if response is not None and response.status_code == 200:
            items.extend(response.json()["items"])
    return items


def work_visits(
    client: Client, today: date, figures: Figures, seed: int, until: float
) -> None:
    """Record visits (a quarter of them dissatisfied), fail attempts, and
    assign and resolve tickets, until `until` (monotonic) or stopped."""
    rng = random.Random(seed)
    done: set[str] = set()
    while time.monotonic() < until and not client.stop.is_set():
        visits = [v for v in _open_visits(client, today) if v["visit_id"] not in done]
        rng.shuffle(visits)
        for visit in visits[:25]:
            if time.monotonic() > until or client.stop.is_set():
                return
            if rng.random() < 0.75:
                _record(client, visit, today, figures, rng)
                done.add(visit["visit_id"])
            else:
                _attempt(client, visit, today, figures, rng)
        _tickets(client, today, figures, rng)
        if not visits:
            time.sleep(1)


def _record(
    client: Client,
    visit: dict[str, Any],
    today: date,
    figures: Figures,
    rng: random.Random,
) -> None:
    kind = VisitKind(visit["kind"])
    unhappy = rng.random() < 0.25
    retail = kind is VisitKind.RETAIL_FOLLOWUP
    body = record_body(
        visit["visit_id"],
        kind,
        visited_on=today.isoformat(),
        visitor=rng.choice(VISITORS),
        channel=visit.get("channel") or "phone",
    )
    if unhappy and not retail:
        body["product_quality"] = "dissatisfied"
        body["answers"] = answers(kind)
    with figures.lock:
        figures.offered["records"] += 1
    response = client.call(
        "POST",
        "survey",
        "/v1/visit-records",
        json=body,
        idempotency_key=str(uuid.uuid4()),
    )
    _count(figures, "records", response)
    if response is not None and response.status_code == 201:
        answer = response.json()
        with figures.lock:
            figures.records[answer["record_no"]] = answer["visit_id"]


def _attempt(
    client: Client,
    visit: dict[str, Any],
    today: date,
    figures: Figures,
    rng: random.Random,
) -> None:
    with figures.lock:
        figures.offered["attempts"] += 1
    response = client.call(
        "POST",
        "survey",
        f"/v1/visits/{visit['visit_id']}/attempts",
        json={
            "attempted_on": today.isoformat(),
            "visitor": rng.choice(VISITORS),
            "reason": rng.choice(("no_answer", "wrong_number", "refused")),
            "note": "fault run",
        },
        idempotency_key=str(uuid.uuid4()),
    )
    _count(figures, "attempts", response)
    if response is not None and response.status_code == 201:
        answer = response.json()
        with figures.lock:
            figures.attempts.add((answer["visit_id"], int(answer["attempt_no"])))


def _tickets(client: Client, today: date, figures: Figures, rng: random.Random) -> None:
    for state, action in (("open", "assign"), ("assigned", "resolve")):
        response = client.call(
            "GET", "feedback", "/v1/tickets", params={"status": state, "limit": "50"}
        )
        if response is None or response.status_code != 200:
            continue
        for ticket in response.json()["items"]:
            if rng.random() < 0.5:
                continue
            body: dict[str, Any]
            if action == "assign":
                body = {
                    "assignee": rng.choice(("Qian Gang", "Wu Hong")),
                    "assigned_on": today.isoformat(),
                }
            else:
                body = {
                    "resolution": "faulty part replaced",
                    "resolved_on": today.isoformat(),
                }
            with figures.lock:
                figures.offered[f"ticket {action}"] += 1
            answer = client.call(
                "POST",
                "feedback",
                f"/v1/tickets/{ticket['ticket_id']}/{action}",
                json=body,
                idempotency_key=str(uuid.uuid4()),
            )
            _count(figures, f"ticket {action}", answer)
            if answer is not None and answer.status_code == 200:
                with figures.lock:
                    figures.ticket_events.add(str(answer.json()["event_id"]))


def _count(figures: Figures, what: str, response: httpx.Response | None) -> None:
    with figures.lock:
        if response is None:
            figures.refused[f"{what} gave up"] += 1
        elif response.status_code in (200, 201, 202):
            figures.acknowledged[what] += 1
        else:
            figures.refused[f"{what} {response.status_code}"] += 1
