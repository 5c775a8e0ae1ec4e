"""Several replicas of one service as real processes, like
`deploy/local/services.sh scale <service> <N>`: each its own port and log."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from services.kit.settings import Settings
from tests.support.processes import free_port, wait_ready


class Replicas:
    """Replicas 1..N of a service; replicas can be added and removed."""

    def __init__(
        self,
        settings: Settings,
        log_dir: Path,
        name: str,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            "FOLLOWUP_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "FOLLOWUP_DATABASE_URL": settings.database_url,
            "FOLLOWUP_TOPIC_PREFIX": settings.topic_prefix,
            "FOLLOWUP_SCHEMA_PREFIX": settings.schema_prefix,
            "FOLLOWUP_PARTITIONS": str(settings.partitions),
            "FOLLOWUP_REPLICATION_FACTOR": str(settings.replication_factor),
            "FOLLOWUP_WAIT_TIMEOUT_S": str(settings.wait_timeout_s),
            **(
                {"FOLLOWUP_CLOCK_DATE": settings.clock_date.isoformat()}
                if settings.clock_date
                else {}
            ),
            **(extra_env or {}),
        }
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.urls: dict[int, str] = {}

    def log_name(self, replica: int) -> str:
        return f"{self.name}.{replica}"

    def start(self, replica: int) -> None:
        """Start replica `replica` and wait until its /readyz answers 200."""
        for attempt in range(3):
            port = free_port()
            log = (self.log_dir / f"{self.log_name(replica)}.log").open("ab")
            self.procs[replica] = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.name}"],
                env={**self.env, "FOLLOWUP_HTTP_PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.urls[replica] = f"http://127.0.0.1:{port}"
            try:
                wait_ready(
                    self.log_name(replica),
                    self.urls[replica],
                    self.procs[replica],
                    self.log_dir,
                )
                return
            except RuntimeError as exc:
                # The port was free when picked; another process took it.
                if "address already in use" not in str(exc) or attempt == 2:
                    raise

    def stop(self, replica: int, sig: int = signal.SIGTERM) -> None:
        """Stop one replica (SIGTERM: leaves the group; SIGKILL: a crash)."""
        proc = self.procs.pop(replica)
        self.urls.pop(replica)
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()
        self.urls.clear()

    def readyz(self) -> dict[int, dict[str, object]]:
        """Each running replica's /readyz body."""
        return {
            r: httpx.get(f"{url}/readyz", timeout=5).json()
            for r, url in sorted(self.urls.items())
        }


@contextmanager
def running_replicas(
    settings: Settings,
    log_dir: Path,
    name: str,
    count: int,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Replicas]:
    """Start `count` replicas of service `name`; stop them all on exit."""
    replicas = Replicas(settings, log_dir, name, extra_env)
    try:
        for r in range(1, count + 1):
            replicas.start(r)
        yield replicas
    finally:
        replicas.stop_all()
