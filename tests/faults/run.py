"""One fault run: a private stack, the five services as replicas, the
workload, the fault driver, then the verdict against the oracle.

Faults, while the workload runs: SIGKILL of a service replica (restarted),
a replica added and later removed (rebalances), PostgreSQL crashed and
restarted (`pg_ctl -m immediate`), a read model rebuilt
(`python -m services.<name> rebuild`), and on the three-broker cluster of
the full form the leader of a ledger partition killed and restarted.
"""

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg

from schemas.catalogue import LEDGER
from services.kit import kafka_auth, keys
from services.kit.deadletters import read_all
from services.kit.lag import behind, end_offsets
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics, partition_counts
from services.reporting.domain.periods import DEFAULT_CUTOFF_DAY, period_of
from services.scheduler.domain import DEFAULT_POLICY
from tests.faults import oracle, stack, verdict, workload
from tests.support.replicas import Replicas

SERVICES = ("ledger", "scheduler", "survey", "feedback", "reporting")


@dataclass(frozen=True)
class Mode:
    name: str
    customers: int
    brokers: int
    partitions: int
    replicas: int  # of each service at the start
    traffic_s: float  # how long visits are worked and faults injected
    fault_every_s: float


SHORT = Mode("short", 300, 1, 4, 1, 75, 3)
FULL = Mode("full", 2000, 3, 6, 2, 480, 9)


@dataclass
class Faults:
    done: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)


class Fleet:
    """Every service's replicas; the workload asks it for live URLs."""

    def __init__(self, settings: Settings, log_dir: Path, env: dict[str, str]) -> None:
        self.settings = settings
        self.services = {
            name: Replicas(settings, log_dir, name, extra_env=env) for name in SERVICES
        }
        self.lock = threading.Lock()

    def urls(self, name: str) -> list[str]:
        with self.lock:
            return list(self.services[name].urls.values())

    def start(self, name: str, replica: int) -> None:
        replicas = self.services[name]
        replicas.start(replica)

    def stop(self, name: str, replica: int, sig: int) -> None:
        with self.lock:
            replicas = self.services[name]
            proc = replicas.procs.pop(replica)
            replicas.urls.pop(replica)
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for replicas in self.services.values():
            replicas.stop_all()


class Driver(threading.Thread):
    """Injects one fault every `every_s` seconds until stopped."""

    def __init__(
        self,
        *,
        fleet: Fleet,
        private: stack.PrivateStack,
        mode: Mode,
        faults: Faults,
        stop: threading.Event,
        seed: int,
    ) -> None:
        super().__init__(daemon=True, name="fault-driver")
        self.fleet = fleet
        self.private = private
        self.mode = mode
        self.faults = faults
        self.stop_event = stop
        self.rng = random.Random(seed)
        self.extra: dict[str, int] = {}  # service -> replica number added

    def kinds(self) -> list[str]:
        # Kills most often; every other kind several times over a full run.
        kinds = ["kill", "kill", "kill", "scale", "postgres", "rebuild"]
        if self.mode.brokers >= 3:
            kinds += ["broker", "kill"]
        return kinds

    def run(self) -> None:
        # The first round names every kind once, then at random.
        plan = self.kinds()
        self.rng.shuffle(plan)
        # ... and the short form's few faults name every kind early.
        first = ["kill", "rebuild", "postgres", "scale", "kill"]
        if self.mode.brokers >= 3:
            first.insert(2, "broker")
        plan = plan + first[::-1]
        while not self.stop_event.wait(self.mode.fault_every_s):
            kind = plan.pop() if plan else self.rng.choice(self.kinds())
            started = time.monotonic()
            try:
                getattr(self, f"fault_{kind}")()
                self.faults.done[kind] += 1
            except Exception as exc:
                self.faults.failed[kind] += 1
                self.faults.log.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
            took = time.monotonic() - started
            self.faults.log.append(f"{kind} took {took:.1f}s")
        # Leave every base replica running, the added ones gone.
        for name, replica in list(self.extra.items()):
            self.fleet.stop(name, replica, signal.SIGTERM)
        self.extra.clear()

    def fault_kill(self) -> None:
        name = self.rng.choice(SERVICES)
        live = sorted(self.fleet.services[name].procs)
        replica = self.rng.choice(live)
        self.fleet.stop(name, replica, signal.SIGKILL)
        self.faults.log.append(f"SIGKILL {name}.{replica}")
        if self.extra.get(name) == replica:
            del self.extra[name]
            return
        self.fleet.start(name, replica)

    def fault_scale(self) -> None:
        if self.extra:
            name, replica = self.extra.popitem()
            self.fleet.stop(name, replica, signal.SIGTERM)
            self.faults.log.append(f"removed {name}.{replica}")
            return
        name = self.rng.choice(("scheduler", "feedback", "survey", "reporting"))
        replica = max(self.fleet.services[name].procs, default=0) + 1
        self.fleet.start(name, replica)
        self.extra[name] = replica
        self.faults.log.append(f"added {name}.{replica}")

    def fault_postgres(self) -> None:
        self.private.restart_postgres()
        self.faults.log.append("PostgreSQL restarted")

    def fault_rebuild(self) -> None:
        name = self.rng.choice(SERVICES)
        rebuild(self.fleet, name)
        self.faults.log.append(f"rebuilt {name}")

    def fault_broker(self) -> None:
        topic = LEDGER.full_name(self.fleet.settings.topic_prefix)
        partition = self.rng.randrange(self.mode.partitions)
        leader = self.private.leader(topic, partition)
        self.private.kill_broker(leader)
        self.faults.log.append(f"killed broker {leader} (leader of {partition})")
        time.sleep(8)
        self.private.start_broker(leader)


