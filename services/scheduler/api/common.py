"""What the scheduler's routes share: the policy in force and "today"."""

from datetime import date
from typing import Annotated

from fastapi import HTTPException, Query, status

from services.kit.service import Runtime
from services.scheduler.clock import clock_for
from services.scheduler.domain.policy import Policy
from services.scheduler.projection import ScheduleProjection
from services.scheduler.settings import scheduler_settings

AsOf = Annotated[
    date | None,
    Query(description="the day statuses are for (default: today, company time zone)"),
]


def policy_of(runtime: Runtime) -> Policy:
    """The policy the projection plans under: one source for plan and reads."""
    projection = runtime.service.projection
    handle = projection.handle if projection else None
    if isinstance(handle, ScheduleProjection):
        return handle.policy
    return scheduler_settings(runtime.settings).policy()


def today(runtime: Runtime, as_of: date | None) -> date:
    """`as_of` if given, else today by the service's clock."""
    return as_of if as_of is not None else clock_for(runtime.settings).today()


def unprocessable(field: str, rule: str) -> HTTPException:
    """A 422 naming the field and the rule, as the other services give them."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"field": field, "rule": rule}],
    )
