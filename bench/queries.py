"""Query latency of the read models at volume, through the public API.

    .venv/bin/python -m bench.queries                # 100k events × 10
    .venv/bin/python -m bench.queries --quick        # 20k events × 2 (CI)
    .venv/bin/python -m bench.queries --keep         # then --reuse <prefix>

1. Seed: a realistic mix of events (bench/mix.py) is produced on a fresh
   prefix and the real projections of the scheduler, feedback and reporting
   fill their read models from it (as in bench/projections.py). Then every
   read-model table is multiplied server-side `--scale` times
   (`INSERT … SELECT` with every text `*_id` and `record_no` column suffixed
   `~k`), which keeps the distribution of the projected rows. This is not the
   projection's work: it is seeding for measuring queries, and says so.
2. The three services start on that schema prefix with a fresh, empty topic
   prefix (so their consumers have nothing to do and add no load), an admin
   key is issued, and each endpoint is asked once alone (timed: "first ask",
   for the reporting service's cached answers the cold one), then by 20
   concurrent connections of wrk for a bounded time, each request one of
   2,000 parameter sets drawn from the endpoint's: p50/p95/p99 and max,
   over the whole time (the cold answers' waits included). `--client httpx`
   drives them from this process instead: that generator takes a core of
   its own on a two-core machine, and its queueing shows in every figure.
   `--keep` leaves the seeded schemas; `--reuse PREFIX` measures on them
   again without seeding.
3. Index use: for each endpoint, the change in `pg_stat_user_tables`
   (sequential scans and rows they read, index scans) on the read-model
   tables while it ran. A sequential scan of a big table is a missing index.
"""

import argparse
import asyncio
import json
import logging
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
import psycopg
from psycopg import sql
from selenium.webdriver.support.ui import WebDriverWait

from bench.cleanup import clean_up
from bench.latency import RssSampler
from bench.machine import load_average, machine_facts
from bench.mix import VISITORS, event_mix
from bench.projections import produce, project
from bench.pyspy import Sampling
from services.kit import kafka_auth, keys
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.support.processes import running_services

SERVICES = ("scheduler", "feedback", "reporting")
DASHBOARD = ("cards", "trend", "breakdowns", "visits", "feedback", "suggestions")
# Issue 14's volume: rows of these tables after multiplying; every other
# read-model table is multiplied as the visits are.
TARGETS = {"visits": 1_000_000, "visit_records": 300_000, "tickets": 50_000}
QUICK_TARGETS = {"visits": 40_000, "visit_records": 12_000, "tickets": 1_000}
KIT_TABLES = {"consumer_positions", "applied_events", "schema_migrations"}
CLIENTS = 20

Params = Callable[[random.Random], tuple[str, dict[str, str]]]


@dataclass
class Endpoint:
    """One API read, the service answering it, and what was measured."""

    name: str
    service: str
    params: Params
    limit_ms: float
    requests: int = 0
    first_ms: float = float("nan")
    # Latency quantiles in ms: "p50", "p95", "p99", "max".
    ms: dict[str, float] = field(default_factory=dict)
    errors: dict[int | str, int] = field(default_factory=dict)
    scans: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def quantile(self, name: str) -> float:
        """A measured latency quantile, ms (nan when nothing was measured)."""
        return self.ms.get(name, float("nan"))


