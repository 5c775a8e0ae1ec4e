"""Creating the catalogue's topics (admin work, with kafka-python)."""

import logging
import time
from collections.abc import Iterable

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from schemas.catalogue import TOPICS, dead_letter_topic
from services.kit import kafka_auth

log = logging.getLogger(__name__)

SERVICES = ("ledger", "scheduler", "survey", "feedback", "reporting")


def catalogue_topics(prefix: str) -> list[str]:
    """Every topic of a deployment: the event topics and each service's DLQ."""
    return [t.full_name(prefix) for t in TOPICS] + [
        dead_letter_topic(prefix, s) for s in SERVICES
    ]


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int,
    min_insync_replicas: int | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created.

    Created with `min.insync.replicas` (default: 2 when replicated, else 1) and
    unclean leader election off, so that an acks=all write is acknowledged
    only once it is on enough replicas to survive a broker's loss.
    """
    insync = min_insync_replicas or (2 if replication_factor >= 3 else 1)
    configs = {
        "min.insync.replicas": str(insync),
        "unclean.leader.election.enable": "false",
    }
    admin = KafkaAdminClient(
        **kafka_auth.options(), bootstrap_servers=bootstrap, client_id="followup-admin"
    )
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        created = []
        for name in missing:
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name, partitions, replication_factor, topic_configs=configs
                        )
                    ],
                    timeout_ms=15_000,
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass  # another replica created it meanwhile
        if created:
            log.info("topics created", extra={"topics": created})
        return created
    finally:
        admin.close()


def partition_counts(bootstrap: str, names: Iterable[str]) -> dict[str, int]:
    """How many partitions each topic has (0 for a topic that does not exist)."""
    admin = KafkaAdminClient(
        **kafka_auth.options(), bootstrap_servers=bootstrap, client_id="followup-admin"
    )
    try:
        wanted = list(names)
        described = admin.describe_topics(wanted)
        return {t["name"]: len(t.get("partitions") or ()) for t in described}
    finally:
        admin.close()


def check_copartitioned(bootstrap: str, names: Iterable[str]) -> None:
    """Refuse to start a consumer whose topics differ in partition count.

    One customer's events must land on the same partition number in every
    topic a service reads, or a replica would own a customer in one topic and
    not in the other (architecture.md point 6).
    """
    wanted = list(names)
    counts = partition_counts(bootstrap, wanted)
    # A topic just created by another process can be described with no
    # partitions for a moment (seen on a fresh cluster): ask again before
    # calling it a different count.
    for _ in range(20):
        if 0 not in counts.values():
            break
        time.sleep(0.5)
        counts = partition_counts(bootstrap, wanted)
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{t}: {n}" for t, n in sorted(counts.items()))
        msg = (
            "topics read together must have one partition count "
            f"(co-partitioning); found {listed}. Add partitions to all of "
            "them together (deploy/README.md)."
        )
        raise RuntimeError(msg)
