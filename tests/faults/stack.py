"""The fault run's own infrastructure: Kafka (one node, or three for the
broker leader kills) and PostgreSQL, started by `deploy/local/stack.sh` with
a temporary state dir and free ports, never the shared stack on 9092/5433
(restarting that one would break everyone else's runs). Wiped at the end.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from kafka.admin import KafkaAdminClient

from services.kit import kafka_auth

STACK = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack.sh"


def free_ports(n: int) -> list[int]:
    """n distinct ports free right now (all bound at once, so never the same)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


@dataclass
class PrivateStack:
    """Kafka and PostgreSQL of one fault run."""

    state: Path
    env: dict[str, str]
    brokers: int
    bootstrap: str
    database_url: str
    # What a client of this stack needs (`stack.sh env`): bootstrap,
    # replication factor, Kafka credentials when the broker asks for them.
    client_env: dict[str, str]

    def stack(self, *args: str, check: bool = True, timeout: float = 300) -> str:
        done = subprocess.run(
            ["bash", str(STACK), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            said = f"{done.stdout}{done.stderr}"[-3000:]
            msg = f"stack.sh {' '.join(args)}: exit {done.returncode}\n{said}"
            raise RuntimeError(msg)
        return done.stdout

    # ---------------------------------------------------------- PostgreSQL
    def pg_data(self) -> Path:
        base = Path((self.state / "pg.location").read_text().strip())
        return base / "data"

    def restart_postgres(self) -> None:
        """Stop PostgreSQL at once (`-m immediate`: a crash, no checkpoint,
        every connection cut), then start it again (crash recovery)."""
        data = self.pg_data()
        pg_ctl = str(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1])
        self._pg_ctl(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        said = ""
        for _ in range(4):
            done = self._pg_ctl(
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(data.parent / "postgresql.log"),
                "-w",
                "-t",
                "150",
                "start",
            )
            if done.returncode == 0:
                return
            said = f"{done.stdout}{done.stderr}"[-500:]
            time.sleep(2)
        msg = f"PostgreSQL did not start again: {said}"
        raise RuntimeError(msg)

    @staticmethod
    def _pg_ctl(*command: str) -> subprocess.CompletedProcess[str]:
        argv = list(command)
        if os.geteuid() == 0:  # the server refuses to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(
            argv, cwd="/", capture_output=True, text=True, timeout=200, check=False
        )

    # --------------------------------------------------------------- Kafka
    def admin(self) -> KafkaAdminClient:
        return KafkaAdminClient(
            **kafka_auth.options(),
            bootstrap_servers=self.bootstrap,
            request_timeout_ms=10_000,
        )

    def leader(self, topic: str, partition: int) -> int:
        admin = self.admin()
        try:
            (described,) = admin.describe_topics([topic])
        finally:
            admin.close()
        (found,) = [
            p for p in described["partitions"] if p["partition_index"] == partition
        ]
        return int(found["leader_id"])

    def kill_broker(self, node: int) -> None:
        self.stack("kill-broker", str(node))

    def start_broker(self, node: int) -> None:
        self.stack("start-broker", str(node))

    def close(self) -> None:
        try:
            self.stack("wipe", check=False, timeout=240)
        finally:
            kill_leftovers(self.state)
            shutil.rmtree(self.state, ignore_errors=True)


def kill_leftovers(state: Path) -> None:
    """SIGKILL brokers whose pid files remain (stack.sh wipe failed)."""
    for pidfile in state.glob("kafka/**/kafka.pid"):
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if str(state).encode() in cmdline:
            os.kill(pid, signal.SIGKILL)


def start(brokers: int) -> PrivateStack:
    """A fresh stack: `brokers` Kafka nodes and one PostgreSQL cluster."""
    state = Path(tempfile.mkdtemp(prefix="followup-faults-"))
    state.chmod(0o755)  # traversable by the postgres OS user
    ports = free_ports(2 * brokers + 1)
    kafka, controllers, pg = ports[:brokers], ports[brokers:-1], ports[-1]
    env = {
        **os.environ,
        "FOLLOWUP_STATE": str(state),
        "BROKERS": str(brokers),
        "FOLLOWUP_STACK_POSTGRES": "1",
        "FOLLOWUP_PG_PORT": str(pg),
        "FOLLOWUP_KAFKA_PORTS": ",".join(map(str, kafka)),
        "FOLLOWUP_KAFKA_CONTROLLER_PORTS": ",".join(map(str, controllers)),
        "FOLLOWUP_WAIT_TIMEOUT": "180",
    }
    env.pop("FOLLOWUP_BROKERS", None)
    private = PrivateStack(
        state=state,
        env=env,
        brokers=brokers,
        bootstrap=",".join(f"127.0.0.1:{p}" for p in kafka),
        database_url=f"postgresql://followup:followup@127.0.0.1:{pg}/followup",
        client_env={},
    )
    try:
        private.stack("start")
        private.client_env = parse_env(private.stack("env"))
    except BaseException:
        private.close()
        raise
    private.bootstrap = private.client_env.get(
        "FOLLOWUP_KAFKA_BOOTSTRAP", private.bootstrap
    )
    private.database_url = private.client_env.get(
        "FOLLOWUP_DATABASE_URL", private.database_url
    )
    return private


def parse_env(text: str) -> dict[str, str]:
    """`export NAME=value` lines of `stack.sh env`."""
    found = {}
    for line in text.splitlines():
        name, sep, value = line.removeprefix("export ").partition("=")
        if sep and name.startswith("FOLLOWUP_"):
            found[name.strip()] = value.strip().strip("'\"")
    return found
