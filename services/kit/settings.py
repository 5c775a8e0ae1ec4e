"""Configuration from the environment (12-factor), one prefix for all services."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic_settings import BaseSettings, SettingsConfigDict


def local_today(timezone: str) -> date:
    """Today's calendar date in a time zone (business dates are local dates)."""
    return datetime.now(ZoneInfo(timezone)).date()


class Settings(BaseSettings):
    """What every service reads from `FOLLOWUP_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    database_url: str = "postgresql://followup:followup@127.0.0.1:5433/followup"
    # Prefixes let several deployments (or test runs) share one broker and one
    # database without seeing each other's topics or schemas.
    topic_prefix: str = "followup"
    schema_prefix: str = ""
    partitions: int = 6
    replication_factor: int = 1
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    batch_size: int = 500
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    # How long a caller asking to wait for its read model may block.
    wait_timeout_s: float = 10.0

    def today(self) -> date:
        """Today's date in the company's time zone (domain.md: dates)."""
        return local_today(self.timezone)

    def schema_for(self, service: str) -> str:
        """The PostgreSQL schema that holds a service's read model."""
        return f"{self.schema_prefix}{service}"
