"""Accept → visible in the scheduler's plan, through the public API, under load.

    .venv/bin/python -m bench.latency                 # steps 50..500 events/s
    .venv/bin/python -m bench.latency --quick         # two short steps (CI)

Starts the five real services (`python -m services.<name>`, as the e2e tests
do) on a fresh prefix, issues an admin API key (`services.kit.keys.create`)
and offers facts at a fixed rate through `POST /v1/events` for a bounded time
per step (open loop: a request is sent on schedule whether or not the earlier
ones were answered). Half the customers are industrial (contract, shipped,
installed, powered_on in one 4-fact post), half retail (one `delivered`
fact), so a step of R events/s posts R × 2/5 requests/s.

A customer is *visible* when the scheduler's read model (its `visits` table,
what `GET /v1/visits?customer_id=` reads) holds a visit of it; a poller asks
for all pending customers every 10 ms. The latency is from the 202 answer to
that moment (resolution about the poll interval plus one query). At the end
the API is asked for a sample of customers, to check it shows the same.
A short warm-up at 10 events/s (not measured) comes first.
The RSS of each service process is sampled every half second.
"""

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
from psycopg import sql

from bench.cleanup import clean_up
from bench.machine import load_average, machine_facts
from bench.pyspy import Sampling
from schemas.types import VisitKind
from services.kit import kafka_auth, keys
from services.kit.db import connect_async
from services.kit.settings import Settings
from tests.support import factories
from tests.support.processes import running_services
from tests.support.survey import record_body

POLL_S = 0.01
GRACE_S = 15.0
LIMIT_MS = 300.0
FULL_STEPS = (50, 100, 200, 300, 500)
QUICK_STEPS = (50, 100)
FULL_RECORD_STEPS = (25, 50, 100, 200)
QUICK_RECORD_STEPS = (10, 25)


