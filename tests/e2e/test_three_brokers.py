"""A three-broker KRaft cluster (`BROKERS=3 deploy/local/stack.sh start`):
topics a service creates are replicated 3 times with min.insync.replicas 2,
an acks=all write survives the SIGKILL of its partition's leader, and with two
brokers down an acks=all write is refused, never acknowledged.

The cluster is this module's own (free ports, a temporary state dir, no
PostgreSQL: the services use the local stack's); it is wiped at the end even
when a test fails.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import KafkaError

from schemas.catalogue import LEDGER
from services.kit import kafka_auth
from services.kit.settings import Settings
from services.kit.topics import catalogue_topics, ensure_topics
from tests.support.processes import running_services

pytestmark = pytest.mark.e2e

STACK = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack.sh"
NODES = 3


def free_ports(n: int) -> list[int]:
    """n distinct ports free right now (all bound at once, so never the same)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


@dataclass
class Cluster:
    state: Path
    env: dict[str, str]
    bootstrap: str

    def stack(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["bash", str(STACK), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if check and done.returncode != 0:
            said = f"{done.stdout}{done.stderr}"
            msg = f"stack.sh {' '.join(args)}: exit {done.returncode}\n{said}"
            raise RuntimeError(msg)
        return done.stdout

    def kill(self, node: int) -> None:
        self.stack("kill-broker", str(node))

    def start(self, node: int) -> None:
        self.stack("start-broker", str(node))

    def admin(self) -> KafkaAdminClient:
        return KafkaAdminClient(
            **kafka_auth.options_for(Settings()),  # the admin
            bootstrap_servers=self.bootstrap,
            request_timeout_ms=10_000,
        )

    def partition(self, topic: str, partition: int) -> dict[str, Any]:
        admin = self.admin()
        try:
            (described,) = admin.describe_topics([topic])
        finally:
            admin.close()
        (found,) = [
            p for p in described["partitions"] if p["partition_index"] == partition
        ]
        return dict(found)

    def leader(self, topic: str, partition: int) -> int:
        return int(self.partition(topic, partition)["leader_id"])


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


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    state = Path(tempfile.mkdtemp(prefix="followup-3b-"))
    ports = free_ports(2 * NODES)
    brokers, controllers = ports[:NODES], ports[NODES:]
    env = {
        **os.environ,
        "FOLLOWUP_STATE": str(state),
        "BROKERS": str(NODES),
        "FOLLOWUP_STACK_POSTGRES": "0",
        "FOLLOWUP_KAFKA_PORTS": ",".join(map(str, brokers)),
        "FOLLOWUP_KAFKA_CONTROLLER_PORTS": ",".join(map(str, controllers)),
        "FOLLOWUP_WAIT_TIMEOUT": "150",
        # the cluster's admin is the suite's broker user
        "FOLLOWUP_KAFKA_ADMIN_PASSWORD": Settings().kafka_sasl_password or "",
    }
    env.pop("FOLLOWUP_BROKERS", None)
    bootstrap = ",".join(f"127.0.0.1:{p}" for p in brokers)
    c = Cluster(state=state, env=env, bootstrap=bootstrap)
    try:
        c.stack("start")
        yield c
    finally:
        try:
            c.stack("wipe", check=False)
        finally:
            kill_leftovers(state)
            shutil.rmtree(state, ignore_errors=True)


def test_status_and_env_show_the_three_nodes(cluster: Cluster) -> None:
    status = cluster.stack("status")
    assert "3 of 3 nodes running" in status
    for node in range(1, NODES + 1):
        assert f"node {node}: RUNNING" in status
    env = cluster.stack("env")
    assert f"FOLLOWUP_KAFKA_BOOTSTRAP={cluster.bootstrap}" in env
    assert "FOLLOWUP_REPLICATION_FACTOR=3" in env


def test_topics_a_service_creates_are_replicated_with_two_in_sync(
    cluster: Cluster, settings: Settings, tmp_path: Path
) -> None:
    on_cluster = settings.model_copy(
        update={"kafka_bootstrap": cluster.bootstrap, "replication_factor": 3}
    )
    with running_services(
        on_cluster,
        tmp_path,
        names=("ledger",),
        extra_env={"FOLLOWUP_REPLICATION_FACTOR": "3"},
    ):
        pass  # the service creates the catalogue's topics at start
    topics = catalogue_topics(settings.topic_prefix)
    admin = cluster.admin()
    try:
        described = admin.describe_topics(topics)
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
        )
    finally:
        admin.close()
    assert {t["name"] for t in described} == set(topics)
    for topic in described:
        assert len(topic["partitions"]) == settings.partitions, topic["name"]
        for p in topic["partitions"]:
            assert len(p["replica_nodes"]) == NODES, (topic["name"], p)
            assert sorted(p["isr_nodes"]) == [1, 2, 3], (topic["name"], p)
    by_topic = configs["topic"]
    for name in topics:
        assert by_topic[name]["min.insync.replicas"]["value"] == "2", name
        assert by_topic[name]["unclean.leader.election.enable"]["value"] == "false"


def read_partition(bootstrap: str, tp: TopicPartition) -> list[bytes]:
    consumer = KafkaConsumer(
        **kafka_auth.options_for(Settings()),
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=5_000,
    )
    try:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        values: list[bytes] = []
        deadline = time.monotonic() + 60
        while consumer.position(tp) < end and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1_000).values():
                values.extend(r.value for r in records)
        return values
    finally:
        consumer.close()


