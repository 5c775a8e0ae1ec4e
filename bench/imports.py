"""The Friday batch at volume: a 50,000-row production workbook imported
through the real ledger service.

    .venv/bin/python -m bench.imports               # 50,000 rows
    .venv/bin/python -m bench.imports --quick       # 5,000 rows (CI)
    .venv/bin/python -m bench.imports --rows 20000 --keep

Writes one valid workbook of the production department's two facts (a
contract per customer and four shipped product lines per contract, so a
fifth of the rows are contracts), starts the ledger (`python -m
services.ledger`, as the e2e tests do) on a fresh prefix, issues a
production key (`services.kit.keys.create`) and times, through HTTP with the
file as the body:

1. `POST /v1/imports?dry_run=true` (read, validate, look up known ids),
2. `POST /v1/imports` (the real import: every fact appended, the answer
   waits until the ledger applied them),
3. the same file again (appends nothing; every row already there),

and `python -m services.ledger.client --check file.xlsx` (the CLI reads and
validates the same rows locally, sends nothing). It prints rows/s per step
and the peak RSS of the ledger process during each.
"""

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
from openpyxl import Workbook

from bench.cleanup import clean_up
from bench.machine import load_average, machine_facts
from services.kit import kafka_auth, keys
from services.kit.settings import Settings
from services.ledger.domain.imports import COLUMNS
from services.ledger.sheets import XLSX
from tests.support.processes import running_services

UNITS_PER_CONTRACT = 4
TIMEOUT_S = 1800.0


def workbook(rows: int, path: Path) -> dict[str, int]:
    """A valid production workbook of `rows` rows (written streaming)."""
    contracts = rows // (1 + UNITS_PER_CONTRACT)
    shipments = rows - contracts
    book = Workbook(write_only=True)
    sheets = {f: book.create_sheet(f) for f in ("contract_registered", "shipped")}
    for fact, sheet in sheets.items():
        sheet.append([c.header for c in COLUMNS[fact]])
    for n in range(contracts):
        values = {
            "customer_id": f"BC{n:06d}",
            "customer_name": f"客户{n}",
            "contract_id": f"BK{n:06d}",
            "project_name": f"{n % 500}kV 变电站",
            "amount": f"{100000 + n}.00",
            "region": ("east", "north", "south", "west")[n % 4],
            "power_contact.name": "李伟",
            "power_contact.phone": f"138{n:08d}",
            "substation_contact.name": "王芳",
            "substation_contact.phone": f"139{n:08d}",
        }
        sheets["contract_registered"].append(
            [values.get(c.path) for c in COLUMNS["contract_registered"]]
        )
    for m in range(shipments):
        n = m % contracts
        values = {
            "customer_id": f"BC{n:06d}",
            "contract_id": f"BK{n:06d}",
            "unit_id": f"BU{m:07d}",
            "product_model": "KYN28-12",
            "quantity": str(1 + m % 8),
            "ship_date": f"2026-11-{1 + m % 27:02d}",
        }
        sheets["shipped"].append([values.get(c.path) for c in COLUMNS["shipped"]])
    book.save(path)
    return {"contract_registered": contracts, "shipped": shipments}


class PeakRss:
    """The peak resident set of a process while a step runs (every 0.2 s)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _kib(self) -> int:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, self._kib())
            time.sleep(0.2)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, self._kib())


def post(
    client: httpx.Client, url: str, data: bytes, *, dry_run: bool, pid: int
) -> tuple[float, int, dict[str, Any], int]:
    """Seconds, status, answer and the ledger's peak RSS (KiB) of one upload."""
    with PeakRss(pid) as rss:
        start = time.perf_counter()
        r = client.post(
            f"{url}/v1/imports",
            params={"dry_run": str(dry_run).lower()},
            content=data,
            headers={"Content-Type": XLSX},
        )
        seconds = time.perf_counter() - start
    json = "json" in r.headers.get("content-type", "")
    body: dict[str, Any] = r.json() if json else {}
    return seconds, r.status_code, body, rss.peak_kib


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="5,000 rows (CI)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the schemas, topics and groups"
    )
    args = parser.parse_args(argv)
    rows = 5_000 if args.quick else args.rows
    logging.basicConfig(level=logging.WARNING)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(topic_prefix=prefix, schema_prefix=f"{prefix}_")
    kafka_auth.configure(settings)
    facts = machine_facts(settings)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    path = log_dir / f"production-{rows}.xlsx"
    start = time.perf_counter()
    counts = workbook(rows, path)
    written = time.perf_counter() - start
    data = path.read_bytes()
    print(f"prefix {prefix}; service log and workbook in {log_dir}", flush=True)
    print(
        f"workbook: {rows} rows {counts}, {len(data) / 1024 / 1024:.1f} MiB,"
        f" written in {written:.1f} s",
        flush=True,
    )
    try:
        results = measure(settings, path, data)
    finally:
        if not args.keep:
            clean_up(settings, prefix)
    report(facts, rows, len(data), results)


Result = tuple[str, float, int, str, int]


def measure(settings: Settings, path: Path, data: bytes) -> list[Result]:
    """The three uploads through the ledger, then the CLI's check."""
    results: list[Result] = []
    processes: dict[str, Popen[bytes]] = {}
    with running_services(
        settings, path.parent, ["ledger"], processes=processes
    ) as urls:
        _, key = keys.create(settings, role="production", owner="bench")
        pid = processes["ledger"].pid
        with httpx.Client(
            headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT_S
        ) as client:
            for name, dry_run in (
                ("dry run", True),
                ("import", False),
                ("import again", False),
            ):
                seconds, code, body, peak = post(
                    client, urls["ledger"], data, dry_run=dry_run, pid=pid
                )
                said = (
                    f"problems {len(body.get('problems', []))},"
                    f" appended {sum(body.get('appended', {}).values())},"
                    f" already {body.get('already')}"
                    if code == 200
                    else str(body)[:200]
                )
                results.append((name, seconds, code, said, peak))
                print(f"{name}: {code} in {seconds:.1f} s ({said})", flush=True)
                assert code == 200, (name, code, body)
    start = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-m", "services.ledger.client", "--check", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    seconds = time.perf_counter() - start
    said = (cli.stdout.strip().splitlines() or [""])[-1][:120]
    results.append(("client --check", seconds, cli.returncode, said, 0))
    print(f"client --check: exit {cli.returncode} in {seconds:.1f} s", flush=True)
    return results


def report(facts: dict[str, str], rows: int, size: int, results: list[Result]) -> None:
    """The machine and the figures, as Markdown tables."""
    print()
    print("| machine | |")
    print("|---|---|")
    for k, v in facts.items():
        print(f"| {k} | {v} |")
    print(f"| load average at the end | {load_average()} |")
    print()
    print(f"{rows} rows ({size / 1024 / 1024:.1f} MiB workbook):")
    print()
    print("| step | answer | seconds | rows/s | ledger peak RSS MiB | said |")
    print("|---|---|---:|---:|---:|---|")
    for name, seconds, code, said, peak in results:
        rss = f"{peak / 1024:.0f}" if peak else "-"
        rate = f"{rows / seconds:,.0f}"
        print(f"| {name} | {code} | {seconds:.1f} | {rate} | {rss} | {said} |")


if __name__ == "__main__":
    main()
