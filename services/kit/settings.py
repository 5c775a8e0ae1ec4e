"""Configuration from the environment (12-factor), one prefix for all services."""

from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.limits import machine_today


def local_today(timezone: str) -> date:
    """Today's calendar date in a time zone (business dates are local dates),
    or the simulated machine date of the tests (`schemas.limits.machine_today`)."""
    return machine_today(timezone)


class Settings(BaseSettings):
    """What every service reads from `FOLLOWUP_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    # SASL with SCRAM-SHA-512 as the process's own broker user, whose ACLs
    # allow only its own topics (services/kit/kafka_auth.py, acls.py). The
    # defaults are the local stack's admin with its fixed development
    # password (like the database_url's followup:followup); deploy/local/
    # services.sh and the production manifests set each service's own user.
    kafka_security_protocol: str = "SASL_PLAINTEXT"
    kafka_sasl_mechanism: str | None = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = "followup-admin"
    kafka_sasl_password: str | None = "followup-admin"
    database_url: str = "postgresql://followup:followup@127.0.0.1:5433/followup"
    # Prefixes let several deployments (or test runs) share one broker and one
    # database without seeing each other's topics or schemas.
    topic_prefix: str = "followup"
    schema_prefix: str = ""
    partitions: int = 6
    replication_factor: int = 1
    # 2 in production (RF 3); None: 2 when the replication factor is 3+, else 1
    min_insync_replicas: int | None = None
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    batch_size: int = 500
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    # How long a caller asking to wait for its read model may block.
    wait_timeout_s: float = 10.0
    # Commands are refused (503, Retry-After) while the read model is further
    # behind the log than this (a rebuild, a stalled consumer): a decision
    # must not be taken against a view that misses what the log says.
    command_max_lag: int = 1000
    # Idempotency keys are remembered at least this long (Stripe keeps 24 h).
    idempotency_ttl_h: int = 48
    # The outbox relay's producer: how long one send may take before the
    # relay tries the row again (an acknowledged row is never sent twice,
    # a timed-out one may be: consumers recognise its event id).
    producer_request_timeout_ms: int = 15_000
    producer_delivery_timeout_ms: int = 30_000
    relay_batch_size: int = 500
    relay_poll_s: float = 0.05
    # The deployment's secret keying derived event ids (schemas/envelope.py):
    # the same on every replica of every service; empty: a development key.
    derived_id_secret: str = ""
    # Test-only fault injection: comma-separated crash points (kit/faults.py)
    # at which the process kills itself with SIGKILL.
    crash_at: str = ""

    # A fixed "today" for every service (FOLLOWUP_CLOCK_DATE), so a demo or a
    # test runs on any business day, and the suite passes whatever the
    # machine's date; unset in production.
    clock_date: date | None = None

    def today(self) -> date:
        """Today's date in the company's time zone (domain.md: dates), or the
        fixed `clock_date`."""
        if self.clock_date is not None:
            return self.clock_date
        return local_today(self.timezone)

    def schema_for(self, service: str) -> str:
        """The PostgreSQL schema of a service's read model (dropped by a rebuild)."""
        return f"{self.schema_prefix}{service}"

    def store_schema_for(self, service: str) -> str:
        """The schema of a service's command side and outbox (never rebuilt)."""
        return f"{self.schema_prefix}{service}_store"