def test_acks_all_survives_the_leader_killed_and_refuses_with_two_down(
    cluster: Cluster, settings: Settings
) -> None:
    topic = LEDGER.full_name(settings.topic_prefix)
    ensure_topics(cluster.bootstrap, [topic], settings.partitions, 3)
    tp = TopicPartition(topic, 0)
    producer = KafkaProducer(
        **kafka_auth.options_for(settings),
        bootstrap_servers=cluster.bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=10_000,
        delivery_timeout_ms=90_000,
        linger_ms=5,
    )
    acked: set[bytes] = set()
    failed: list[BaseException] = []
    lock = threading.Lock()
    acked_after_kill: set[bytes] = set()
    killed = threading.Event()

    def on_ack(value: bytes, _meta: Any) -> None:
        with lock:
            acked.add(value)
            if killed.is_set():
                acked_after_kill.add(value)

    def on_error(exc: BaseException) -> None:
        with lock:
            failed.append(exc)

    stop = threading.Event()

    def send_forever() -> None:
        n = 0
        while not stop.is_set():
            value = f"record-{n:06d}".encode()
            future = producer.send(topic, value=value, partition=0)
            future.add_callback(lambda meta, v=value: on_ack(v, meta))
            future.add_errback(on_error)
            n += 1
            time.sleep(0.005)

    leader = cluster.leader(topic, 0)
    sender = threading.Thread(target=send_forever, daemon=True)
    sender.start()
    try:
        deadline = time.monotonic() + 30
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acked) >= 300, "nothing acknowledged on a healthy cluster"
        killed.set()
        cluster.kill(leader)  # SIGKILL: no clean shutdown, no handover
        deadline = time.monotonic() + 60
        while len(acked_after_kill) < 300 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        sender.join(timeout=10)
        producer.flush(timeout=60)
        producer.close(timeout=10)
    assert len(acked_after_kill) >= 300, "acks=all stopped with one broker down"
    assert not failed, failed[:3]
    new_leader = cluster.leader(topic, 0)
    assert new_leader != leader

    cluster.start(leader)
    values = read_partition(cluster.bootstrap, tp)
    assert acked <= set(values), f"{len(acked - set(values))} acknowledged records lost"
    assert len(values) == len(set(values))  # the idempotent producer wrote each once

    # Two brokers down (one left): an acks=all write must not be acknowledged.
    others = [n for n in range(1, NODES + 1) if n != leader]
    cluster.kill(others[0])
    cluster.kill(others[1])
    refused = KafkaProducer(
        **kafka_auth.options_for(settings),
        bootstrap_servers=cluster.bootstrap,
        acks="all",
        request_timeout_ms=5_000,
        delivery_timeout_ms=15_000,
        max_block_ms=15_000,
    )
    try:
        future = refused.send(topic, value=b"must-not-be-acknowledged", partition=0)
        # Not acknowledged: NotEnoughReplicas, or no answer at all until the
        # client gives up; never a success.
        with pytest.raises(KafkaError):
            future.get(timeout=45)
        assert not future.succeeded()
    finally:
        for node in others:
            cluster.start(node)
        with suppress(KafkaError):
            refused.close(timeout=30)
    assert cluster.stack("status").count(": RUNNING") == NODES
