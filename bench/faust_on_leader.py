"""Can faust-streaming's leader-elected timers run the daily jobs? (issue 13)

architecture.md point 10 names faust-streaming for periodic work; the kit
runs its jobs on a PostgreSQL advisory lock instead (services/kit/jobs.py).
This experiment measures what `@app.timer(on_leader=True)` gives when the
leader is killed, the fault the fault suite injects:

    python -m bench.faust_on_leader --workers 3 --kills 5

starts N faust workers of one app (real broker; faust-streaming must be
installed: `pip install faust-streaming`, it is not a dependency of the
services), each ticking every `--interval` seconds on the leader only and
recording each tick (worker, time) in PostgreSQL; it SIGKILLs whichever
worker led the last tick, restarts it, and repeats. It prints, per kill, how
long no worker ticked (the hand-over gap), and over the whole run how many
interval slots were ticked by two workers at once (two leaders). The kit's
helper is measured the same way by tests/e2e/test_job_failover.py: its lock
is freed when the dead leader's connection closes, so the stand-by takes
over at its next interval.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from services.kit.settings import Settings

TABLE = "faust_on_leader_ticks"


def worker_main() -> None:
    """One faust worker: tick on the leader, record the tick."""
    import faust  # only the experiment needs it

    settings = Settings()
    app_id = os.environ["FAUST_EVAL_APP"]
    worker = os.environ["FAUST_EVAL_WORKER"]
    interval = float(os.environ["FAUST_EVAL_INTERVAL"])
    app = faust.App(
        app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_replication_factor=1,
        topic_partitions=1,
        # Left at faust's defaults (session 60 s, heartbeat 3 s) unless
        # asked: the defaults are what a deployment would get.
        broker_session_timeout=float(os.environ.get("FAUST_EVAL_SESSION_S", "60")),
    )
    conn = psycopg.connect(settings.database_url, autocommit=True)

    @app.timer(interval=interval, on_leader=True)  # type: ignore[untyped-decorator]
    async def tick() -> None:
        conn.execute(
            f"INSERT INTO {TABLE} (app, worker, at) VALUES (%s, %s, clock_timestamp())",
            (app_id, worker),
        )

    # Each worker binds its own web port even with the web disabled.
    port = str(16066 + int(worker.lstrip("w")))
    sys.argv = [sys.argv[0], "worker", "-l", "warn", "--web-port", port]
    app.main()


@dataclass
class Run:
    app: str
    interval: float
    log_dir: Path
    procs: dict[str, subprocess.Popen[bytes]]

    def start(self, worker: str, session_s: float) -> None:
        log = (self.log_dir / f"{worker}.log").open("ab")
        self.procs[worker] = subprocess.Popen(
            [sys.executable, "-m", "bench.faust_on_leader", "--worker"],
            env={
                **os.environ,
                "FAUST_EVAL_APP": self.app,
                "FAUST_EVAL_WORKER": worker,
                "FAUST_EVAL_INTERVAL": str(self.interval),
                "FAUST_EVAL_SESSION_S": str(session_s),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def last_ticker(conn: psycopg.Connection[Any], app: str) -> tuple[str, float] | None:
    row = conn.execute(
        f"SELECT worker, extract(epoch FROM at) FROM {TABLE}"
        " WHERE app = %s ORDER BY at DESC LIMIT 1",
        (app,),
    ).fetchone()
    return None if row is None else (str(row[0]), float(row[1]))


def wait_for_tick(
    conn: psycopg.Connection[Any], app: str, after: float, timeout_s: float
) -> tuple[str, float] | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = last_ticker(conn, app)
        if found is not None and found[1] > after:
            return found
        time.sleep(0.2)
    return None


def drive(workers: int, kills: int, interval: float, session_s: float) -> int:
    settings = Settings()
    app = f"faust-eval-{uuid.uuid4().hex[:8]}"
    log_dir = Path(tempfile.mkdtemp(prefix=f"{app}-"))
    conn = psycopg.connect(settings.database_url, autocommit=True)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (app text, worker text, at timestamptz)"
    )
    run = Run(app, interval, log_dir, {})
    for n in range(1, workers + 1):
        run.start(f"w{n}", session_s)
    gaps: list[float] = []
    try:
        first = wait_for_tick(conn, app, 0.0, 180)
        if first is None:
            print("no worker ever ticked (see", log_dir, ")")
            return 1
        print(f"{workers} workers; {first[0]} leads")
        for k in range(1, kills + 1):
            time.sleep(max(5 * interval, 5))
            leader, _ = last_ticker(conn, app) or first
            killed_at = time.time()
            run.procs[leader].send_signal(signal.SIGKILL)
            run.procs[leader].wait()
            run.start(leader, session_s)  # the orchestrator restarts it
            nxt = wait_for_tick(conn, app, killed_at + interval, 300)
            if nxt is None:
                print(f"kill {k}: {leader} killed; no tick within 300 s")
                gaps.append(float("inf"))
                continue
            gaps.append(nxt[1] - killed_at)
            print(f"kill {k}: {leader} killed; {nxt[0]} ticked {gaps[-1]:.1f} s later")
        slots = conn.execute(
            f"SELECT count(*) FROM (SELECT floor(extract(epoch FROM at) / %s)"
            f" FROM {TABLE} WHERE app = %s GROUP BY 1"
            " HAVING count(DISTINCT worker) > 1) s",
            (interval, app),
        ).fetchone()
        two_leaders = int(slots[0]) if slots else 0
        ticks = conn.execute(
            f"SELECT count(*) FROM {TABLE} WHERE app = %s", (app,)
        ).fetchone()
    finally:
        for proc in run.procs.values():
            proc.kill()
            proc.wait()
    finite = sorted(g for g in gaps if g != float("inf"))
    print(
        f"ticks {ticks[0] if ticks else 0}; interval {interval} s;"
        f" session timeout {session_s} s; kills {kills};"
        f" hand-over gap median {finite[len(finite) // 2] if finite else 'n/a'} s,"
        f" max {max(gaps):.1f} s; interval slots ticked by two workers: {two_leaders}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--session-timeout", type=float, default=60.0)
    args = parser.parse_args()
    if args.worker:
        worker_main()
        return 0
    return drive(args.workers, args.kills, args.interval, args.session_timeout)


if __name__ == "__main__":
    sys.exit(main())
