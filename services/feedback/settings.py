"""The feedback service's own settings: its SLAs and how often it checks them.

    FOLLOWUP_FEEDBACK_SLA='{"default": {"assign_within_working_days": 2,
        "resolve_within_days": 15}, "overrides": [{"department": "production",
        "subject": "product_quality", "resolve_within_days": 30}]}'
    FOLLOWUP_FEEDBACK_SLA_CHECK_INTERVAL_S=3600

The kit's `main()` builds the kit's `Settings`, which has no room for a
service's own variables, so they are read from the environment by this
subclass (as reporting does); a test may pass a `FeedbackSettings` to
`create_app` instead.
"""

from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from schemas.types import ComplaintSubject, Department
from services.feedback.domain.sla import Sla, SlaPolicy
from services.kit.settings import Settings


class SlaPolicyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assign_within_working_days: int = Field(default=2, ge=0)
    resolve_within_days: int = Field(default=15, ge=0)

    def policy(self) -> SlaPolicy:
        return SlaPolicy(self.assign_within_working_days, self.resolve_within_days)


class SlaOverrideConfig(BaseModel):
    """A policy for one department, one subject, or both (None: any).

    A limit it does not give is the default policy's.
    """

    model_config = ConfigDict(extra="forbid")

    department: Department | None = None
    subject: ComplaintSubject | None = None
    assign_within_working_days: int | None = Field(default=None, ge=0)
    resolve_within_days: int | None = Field(default=None, ge=0)

    def policy(self, default: SlaPolicyConfig) -> SlaPolicy:
        assign = self.assign_within_working_days
        resolve = self.resolve_within_days
        return SlaPolicy(
            default.assign_within_working_days if assign is None else assign,
            default.resolve_within_days if resolve is None else resolve,
        )


class SlaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: SlaPolicyConfig = SlaPolicyConfig()
    overrides: list[SlaOverrideConfig] = []

    def sla(self) -> Sla:
        """The domain's SLA from this configuration."""
        return Sla(
            self.default.policy(),
            {(o.department, o.subject): o.policy(self.default) for o in self.overrides},
        )


class FeedbackSettings(Settings):
    """The kit's settings plus the SLAs of tickets."""

    feedback_sla: SlaConfig = SlaConfig()
    feedback_sla_check_interval_s: float = Field(default=3600, gt=0)


@cache
def _from_environment() -> FeedbackSettings:
    return FeedbackSettings()


def feedback_settings(settings: Settings) -> FeedbackSettings:
    """These settings if they are the feedback's, else the environment's."""
    if isinstance(settings, FeedbackSettings):
        return settings
    return _from_environment()
