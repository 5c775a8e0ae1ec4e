"""The facts about the machine and the servers that a figure depends on."""

import os
import platform
from importlib.metadata import version
from pathlib import Path

import psycopg
from kafka.admin import KafkaAdminClient

from services.kit import kafka_auth
from services.kit.settings import Settings


def _proc_field(path: str, field: str) -> str:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == field:
            return value.strip()
    return "?"


def _kafka_version(bootstrap: str) -> str:
    # The protocol has no "server version" call; the client infers the release
    # from the API versions the broker supports (major.minor only).
    admin = KafkaAdminClient(
        **kafka_auth.options(), bootstrap_servers=bootstrap, client_id="bench-facts"
    )
    try:
        major, minor, *_ = admin._client.check_version()
        return f"{major}.{minor} (inferred from its API versions)"
    finally:
        admin.close()


# The server settings a figure depends on (issue 14: "Kafka and PostgreSQL
# settings used for the run recorded").
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_connections",
    "fsync",
    "synchronous_commit",
    "wal_level",
    "max_wal_size",
    "checkpoint_timeout",
)
KAFKA_SETTINGS = (
    "num.partitions",
    "default.replication.factor",
    "min.insync.replicas",
    "num.io.threads",
    "num.network.threads",
    "log.flush.interval.messages",
    "log.segment.bytes",
    "compression.type",
)
LOCAL_KAFKA = Path(__file__).parents[1] / ".local" / "kafka" / "server.properties"


def _kafka_settings(bootstrap: str) -> str:
    # The local stack's broker (deploy/local/stack.sh) writes its settings to
    # a file; a setting it does not name is at Kafka's default.
    if not LOCAL_KAFKA.exists() or not bootstrap.startswith("127.0.0.1:"):
        return "not the local stack: see the broker's own configuration"
    found = {}
    for line in LOCAL_KAFKA.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        if name.strip() in KAFKA_SETTINGS:
            found[name.strip()] = value.strip()
    return ", ".join(f"{k} {found.get(k, 'default')}" for k in KAFKA_SETTINGS)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    # Other work on the machine (tests, builds) shares the same cores as the
    # broker, the database and the benchmark: a figure means little without it.
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_facts(settings: Settings) -> dict[str, str]:
    """nproc, memory, CPU, Python, library, Kafka and PostgreSQL versions and
    the servers' settings that matter to throughput and durability."""
    kib = int(_proc_field("/proc/meminfo", "MemTotal").split()[0])
    with psycopg.connect(settings.database_url, connect_timeout=10) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg = {
            name: (conn.execute(f"SHOW {name}").fetchone() or ("?",))[0]
            for name in PG_SETTINGS
        }
    libraries = ("aiokafka", "kafka-python", "psycopg", "pydantic", "pydantic-core")
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": f"{kib / 1024 / 1024:.1f} GiB",
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "python": platform.python_version(),
        "kafka": _kafka_version(settings.kafka_bootstrap),
        "postgresql": row[0] if row else "?",
        "postgresql settings": ", ".join(f"{k} {v}" for k, v in pg.items()),
        "kafka settings": _kafka_settings(settings.kafka_bootstrap),
        "load average (1/5/15 min) at start": load_average(),
        "libraries": ", ".join(f"{lib} {version(lib)}" for lib in libraries),
    }


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a local process has used (from /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None  # not on this machine, or not ours to read
    # Fields after the command name, which may itself hold spaces: the 14th
    # and 15th fields of the line (utime, stime) are the 12th and 13th here.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