def endpoints(as_of: str, month: str) -> list[Endpoint]:
    """The reads issue 14 names, each with parameters varied per request."""
    regions = ("east", "north", "south", "west", "central")

    def visits(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/v1/visits", {
            "as_of": as_of,
            "status": rng.choice(("due", "overdue", "planned", "done")),
            "region": rng.choice(regions),
            "limit": "50",
        }

    def worklist(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/v1/worklist", {"as_of": as_of, "region": rng.choice(regions)}

    def calendar(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/v1/visits.ics", {"visitor": rng.choice(VISITORS)}

    def tickets(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/v1/tickets", {
            "status": rng.choice(("open", "assigned", "resolved", "verified")),
            "limit": "50",
        }

    def report(_: random.Random) -> tuple[str, dict[str, str]]:
        # A closed period is answered from its frozen copy when frozen;
        # `live` makes the service count it, the expensive case.
        return f"/v1/reports/monthly/{month}", {"live": "true"}

    def widget(name: str) -> Params:
        def params(rng: random.Random) -> tuple[str, dict[str, str]]:
            # Half the requests filtered by a region, as a user clicking it.
            chosen = {"period": month}
            if name != "feedback" and rng.random() < 0.5:
                chosen["region"] = rng.choice(regions)
            return f"/v1/dashboard/{name}", chosen

        return params

    return [
        Endpoint("GET /v1/visits (filtered page)", "scheduler", visits, 30),
        Endpoint("GET /v1/worklist", "scheduler", worklist, 30),
        Endpoint("GET /v1/visits.ics (one visitor)", "scheduler", calendar, 30),
        Endpoint("GET /v1/tickets", "feedback", tickets, 30),
        Endpoint(f"GET /v1/reports/monthly/{month}?live", "reporting", report, 100),
        *(
            Endpoint(f"GET /v1/dashboard/{name}", "reporting", widget(name), 100)
            for name in DASHBOARD
        ),
    ]


def seed(settings: Settings, events: int, timeout_s: float) -> None:
    """Project a realistic mix into the three read models."""
    ensure_topics(
        settings.kafka_bootstrap,
        catalogue_topics(settings.topic_prefix),
        settings.partitions,
        settings.replication_factor,
    )
    print(f"seed: building and producing {events:,} events", flush=True)
    _, ends = asyncio.run(produce(settings, event_mix(events), timeout_s))
    for service in SERVICES:
        print(f"seed: projecting {service}", flush=True)
        asyncio.run(project(settings, service, ends, timeout_s))


def _multiply_table(
    conn: psycopg.Connection[Any], schema: str, table: str, scale: int
) -> None:
    columns = conn.execute(
        "SELECT column_name, data_type, column_default, is_identity"
        " FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    ).fetchall()
    names, values = [], []
    for name, data_type, default, identity in columns:
        if (default and "nextval" in default) or identity == "YES":
            continue  # serial or identity: numbered afresh
        names.append(sql.Identifier(name))
        suffixed = data_type == "text" and (
            name.endswith("_id") or name in {"record_no", "by_record_no"}
        )
        values.append(
            sql.SQL("{} || '~' || k").format(sql.Identifier(name))
            if suffixed
            else sql.Identifier(name)
        )
    conn.execute(
        sql.SQL(
            "INSERT INTO {t} ({cols}) SELECT {vals} FROM {t},"
            " generate_series(1, %s) AS k ON CONFLICT DO NOTHING"
        ).format(
            t=sql.Identifier(schema, table),
            cols=sql.SQL(", ").join(names),
            vals=sql.SQL(", ").join(values),
        ),
        (scale - 1,),
    )


def factors(
    conn: psycopg.Connection[Any], settings: Settings, targets: dict[str, int]
) -> dict[str, int]:
    """How many times to multiply each group of tables to reach `targets`
    (the largest of the services' tables of that name counts)."""
    out = {}
    for table, target in targets.items():
        rows = 0
        for service in SERVICES:
            found = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL",
                (f"{settings.schema_for(service)}.{table}",),
            ).fetchone()
            if found and found[0]:
                counted = conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(
                        sql.Identifier(settings.schema_for(service), table)
                    )
                ).fetchone()
                rows = max(rows, counted[0] if counted else 0)
        out[table] = max(1, round(target / max(rows, 1)))
    return out


def _group(table: str) -> str:
    """Which target a table grows with: its records, its tickets (and their
    steps and breaches), else the visits."""
    if table in ("visit_records", "records"):
        return "visit_records"
    if "ticket" in table or table == "sla_breaches":
        return "tickets"
    return "visits"


def multiply(settings: Settings, targets: dict[str, int]) -> dict[str, int]:
    """Every read-model table multiplied towards `targets`; the row counts after."""
    counts: dict[str, int] = {}
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        scale = factors(conn, settings, targets)
        print(f"  factors: {scale}", flush=True)
        for service in SERVICES:
            schema = settings.schema_for(service)
            tables = [
                t
                for (t,) in conn.execute(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                    (schema,),
                )
                if t not in KIT_TABLES
            ]
            for table in tables:
                times = scale[_group(table)]
                if times > 1:
                    _multiply_table(conn, schema, table, times)
                # VACUUM too: a table just grown by millions of rows is what
                # autovacuum visits next (its insert threshold), which would
                # be during the measurement; production tables are vacuumed.
                conn.execute(
                    sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(schema, table))
                )
                row = conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(
                        sql.Identifier(schema, table)
                    )
                ).fetchone()
                counts[f"{service}.{table}"] = row[0] if row else 0
    return counts


