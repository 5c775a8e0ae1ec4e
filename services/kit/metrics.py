"""Prometheus metrics shared by every service (one registry per process)."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_APPLIED = Counter(
    "followup_events_applied_total", "Events applied to a read model", ["consumer"]
)
EVENTS_DUPLICATE = Counter(
    "followup_events_duplicate_total",
    "Events skipped because their id was applied before",
    ["consumer"],
)
EVENTS_DEAD_LETTERED = Counter(
    "followup_events_dead_lettered_total",
    "Events sent to the dead-letter topic, by kind of reason",
    ["consumer", "reason"],
)
EVENTS_PUBLISHED = Counter(
    "followup_events_published_total", "Events appended to the log", ["service"]
)
BATCH_SECONDS = Histogram(
    "followup_batch_seconds", "Time to apply one consumed batch", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "followup_consumer_lag", "Records on the log not yet applied", ["consumer"]
)
OUTBOX_UNSENT = Gauge(
    "followup_outbox_unsent", "Outbox rows seen unsent by the relay", ["service"]
)
OUTBOX_FAILED = Counter(
    "followup_outbox_failed_total",
    "Outbox rows the broker refused for good (kept, marked failed)",
    ["service"],
)
COMMANDS_REPLAYED = Counter(
    "followup_commands_replayed_total",
    "Commands answered from their Idempotency-Key without deciding again",
    ["service"],
)
JOB_RUNS = Counter(
    "followup_job_runs_total", "Periodic job runs, per business date", ["job"]
)