@dataclass
class Step:
    """One offered rate and what came of it."""

    rate: int
    seconds: float
    posted: int = 0
    facts: int = 0
    # by HTTP status, or by the client's exception (a timeout, a reset)
    refused: dict[str, int] = field(default_factory=dict)
    answer_ms: list[float] = field(default_factory=list)
    visible_ms: list[float] = field(default_factory=list)
    invisible: int = 0
    elapsed: float = 0.0

    def quantile(self, q: float) -> float:
        """The q-quantile of accept → visible, in ms (nan when none)."""
        if not self.visible_ms:
            return float("nan")
        ordered = sorted(self.visible_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _facts(customer: str, industrial: bool, today: date) -> list[dict[str, Any]]:
    """One retail delivery, or an industrial customer's four facts."""
    if not industrial:
        day = (today - timedelta(days=3)).isoformat()
        return [factories.delivered(customer, f"{customer}-O1", day)]
    contract, unit = f"{customer}-K1", f"{customer}-K1-L1"
    return [
        factories.contract(customer, contract),
        factories.shipped(
            customer, contract, unit, (today - timedelta(days=30)).isoformat()
        ),
        factories.installed(customer, unit, (today - timedelta(days=10)).isoformat()),
        factories.powered_on(customer, unit, (today - timedelta(days=3)).isoformat()),
    ]


class Watcher:
    """Polls a read model (the scheduler's visits, or feedback's tickets)
    for the customers still pending."""

    def __init__(
        self, settings: Settings, service: str = "scheduler", table: str = "visits"
    ) -> None:
        self.settings = settings
        self.service = service
        self.table = table
        self.pending: dict[str, float] = {}  # customer -> accepted at
        self.seen: dict[str, float] = {}  # customer -> accept → visible, s
        self._stop = asyncio.Event()

    async def run(self) -> None:
        """Until stopped: every POLL_S, which pending customers are visible."""
        schema = self.settings.schema_for(self.service)
        query = sql.SQL(
            "SELECT DISTINCT customer_id FROM {} WHERE customer_id = ANY(%s)"
        ).format(sql.Identifier(self.table))
        async with await connect_async(self.settings.database_url, schema) as conn:
            await conn.set_autocommit(True)
            while not self._stop.is_set():
                if self.pending:
                    cur = await conn.execute(query, (list(self.pending),))
                    now = time.perf_counter()
                    for (customer,) in await cur.fetchall():
                        accepted = self.pending.pop(customer, None)
                        if accepted is not None:
                            self.seen[customer] = now - accepted
                await asyncio.sleep(POLL_S)

    def stop(self) -> None:
        """End the polling loop."""
        self._stop.set()


async def _post(
    client: httpx.AsyncClient,
    target: str,
    *,
    customer: str,
    body: list[dict[str, Any]] | dict[str, Any],
    step: Step,
    watcher: Watcher,
    expected: int,
) -> None:
    sent = time.perf_counter()
    try:
        answer = await client.post(target, json=body)
    except httpx.HTTPError as exc:
        name = type(exc).__name__
        step.refused[name] = step.refused.get(name, 0) + 1
        return
    now = time.perf_counter()
    step.answer_ms.append((now - sent) * 1000)
    if answer.status_code != expected:
        code = str(answer.status_code)
        step.refused[code] = step.refused.get(code, 0) + 1
        if len(step.refused) == 1 and sum(step.refused.values()) == 1:
            print(f"    refused: {answer.status_code} {answer.text[:300]}")
        return
    step.posted += 1
    step.facts += len(body) if isinstance(body, list) else 1
    watcher.pending[customer] = now


Offer = Callable[[int], tuple[str, list[dict[str, Any]] | dict[str, Any]]]


async def run_step(
    client: httpx.AsyncClient,
    url: str,
    *,
    watcher: Watcher,
    step: Step,
    settings: Settings,
    drain_s: float,
) -> None:
    """Offer `step.rate` facts/s for `step.seconds`, then wait for the rest."""
    # Two customers of five facts (one 4-fact post, one single) per 5 facts.
    tag = uuid.uuid4().hex[:6]
    today = settings.today()

    def fact(i: int) -> tuple[str, list[dict[str, Any]]]:
        customer = f"B{tag}-{i:06d}"
        return customer, _facts(customer, i % 2 == 0, today)

    await _offer(
        client,
        f"{url}/v1/events",
        expected=202,
        make=fact,
        posts_per_s=step.rate * 2 / 5,
        watcher=watcher,
        step=step,
        drain_s=drain_s,
    )


async def run_record_step(
    client: httpx.AsyncClient,
    url: str,
    *,
    watcher: Watcher,
    step: Step,
    visits: list[tuple[str, str, str]],
    settings: Settings,
    drain_s: float,
) -> None:
    """Offer `step.rate` dissatisfied visit records/s to the survey, each on
    another customer's planned visit (taken from `visits`): each raises a
    complaint, which opens a ticket in feedback (what the watcher waits for)."""
    on = settings.today().isoformat()

    def record(_: int) -> tuple[str, dict[str, Any]]:
        customer, visit_id, kind = visits.pop()
        body = record_body(
            visit_id,
            VisitKind(kind),
            visited_on=on,
            product_quality="dissatisfied",
        )
        return customer, body

    total = min(len(visits), int(step.rate * step.seconds))
    step.seconds = total / step.rate
    await _offer(
        client,
        f"{url}/v1/visit-records",
        expected=201,
        make=record,
        posts_per_s=step.rate,
        watcher=watcher,
        step=step,
        drain_s=drain_s,
    )


async def _offer(
    client: httpx.AsyncClient,
    target: str,
    *,
    expected: int,
    make: Offer,
    posts_per_s: float,
    watcher: Watcher,
    step: Step,
    drain_s: float,
) -> None:
    """Open loop: one post every 1/posts_per_s seconds whatever the answers."""
    total = int(posts_per_s * step.seconds)
    started = time.perf_counter()
    tasks = []
    watcher.seen.clear()
    for i in range(total):
        at = started + i / posts_per_s
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        customer, body = make(i)
        tasks.append(
            asyncio.create_task(
                _post(
                    client,
                    target,
                    customer=customer,
                    body=body,
                    step=step,
                    watcher=watcher,
                    expected=expected,
                )
            )
        )
    # Bounded: what is not answered GRACE_S after the last send is counted
    # as unanswered (the offered rate was not taken), not waited for.
    _, late = await asyncio.wait(tasks, timeout=GRACE_S) if tasks else ((), ())
    for task in late:
        task.cancel()
    if late:
        step.refused["unanswered"] = len(late)
    step.elapsed = time.perf_counter() - started
    for _ in range(int(drain_s * 10)):
        if not watcher.pending:
            break
        await asyncio.sleep(0.1)
    step.invisible = len(watcher.pending)
    watcher.pending.clear()
    step.visible_ms = [s * 1000 for s in watcher.seen.values()]


class RssSampler:
    """Peak and last resident set size of each service process."""

    def __init__(self, processes: dict[str, "Popen[bytes]"]) -> None:
        self.processes = processes
        self.peak: dict[str, int] = {}
        self.last: dict[str, int] = {}

    @staticmethod
    def rss_kib(pid: int) -> int:
        """VmRSS of a local process, KiB (0 when gone)."""
        try:
            text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        except OSError:
            return 0
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    async def run(self) -> None:
        """Sample every half second until cancelled."""
        while True:
            self.sample()
            await asyncio.sleep(0.5)

    def sample(self) -> None:
        """One sample of every process."""
        for name, proc in self.processes.items():
            kib = self.rss_kib(proc.pid)
            self.last[name] = kib
            self.peak[name] = max(self.peak.get(name, 0), kib)


async def _check_api(
    client: httpx.AsyncClient, url: str, settings: Settings, sample: Sequence[str]
) -> str:
    # The read model the watcher polls is what the API answers from.
    shown = 0
    for customer in sample:
        answer = await client.get(
            f"{url}/v1/visits",
            params={"customer_id": customer, "as_of": settings.today().isoformat()},
        )
        answer.raise_for_status()
        shown += bool(answer.json().get("items"))
    return f"{shown} of {len(sample)} sampled customers shown by GET /v1/visits"


async def measure(
    settings: Settings,
    urls: dict[str, str],
    *,
    key: str,
    steps: Sequence[int],
    record_steps: Sequence[int],
    seconds: float,
    rss: RssSampler,
    profile: Sampling | None = None,
) -> tuple[list[Step], list[Step], str]:
    """Run every step against the running services."""
    watcher = Watcher(settings)
    tickets = Watcher(settings, "feedback", "tickets")
    polling = asyncio.create_task(watcher.run())
    polling_tickets = asyncio.create_task(tickets.run())
    recorded: list[Step] = []
    sampling = asyncio.create_task(rss.run())
    results: list[Step] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with (
        httpx.AsyncClient(
            headers={"Authorization": f"Bearer {key}"}, timeout=10, limits=limits
        ) as client,
        AsyncExitStack() as profiling,
    ):
        try:
            # Not measured: the consumers have joined and every path is warm.
            warm = Step(10, 3.0)
            await run_step(
                client,
                urls["ledger"],
                watcher=watcher,
                step=warm,
                settings=settings,
                drain_s=60,
            )
            print(f"  warm-up: {len(warm.visible_ms)} customers visible", flush=True)
            if profile:  # the measured steps only, not the warm-up
                profiling.enter_context(profile)
            for rate in steps:
                step = Step(rate, seconds)
                print(f"  step {rate} events/s for {seconds:.0f}s", flush=True)
                await run_step(
                    client,
                    urls["ledger"],
                    watcher=watcher,
                    step=step,
                    settings=settings,
                    drain_s=30,
                )
                results.append(step)
                print(
                    f"    {step.facts:,} facts in {step.posted:,} posts,"
                    f" p99 {step.quantile(0.99):.0f} ms, refused {step.refused},"
                    f" not visible {step.invisible}",
                    flush=True,
                )
                seen = list(watcher.seen)
            checked = await _check_api(client, urls["scheduler"], settings, seen[:20])
            visits = await _planned_visits(settings)
            print(f"  {len(visits):,} planned visits to record", flush=True)
            for rate in record_steps:
                step = Step(rate, seconds)
                print(f"  step {rate} records/s for {seconds:.0f}s", flush=True)
                await run_record_step(
                    client,
                    urls["survey"],
                    watcher=tickets,
                    step=step,
                    visits=visits,
                    settings=settings,
                    drain_s=30,
                )
                recorded.append(step)
                print(
                    f"    {step.posted:,} records, p99 {step.quantile(0.99):.0f} ms,"
                    f" refused {step.refused}, no ticket {step.invisible}",
                    flush=True,
                )
        finally:
            watcher.stop()
            tickets.stop()
            sampling.cancel()
            await polling
            await polling_tickets
    if profile:
        print(profile.summaries(), flush=True)
    return results, recorded, checked


async def _planned_visits(settings: Settings) -> list[tuple[str, str, str]]:
    """One planned, non-retail visit per customer (customer, visit, kind)."""
    schema = settings.schema_for("scheduler")
    async with await connect_async(settings.database_url, schema) as conn:
        cur = await conn.execute(
            "SELECT DISTINCT ON (customer_id) customer_id, visit_id, kind"
            " FROM visits WHERE status = 'planned' AND kind <> %s"
            " ORDER BY customer_id, due_date",
            (VisitKind.RETAIL_FOLLOWUP.value,),
        )
        return [(c, v, k) for c, v, k in await cur.fetchall()]


def _table(rate: str, count: str, steps: Sequence[Step], *, visible: str) -> None:
    print(
        f"\n| {rate} | seconds | {count} | achieved/s"
        f" | refused | POST p50/p99 ms | {visible} p50 | p95 | p99 | max | not seen"
        " | p99 ≤ 300 ms |\n|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---|"
    )
    best = None
    for s in steps:
        if s.seconds == 0:  # a record step with no planned visit left to record
            print(f"| {s.rate} | – | – | – | – | – | – | – | – | – | – | not run |")
            continue
        answers = sorted(s.answer_ms) or [float("nan")]
        ok = s.quantile(0.99) <= LIMIT_MS and not s.invisible and not s.refused
        best = s.rate if ok else best
        print(
            f"| {s.rate} | {s.seconds:.0f} | {s.facts:,}"
            f" | {s.facts / max(s.elapsed, 1e-9):,.0f} | {s.refused or '-'}"
            f" | {statistics.median(answers):.0f} / "
            f"{answers[min(len(answers) - 1, int(0.99 * len(answers)))]:.0f}"
            f" | {s.quantile(0.5):.0f} | {s.quantile(0.95):.0f}"
            f" | {s.quantile(0.99):.0f} | {max(s.visible_ms or [float('nan')]):.0f}"
            f" | {s.invisible} | {'yes' if ok else 'no'} |"
        )
    print(f"\n{rate}: highest with p99 ≤ {LIMIT_MS:.0f} ms: {best or 'none'}")


def report(
    facts: dict[str, str],
    results: Sequence[Step],
    recorded: Sequence[Step],
    checked: str,
    rss: RssSampler,
) -> None:
    """Print the machine and the tables."""
    print("\n## Machine")
    for name, value in facts.items():
        print(f"- {name}: {value}")
    print(f"- load average at the end: {load_average()}")
    _table("offered events/s", "facts accepted", results, visible="visible")
    _table("offered records/s", "records accepted", recorded, visible="ticket seen")
    print(checked)
    print("\n| service | RSS peak MiB | RSS at the end MiB |\n|---|---:|---:|")
    for name in rss.peak:
        print(f"| {name} | {rss.peak[name] / 1024:.0f} | {rss.last[name] / 1024:.0f} |")


def main(argv: Sequence[str] | None = None) -> None:
    """Start the services, run the steps, print the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="two 8 s steps (CI)")
    parser.add_argument(
        "--steps", default=",".join(map(str, FULL_STEPS)), help="events/s"
    )
    parser.add_argument(
        "--record-steps",
        default=",".join(map(str, FULL_RECORD_STEPS)),
        help="visit records/s",
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--keep", action="store_true", help="keep the schemas, topics and groups"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="sample every service with py-spy during the measured steps"
        " (collapsed stacks and a summary in DIR)",
    )
    args = parser.parse_args(argv)
    steps = QUICK_STEPS if args.quick else tuple(map(int, args.steps.split(",")))
    record_steps = (
        QUICK_RECORD_STEPS
        if args.quick
        else tuple(map(int, args.record_steps.split(",")))
    )
    seconds = 8.0 if args.quick else args.seconds
    logging.basicConfig(level=logging.WARNING)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(topic_prefix=prefix, schema_prefix=f"{prefix}_")
    kafka_auth.configure(settings)
    facts = machine_facts(settings)
    _, key = keys.create(settings, role="admin", owner="bench")
    processes: dict[str, Popen[bytes]] = {}
    log_dir = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    print(f"prefix {prefix}; service logs in {log_dir}", flush=True)
    rss = RssSampler(processes)
    try:
        with running_services(settings, log_dir, processes=processes) as urls:
            results, recorded, checked = asyncio.run(
                measure(
                    settings,
                    urls,
                    key=key,
                    steps=steps,
                    record_steps=record_steps,
                    seconds=seconds,
                    rss=rss,
                    profile=Sampling(processes, args.profile, "latency")
                    if args.profile
                    else None,
                )
            )
            rss.sample()
    finally:
        if not args.keep:
            clean_up(settings, prefix)
    report(facts, results, recorded, checked, rss)


if __name__ == "__main__":
    main()