def scans(settings: Settings, service: str) -> dict[str, tuple[int, int, int]]:
    """(seq_scan, seq_tup_read, idx_scan) of each read-model table."""
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0)"
            " FROM pg_stat_user_tables WHERE schemaname = %s",
            (settings.schema_for(service),),
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows if r[0] not in KIT_TABLES}


async def hammer(
    url: str, key: str, endpoint: Endpoint, seconds: float, seed_: int
) -> None:
    """CLIENTS concurrent httpx clients in this process asking one endpoint
    for `seconds` (`--client httpx`: the generator takes a core of its own
    and its queueing is part of every figure)."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as client:

        async def one(i: int) -> None:
            rng = random.Random(seed_ * 100 + i)
            while time.perf_counter() < deadline:
                path, params = endpoint.params(rng)
                started = time.perf_counter()
                answer = await client.get(path, params=params)
                latencies.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    code = answer.status_code
                    if not endpoint.errors:
                        print(f"    {code}: {answer.text[:300]}", flush=True)
                    endpoint.errors[code] = endpoint.errors.get(code, 0) + 1

        await asyncio.gather(*(one(i) for i in range(CLIENTS)))
    ordered = sorted(latencies) or [float("nan")]
    endpoint.requests = len(latencies)
    endpoint.ms = {
        name: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }


# wrk's script: a request is one of the sampled paths, drawn at random per
# request in each thread; at the end, one line of JSON the bench reads.
WRK_SCRIPT = """
local paths = {%(paths)s}
wrk.headers["Authorization"] = "Bearer %(key)s"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", %(seed)d + threads)
end
function init(args)
  math.randomseed(seed)
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "non_2xx": %%d, "socket_errors": %%d,'
    .. ' "p50": %%.3f, "p95": %%.3f, "p99": %%.3f, "max": %%.3f}\\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""
SAMPLED_PATHS = 2000


def first_ask(url: str, key: str, endpoint: Endpoint, seed_: int) -> None:
    """One request alone before the load, timed: for the reporting service's
    cached answers the cold one (computed, not found), which the load's
    first requests wait for too. A refusal shows its reason here (wrk only
    counts it)."""
    path, params = endpoint.params(random.Random(seed_))
    started = time.perf_counter()
    answer = httpx.get(
        url + path,
        params=params,
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    endpoint.first_ms = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        print(f"    {answer.status_code}: {answer.text[:300]}", flush=True)


def hammer_wrk(
    url: str, key: str, endpoint: Endpoint, seconds: float, seed_: int, *, work: Path
) -> None:
    """CLIENTS concurrent connections of wrk (C, two threads) asking one
    endpoint for `seconds`, each request one of SAMPLED_PATHS drawn from the
    endpoint's parameters. wrk takes a few per cent of a core where the
    httpx clients took one, so the figures are the service's."""
    rng = random.Random(seed_)
    paths = []
    for _ in range(SAMPLED_PATHS):
        path, params = endpoint.params(rng)
        paths.append(str(httpx.URL(path, params=params)))
    script = work / "wrk.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "paths": ", ".join(json.dumps(p) for p in paths),
            "key": key,
            "seed": seed_ * 100,
        },
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            "wrk", "--threads", "2", "--connections", str(CLIENTS),
            "--duration", f"{max(1, round(seconds))}s", "--timeout", "30s",
            "--script", str(script), url,
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {done.stdout} {done.stderr}")
    measured = json.loads(line[4:])
    endpoint.requests = measured["requests"]
    endpoint.ms = {q: measured[q] for q in ("p50", "p95", "p99", "max")}
    for kind in ("non_2xx", "socket_errors"):
        if measured[kind]:
            endpoint.errors[kind] = measured[kind]


