"""Idempotency keys (Stripe's convention) on every command.

Inside the command's transaction the key is inserted first: a second request
with the same key waits on that row until the first commits, then finds the
stored answer and returns it, deciding nothing again. A different body under
the same key is a client bug and is refused. A command that fails (4xx, or a
crash) rolls its key back with everything else, so it can be retried.
"""

import hashlib
import json
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.kit.http import field_problem


def fingerprint(scope: str, request: Any) -> str:
    """A stable digest of what the command was asked (path, query and body)."""
    canonical = json.dumps(
        [scope, request], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    conn: psycopg.Connection[Any], scope: str, key: str, digest: str
) -> dict[str, Any] | None:
    """Take the key for this command, or return the answer it already gave.

    Raises a 422 when the key was used for another request.
    """
    taken = conn.execute(
        "INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES (%s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING key",
        (scope, key, digest),
    ).fetchone()
    if taken is not None:
        return None
    row = conn.execute(
        "SELECT fingerprint, response FROM idempotency_keys"
        " WHERE scope = %s AND key = %s",
        (scope, key),
    ).fetchone()
    assert row is not None  # the conflicting row is committed, so visible
    if row[0] != digest:
        raise field_problem(
            "Idempotency-Key",
            "reused: this key was given to a different request",
            "send a new key for a new request",
        )
    stored: dict[str, Any] = row[1]
    return stored


def remember(
    conn: psycopg.Connection[Any], scope: str, key: str, status: int, answer: Any
) -> None:
    """Store the answer under the key, in the command's transaction."""
    conn.execute(
        "UPDATE idempotency_keys SET status = %s, response = %s"
        " WHERE scope = %s AND key = %s",
        (status, Jsonb(answer), scope, key),
    )


def forget_older_than(conn: psycopg.Connection[Any], hours: int) -> int:
    """Drop keys older than `hours`; return how many."""
    cur = conn.execute(
        "DELETE FROM idempotency_keys"
        " WHERE created_at < now() - make_interval(hours => %s)",
        (hours,),
    )
    return cur.rowcount
