"""Throwing a benchmark's deployment away: its schemas, topics and groups.

Every benchmark runs on its own `bench<8 hex>` prefix; at the end everything
under that prefix goes (unless the run asks to keep it for a look).
"""

import psycopg
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from services.kit import kafka_auth
from services.kit.db import drop_schema
from services.kit.settings import Settings


def clean_up(settings: Settings, prefix: str) -> None:
    """Drop the schemas named `<prefix>_*`; delete topics and consumer groups
    named `<prefix>*` (a run may use several topic prefixes from one root)."""
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        schemas = [
            s
            for (s,) in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)",
                (f"{prefix}_",),
            )
        ]
    for schema in schemas:
        drop_schema(settings.database_url, schema)
    print(f"{len(schemas)} schemas {prefix}_* dropped")
    admin = KafkaAdminClient(
        **kafka_auth.options(),
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="bench-cleanup",
    )
    try:
        topics = [t for t in admin.list_topics() if t.startswith(prefix)]
        if topics:
            admin.delete_topics(topics)
        groups = [
            g["group_id"]
            for g in admin.list_groups()
            if g["group_id"].startswith(prefix)
        ]
        if groups:
            admin.delete_groups(groups)
    except KafkaError as exc:
        # Leftovers cost disk, not correctness; never hide the figures.
        print(f"topics and groups {prefix}* not all deleted: {exc!r}")
        return
    finally:
        admin.close()
    print(f"{len(topics)} topics and {len(groups)} consumer groups {prefix}* deleted")
