"""The console's settings (FOLLOWUP_CONSOLE_*): where each service answers.

The console holds no secret, no database and no broker: the person's own API
key comes from the browser with every call and is passed on unchanged.
"""

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The services the console forwards to, with their local default ports
# (deploy/local/services.sh).
SERVICES = {
    "ledger": 8101,
    "scheduler": 8102,
    "survey": 8103,
    "feedback": 8104,
    "reporting": 8105,
}
DEFAULT_PORT = 8106


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_CONSOLE_", extra="ignore")

    ledger_url: str = f"http://127.0.0.1:{SERVICES['ledger']}"
    scheduler_url: str = f"http://127.0.0.1:{SERVICES['scheduler']}"
    survey_url: str = f"http://127.0.0.1:{SERVICES['survey']}"
    feedback_url: str = f"http://127.0.0.1:{SERVICES['feedback']}"
    reporting_url: str = f"http://127.0.0.1:{SERVICES['reporting']}"
    timeout_s: float = Field(
        default=300.0, gt=0, description="per forwarded call (a large import)"
    )
    http_host: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("FOLLOWUP_CONSOLE_HOST", "FOLLOWUP_HTTP_HOST"),
    )
    http_port: int = Field(
        default=DEFAULT_PORT,
        validation_alias=AliasChoices("FOLLOWUP_CONSOLE_PORT", "FOLLOWUP_HTTP_PORT"),
    )
    log_level: str = Field(
        default="INFO",
        validation_alias=AliasChoices(
            "FOLLOWUP_CONSOLE_LOG_LEVEL", "FOLLOWUP_LOG_LEVEL"
        ),
    )

    def urls(self) -> dict[str, str]:
        """Service name -> base URL (no trailing slash)."""
        return {
            name: str(getattr(self, f"{name}_url")).rstrip("/") for name in SERVICES
        }
