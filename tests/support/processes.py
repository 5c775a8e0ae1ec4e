"""The services as real processes (`python -m services.<name>`) for e2e tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from services.kit.settings import Settings

SERVICES = ("ledger", "scheduler", "survey", "feedback", "reporting")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_services(
    settings: Settings,
    log_dir: Path,
    names: Sequence[str] = SERVICES,
    extra_env: dict[str, str] | None = None,
    processes: dict[str, subprocess.Popen[bytes]] | None = None,
) -> Iterator[dict[str, str]]:
    """Start the services on free ports; yield name -> base URL; stop them.

    `processes`, when given, is filled with the running processes (to kill one).
    """
    procs: dict[str, subprocess.Popen[bytes]] = {} if processes is None else processes
    urls: dict[str, str] = {}
    env = {
        **os.environ,
        "FOLLOWUP_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "FOLLOWUP_DATABASE_URL": settings.database_url,
        "FOLLOWUP_TOPIC_PREFIX": settings.topic_prefix,
        "FOLLOWUP_SCHEMA_PREFIX": settings.schema_prefix,
        "FOLLOWUP_PARTITIONS": str(settings.partitions),
        "FOLLOWUP_WAIT_TIMEOUT_S": str(settings.wait_timeout_s),
        **(
            {"FOLLOWUP_CLOCK_DATE": settings.clock_date.isoformat()}
            if settings.clock_date
            else {}
        ),
        **(extra_env or {}),
    }

    def start(name: str) -> None:
        port = free_port()
        log = (log_dir / f"{name}.log").open("ab")
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env={**env, "FOLLOWUP_HTTP_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        urls[name] = f"http://127.0.0.1:{port}"

    try:
        for name in names:
            start(name)
        for name in names:
            # The port was free when picked, but another process may take it
            # before the service binds it: then start again on another one.
            for attempt in range(3):
                try:
                    wait_ready(name, urls[name], procs[name], log_dir)
                    break
                except RuntimeError as exc:
                    if "address already in use" not in str(exc) or attempt == 2:
                        raise
                    start(name)
        yield urls
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_ready(
    name: str,
    url: str,
    proc: subprocess.Popen[bytes],
    log_dir: Path,
    timeout_s: float = 90,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
            msg = f"{name} exited with {proc.returncode}:\n{log}"
            raise RuntimeError(msg)
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    msg = f"{name} not ready after {timeout_s}s"
    raise TimeoutError(msg)


def eventually(probe, timeout_s: float = 30, interval_s: float = 0.2):  # type: ignore[no-untyped-def]
    """Call `probe` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval_s)
    msg = f"condition not met in {timeout_s}s; last value: {last!r}"
    raise AssertionError(msg)