def report(
    facts: dict[str, str],
    counts: dict[str, int],
    results: Sequence[Endpoint],
    rss: RssSampler,
    first_draw: str,
    *,
    client: str,
) -> None:
    """Print the machine, the volumes and the tables."""
    print("\n## Machine")
    for name, value in facts.items():
        print(f"- {name}: {value}")
    print(f"- load average at the end: {load_average()}")
    print("\nread-model rows (projected, then multiplied server-side):")
    print(", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(
        f"\nload generator: {client}"
        f"\n| endpoint ({CLIENTS} clients) | first ask ms | requests | errors"
        " | p50 ms | p95 ms | p99 ms | max ms | limit p95 | ratio p95/limit |"
        "\n|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"
    )
    for e in results:
        print(
            f"| {e.name} | {e.first_ms:.0f} | {e.requests:,} | {e.errors or '-'}"
            f" | {e.quantile('p50'):.0f} | {e.quantile('p95'):.0f}"
            f" | {e.quantile('p99'):.0f} | {e.quantile('max'):.0f}"
            f" | {e.limit_ms:.0f} | {e.quantile('p95') / e.limit_ms:.2f} |"
        )
    print(
        "\n| endpoint | table | seq scans | rows read by seq scans | index scans |"
        "\n|---|---|---:|---:|---:|"
    )
    for e in results:
        for table, (seq, rows, idx) in e.scans.items():
            if seq or idx:
                print(f"| {e.name} | {table} | {seq:,} | {rows:,} | {idx:,} |")
    print(f"\ndashboard page, first draw: {first_draw}")
    print("\n| service | RSS peak MiB | RSS at the end MiB |\n|---|---:|---:|")
    for name in rss.peak:
        print(f"| {name} | {rss.peak[name] / 1024:.0f} | {rss.last[name] / 1024:.0f} |")


