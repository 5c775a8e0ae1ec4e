"""Creating the catalogue's topics (admin work, with kafka-python)."""

import logging
from collections.abc import Iterable

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from schemas.catalogue import TOPICS, dead_letter_topic

log = logging.getLogger(__name__)

SERVICES = ("ledger", "scheduler", "survey", "feedback", "reporting")


def catalogue_topics(prefix: str) -> list[str]:
    """Every topic of a deployment: the event topics and each service's DLQ."""
    return [t.full_name(prefix) for t in TOPICS] + [
        dead_letter_topic(prefix, s) for s in SERVICES
    ]


def ensure_topics(
    bootstrap: str, names: Iterable[str], partitions: int, replication_factor: int
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="followup-admin")
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        created = []
        for name in missing:
            try:
                admin.create_topics(
                    [NewTopic(name, partitions, replication_factor)], timeout_ms=15_000
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass  # another replica created it meanwhile
        if created:
            log.info("topics created", extra={"topics": created})
        return created
    finally:
        admin.close()
