"""What the scheduler's routes share: the policy in force and "today"."""

from datetime import date

from services.kit.service import Runtime
from services.scheduler.clock import clock_for
from services.scheduler.domain.policy import Policy
from services.scheduler.handlers import Reactions
from services.scheduler.settings import scheduler_settings


def policy_of(runtime: Runtime) -> Policy:
    """The policy the reactions plan under: one source for plans and reads."""
    reactions = runtime.service.reactions
    handle = reactions.handle if reactions else None
    if isinstance(handle, Reactions):
        return handle.policy
    return scheduler_settings(runtime.settings).policy()


def today(runtime: Runtime, as_of: date | None = None) -> date:
    """`as_of` if given, else today by the service's clock."""
    return as_of if as_of is not None else clock_for(runtime.settings).today()
