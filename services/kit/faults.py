"""Crash points: where a test may make a process die as if the power failed.

`crash_point("relay.after_publish")` kills the process with SIGKILL when the
name is listed in `FOLLOWUP_CRASH_AT` (comma-separated). Nothing is cleaned
up, nothing flushed: the point of the fault tests is that a process killed at
any step of a command loses, duplicates and blocks nothing. Unset in
production, where the check is one set lookup.
"""

import os
import signal

_points: frozenset[str] = frozenset(
    p.strip() for p in os.environ.get("FOLLOWUP_CRASH_AT", "").split(",") if p.strip()
)

# The named steps, so that tests and code name the same ones.
BEFORE_COMMIT = "command.before_commit"
AFTER_COMMIT = "command.after_commit"
RELAY_BEFORE_PUBLISH = "relay.before_publish"
RELAY_AFTER_PUBLISH = "relay.after_publish"
JOB_BEFORE_COMMIT = "job.before_commit"
POINTS = frozenset(
    {
        BEFORE_COMMIT,
        AFTER_COMMIT,
        RELAY_BEFORE_PUBLISH,
        RELAY_AFTER_PUBLISH,
        JOB_BEFORE_COMMIT,
    }
)


def crash_point(name: str) -> None:
    """Die here, at once, if this point is armed (tests only)."""
    if name in _points:
        os.kill(os.getpid(), signal.SIGKILL)