def rebuild(fleet: Fleet, name: str) -> None:
    env = fleet.services[name].env
    done = subprocess.run(
        [sys.executable, "-m", f"services.{name}", "rebuild"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        msg = f"rebuild {name}: exit {done.returncode}: {done.stderr[-500:]}"
        raise RuntimeError(msg)


def consumers(prefix: str) -> list[tuple[str, str, list[str]]]:
    """(label, schema kind, topics) of every consumer of the five services."""
    import importlib

    out = []
    for name in SERVICES:
        service = importlib.import_module(f"services.{name}.service").SERVICE
        for kind, consumer in (
            ("views", service.projection),
            ("store", service.reactions),
        ):
            if consumer is not None:
                topics = [t.full_name(prefix) for t in consumer.topics]
                out.append((name, kind, topics))
    return out


def caught_up(settings: Settings, timeout_s: float) -> dict[str, int]:
    """Wait until every consumer applied the log and every outbox is sent,
    twice in a row; return what is still behind when it is not."""
    plan = consumers(settings.topic_prefix)
    every = sorted({t for _, _, topics in plan for t in topics})
    deadline = time.monotonic() + timeout_s
    stable = 0
    missing: dict[str, int] = {}
    while time.monotonic() < deadline:
        missing = {}
        try:
            ends = end_offsets(settings.kafka_bootstrap, every)
            with psycopg.connect(settings.database_url) as conn:
                for name, kind, topics in plan:
                    schema = (
                        settings.schema_for(name)
                        if kind == "views"
                        else settings.store_schema_for(name)
                    )
                    mine = {k: v for k, v in ends.items() if k[0] in topics}
                    late = behind(conn, schema, mine)
                    if late:
                        missing[f"{name} {kind}"] = late
                    if kind == "views":
                        store = settings.store_schema_for(name)
                        unsent = conn.execute(
                            f"SELECT count(*) FROM {store}.outbox"
                            " WHERE sent_at IS NULL AND failed IS NULL"
                        ).fetchone()
                        if unsent and unsent[0]:
                            missing[f"{name} outbox"] = int(unsent[0])
        except (psycopg.Error, OSError) as exc:
            missing = {f"error {type(exc).__name__}": 1}
        stable = stable + 1 if not missing else 0
        if stable >= 2:
            return {}
        time.sleep(2)
    return missing


def create_topics(settings: Settings, timeout_s: float = 60) -> None:
    """The catalogue's topics, created before any service starts and waited
    for until every one shows its partitions: a service started on a fresh
    cluster right after another created them can read a topic's metadata
    before it has partitions, and refuses to start (co-partitioning check)."""
    names = catalogue_topics(settings.topic_prefix)
    ensure_topics(
        settings.kafka_bootstrap,
        names,
        settings.partitions,
        settings.replication_factor,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        counts = partition_counts(settings.kafka_bootstrap, names)
        if all(n == settings.partitions for n in counts.values()):
            return
        time.sleep(0.5)
    msg = f"topics without their partitions after {timeout_s}s"
    raise TimeoutError(msg)


def service_env(settings: Settings, today: date) -> dict[str, str]:
    return {
        "FOLLOWUP_CLOCK_DATE": today.isoformat(),
        "FOLLOWUP_TICK_INTERVAL_S": "5",
        "FOLLOWUP_FEEDBACK_SLA_CHECK_INTERVAL_S": "10",
        "FOLLOWUP_DERIVED_ID_SECRET": "fault-run-secret",
        "FOLLOWUP_LOG_LEVEL": "WARNING",
        "FOLLOWUP_REPLICATION_FACTOR": str(settings.replication_factor),
    }


@dataclass
class Outcome:
    mode: str
    seconds: float
    figures: workload.Figures
    faults: Faults
    mismatches: list[str]
    checked: Counter[str]
    expected: oracle.Expected | None

    @property
    def passed(self) -> bool:
        return not self.mismatches


def run(mode: Mode, seed: int = 9, log_dir: Path | None = None) -> Outcome:
    began = time.monotonic()
    logs = log_dir or Path(tempfile.mkdtemp(prefix="followup-faults-logs-"))
    say(
        f"fault run ({mode.name}): {mode.customers} customers, {mode.brokers} broker(s)"
    )
    private = stack.start(mode.brokers)
    say(f"private stack: Kafka {private.bootstrap}, {private.database_url}")
    prefix = f"faults{uuid.uuid4().hex[:8]}"
    credentials = {
        k.removeprefix("FOLLOWUP_").lower(): v
        for k, v in private.client_env.items()
        if k.startswith("FOLLOWUP_KAFKA_S")
    }
    settings = Settings.model_validate(
        {
            "kafka_bootstrap": private.bootstrap,
            "database_url": private.database_url,
            **credentials,
            "topic_prefix": prefix,
            "schema_prefix": f"{prefix}_",
            "partitions": mode.partitions,
            "replication_factor": 3 if mode.brokers >= 3 else 1,
            "wait_timeout_s": 20,
        }
    )
    kafka_auth.configure(settings)
    today = Settings().today()
    fleet = Fleet(
        settings, logs, {**service_env(settings, today), **private.client_env}
    )
    figures = workload.Figures()
    faults = Faults()
    mismatches: list[str] = []
    checked: Counter[str] = Counter()
    expected: oracle.Expected | None = None
    try:
        create_topics(settings)
        for name in SERVICES:
            for r in range(1, mode.replicas + 1):
                fleet.start(name, r)
        say(f"services up ({mode.replicas} replica(s) each); logs in {logs}")
        _, key = keys.create(settings, role="admin", owner="fault suite")
        stop = threading.Event()
        client_stop = threading.Event()
        facts = workload.facts_of(mode.customers, today, seed)
        until = time.monotonic() + mode.traffic_s

        def client() -> workload.Client:
            return workload.Client(fleet.urls, key, figures, client_stop)

        senders = [
            _thread(
                "facts",
                lambda: workload.send_facts(
                    client(), settings, facts, figures=figures, seed=seed, pause_s=0.05
                ),
            ),
            _thread(
                "visits",
                lambda: workload.work_visits(client(), today, figures, seed + 1, until),
            ),
        ]
        driver = Driver(
            fleet=fleet,
            private=private,
            mode=mode,
            faults=faults,
            stop=stop,
            seed=seed + 2,
        )
        driver.start()
        while time.monotonic() < until:
            time.sleep(1)
        stop.set()
        driver.join(timeout=300)
        for t in senders:
            t.join(timeout=300)
        client_stop.set()
        say(f"traffic stopped after {mode.traffic_s:.0f}s; faults: {dict(faults.done)}")
        missing = caught_up(settings, timeout_s=240)
        if missing:
            mismatches.append(f"lag never reached 0: {missing}")
        period = period_of(today, DEFAULT_CUTOFF_DAY)
        log = oracle.read_log(settings.kafka_bootstrap, oracle.event_topics(prefix))
        expected = oracle.fold(
            log,
            prefix,
            policy=DEFAULT_POLICY,
            timezone=settings.timezone,
            period=period,
            cutoff_day=DEFAULT_CUTOFF_DAY,
        )
        report = _report(fleet, key, period)
        verdict.judge(
            settings,
            expected,
            figures=figures,
            report=report,
            log=log,
            mismatches=mismatches,
            checked=checked,
        )
        verdict.dead_letters(settings, expected, mismatches, checked, read_all=read_all)
        if mismatches:
            oracle.dump(log, logs / "log.jsonl")
        # A rebuild from the log answers the same report, byte for byte.
        rebuild(fleet, "reporting")
        time.sleep(2)
        missing = caught_up(settings, timeout_s=180)
        if missing:
            mismatches.append(f"lag after the last rebuild: {missing}")
        again = _report(fleet, key, period)
        verdict.report_sections(
            again, expected.report, mismatches, checked, "report after a rebuild"
        )
        if json.dumps(report, sort_keys=True) != json.dumps(again, sort_keys=True):
            diff = sorted(
                k for k in set(report) | set(again) if report.get(k) != again.get(k)
            )
            mismatches.append(f"report after a rebuild differs in {diff}")
    finally:
        fleet.stop_all()
        private.close()
    return Outcome(
        mode.name,
        time.monotonic() - began,
        figures,
        faults,
        mismatches,
        checked,
        expected,
    )


def _report(fleet: Fleet, key: str, period: str) -> dict[str, Any]:
    for _ in range(30):
        for url in fleet.urls("reporting"):
            try:
                response = httpx.get(
                    f"{url}/v1/reports/monthly/{period}",
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=30,
                )
            except httpx.TransportError:
                continue
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                return body
        time.sleep(1)
    msg = "no reporting replica answered the monthly report"
    raise RuntimeError(msg)


def _thread(name: str, target: Callable[[], None]) -> threading.Thread:
    def guarded() -> None:
        try:
            target()
        except Exception as exc:
            say(f"{name} thread failed: {type(exc).__name__}: {exc}")

    t = threading.Thread(target=guarded, name=name, daemon=True)
    t.start()
    return t


def say(message: str) -> None:
    print(f"[faults] {message}", flush=True, file=sys.stdout)


def summary(outcome: Outcome) -> str:
    f = outcome.figures
    e = outcome.expected
    lines = [
        f"fault suite ({outcome.mode}) in {outcome.seconds:.0f}s: "
        + ("PASSED" if outcome.passed else "FAILED"),
        f"  offered: {dict(sorted(f.offered.items()))}",
        f"  acknowledged: {dict(sorted(f.acknowledged.items()))}",
        f"  refused: {dict(sorted(f.refused.items()))}; client retries {f.retries}, "
        f"gave up {f.gave_up}",
        f"  poison planted: {f.poison}",
        f"  faults injected: {dict(sorted(outcome.faults.done.items()))}"
        + (
            f"; did not take: {dict(outcome.faults.failed)}"
            if outcome.faults.failed
            else ""
        ),
    ]
    if e is not None:
        lines.append(
            f"  log: {sum(e.events.values())} distinct events, {e.copies} copies, "
            f"{len(e.poison)} undecodable; oracle: {len(e.lines)} product lines, "
            f"{len(e.visits)} visits, {len(e.records)} records, "
            f"{len(e.tickets)} tickets"
        )
    lines.append(f"  compared: {dict(sorted(outcome.checked.items()))}")
    lines.append(f"  mismatches: {len(outcome.mismatches)}")
    lines += [f"    - {m}" for m in outcome.mismatches[:40]]
    if os.environ.get("FOLLOWUP_FAULTS_VERBOSE"):
        lines += [f"    . {m}" for m in outcome.faults.log]
    return "\n".join(lines)
