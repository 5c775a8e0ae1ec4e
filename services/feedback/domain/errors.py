"""Errors of the feedback domain that the HTTP layer turns into status codes."""

from enum import StrEnum


class TransitionNotAllowed(Exception):  # noqa: N818 - the name callers catch
    """An action the current state does not allow (HTTP 409 Conflict)."""

    def __init__(self, current: StrEnum, action: StrEnum) -> None:
        self.current = current
        self.action = action
        super().__init__(f"cannot {action} when the state is {current}")


class StaleVersion(Exception):  # noqa: N818 - the name callers catch
    """A command given against a version that is no longer the current one
    (HTTP 409 Conflict): someone changed the entity since the caller read it."""

    def __init__(self, entity_id: str, current: int, expected: int) -> None:
        self.entity_id = entity_id
        self.current = current
        self.expected = expected
        super().__init__(
            f"stale version: {entity_id} is at version {current}, not {expected};"
            " read it again"
        )


def check_version(entity_id: str, current: int, expected: int | None) -> None:
    """Optimistic concurrency: refuse a command read against another version."""
    if expected is not None and expected != current:
        raise StaleVersion(entity_id, current, expected)