def main(argv: Sequence[str] | None = None) -> None:
    """Seed, start the services, measure, print."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.queries", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--events", type=int, default=100_000)
    for name, rows in TARGETS.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=rows,
            dest=name,
            help=f"rows of {name} to reach (default {rows:,})",
        )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--as-of", default="2023-06-15")
    parser.add_argument("--month", default="2023-06")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--keep", action="store_true", help="keep the schemas, topics and groups"
    )
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk",
        help="the load generator: wrk (C; default) or httpx clients in this"
        " process (they take a core of their own, which the figures then include)",
    )
    parser.add_argument(
        "--reuse",
        metavar="PREFIX",
        help="measure on the schemas a run with --keep left (its prefix, printed"
        " at the start), without seeding them again; implies --keep",
    )
    parser.add_argument(
        "--only", help="measure only endpoints whose name holds one of these words"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="sample the answering service with py-spy during each endpoint's"
        " load (collapsed stacks and a summary in DIR)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.seconds = 20_000, 4
        vars(args).update(QUICK_TARGETS)
    logging.basicConfig(level=logging.WARNING)
    prefix = args.reuse or f"bench{uuid.uuid4().hex[:8]}"
    args.keep = args.keep or bool(args.reuse)
    print(f"prefix {prefix}", flush=True)
    seeding = Settings(topic_prefix=prefix, schema_prefix=f"{prefix}_")
    kafka_auth.configure(seeding)
    facts = machine_facts(seeding)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-queries-"))
    try:
        counts, results, rss, first_draw = _run(args, prefix, seeding, log_dir)
    finally:
        if not args.keep:
            clean_up(seeding, prefix)
    report(facts, counts, results, rss, first_draw, client=args.client)
    print(f"(service logs in {log_dir})")


def _delta(
    after: dict[str, tuple[int, int, int]], before: dict[str, tuple[int, int, int]]
) -> dict[str, tuple[int, int, int]]:
    out = {}
    for table, (seq, rows, idx) in after.items():
        seq0, rows0, idx0 = before.get(table, (0, 0, 0))
        out[table] = (seq - seq0, rows - rows0, idx - idx0)
    return out


def _run(
    args: argparse.Namespace, prefix: str, seeding: Settings, log_dir: Path
) -> tuple[dict[str, int], list[Endpoint], RssSampler, str]:
    if not args.reuse:
        seed(seeding, args.events, args.timeout)
    targets = {name: getattr(args, name) for name in TARGETS}
    print(f"seed: multiplying the read models towards {targets}", flush=True)
    started = time.perf_counter()
    counts = multiply(seeding, targets)
    print(f"  {time.perf_counter() - started:.1f}s", flush=True)
    # The same schemas, an empty topic prefix: the consumers stay idle.
    serving = Settings(topic_prefix=f"{prefix}q", schema_prefix=f"{prefix}_")
    _, key = keys.create(serving, role="admin", owner="bench")
    processes: dict[str, Popen[bytes]] = {}
    rss = RssSampler(processes)
    results = [
        e
        for e in endpoints(args.as_of, args.month)
        if not args.only or any(word in e.name for word in args.only.split(","))
    ]
    with running_services(
        serving, log_dir, names=SERVICES, processes=processes
    ) as urls:
        for n, e in enumerate(results):
            before = scans(serving, e.service)
            first_ask(urls[e.service], key, e, n)
            with ExitStack() as stack:
                if args.profile:
                    phase = e.name.split(" ", 1)[1].strip("/").replace("/", "_")
                    sampling = stack.enter_context(
                        Sampling({e.service: processes[e.service]}, args.profile, phase)
                    )
                if args.client == "wrk":
                    hammer_wrk(urls[e.service], key, e, args.seconds, n, work=log_dir)
                else:
                    asyncio.run(hammer(urls[e.service], key, e, args.seconds, n))
            if args.profile:
                print(sampling.summaries(8), flush=True)
            e.scans = _delta(scans(serving, e.service), before)
            rss.sample()
            print(f"  {e.name}: p95 {e.quantile('p95'):.0f} ms", flush=True)
        first_draw = dashboard_first_draw(urls["reporting"], key, args.month)
        rss.sample()
        print(f"  dashboard page: {first_draw}", flush=True)
    return counts, results, rss, first_draw


def dashboard_first_draw(url: str, key: str, month: str, loads: int = 5) -> str:
    """Open `/dashboard` in headless Chromium `loads` times: milliseconds
    from navigation start to the first chart drawn and to every widget
    filled (the page's own `window.dashboard` marks), first load and median."""
    try:
        from tests.support.browser import chromium
    except ImportError as exc:  # selenium is a test dependency
        return f"not measured ({exc})"
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return "not measured (chromium missing: `make browser`)"
    first: list[float] = []
    ready: list[float] = []
    with chromium(1400, 2400) as driver:
        for _ in range(loads):
            driver.get(f"{url}/dashboard?period={month}#key={key}")
            WebDriverWait(driver, 60, poll_frequency=0.02).until(
                lambda d: d.execute_script(
                    "return !!(window.dashboard && window.dashboard.ready)"
                )
            )
            marks = driver.execute_script(
                "return [window.dashboard.firstChartAt, window.dashboard.readyAt]"
            )
            first.append(float(marks[0]))
            ready.append(float(marks[1]))
            driver.get("about:blank")
    return (
        f"first chart {first[0]:.0f} ms on the first load, median"
        f" {statistics.median(first):.0f} ms over {loads}; every widget filled"
        f" {ready[0]:.0f} ms first, median {statistics.median(ready):.0f} ms"
        " (limit: first chart within 2,000 ms)"
    )


if __name__ == "__main__":
    main()
