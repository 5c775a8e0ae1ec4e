"""Errors of the feedback domain that the HTTP layer turns into status codes."""

from enum import StrEnum


class TransitionNotAllowed(Exception):  # noqa: N818 - the name callers catch
    """An action the current state does not allow (HTTP 409 Conflict)."""

    def __init__(self, current: StrEnum, action: StrEnum) -> None:
        self.current = current
        self.action = action
        super().__init__(f"cannot {action} when the state is {current}")
