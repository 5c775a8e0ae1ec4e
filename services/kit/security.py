"""The one security dependency of every service's API (architecture.md 11).

`Authorization: Bearer <key>` names the caller; `require(scope)` answers 401
without a valid key (unknown, expired, revoked) and 403 when the key lacks
the scope, both with a sentence saying why, before the route runs (so
nothing is appended). Routes get the `Principal`, whose `actor` names every
event they append. Keys are looked up by hash in the kit's identity schema,
cached for a few seconds: a revoked key stops working within `CACHE_S`.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import sql

from services.kit.http import AUTH_RESPONSES
from services.kit.keys import Principal, digest, identity_schema
from services.kit.service import Runtime

__all__ = ["AUTH_RESPONSES", "CACHE_S", "forbidden", "require", "unauthorized"]

CACHE_S = 5.0
_bearer = HTTPBearer(auto_error=False, description="an API key: fu_<role>_…")
_cache: dict[bytes, tuple[float, Principal | None, str]] = {}


def _cached(hashed: bytes) -> tuple[Principal | None, str] | None:
    hit = _cache.get(hashed)
    if hit is not None and time.monotonic() - hit[0] < CACHE_S:
        return hit[1], hit[2]
    return None


def _lookup(runtime: Runtime, hashed: bytes) -> tuple[Principal | None, str]:
    with runtime.pool.connection() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT key_id, owner, role, scopes, department, store_ids,"
                " expires_at <= now(), revoked_at IS NOT NULL FROM {}"
                " WHERE key_hash = %s"
            ).format(sql.Identifier(identity_schema(runtime.settings), "api_keys")),
            (hashed,),
        ).fetchone()
    found: tuple[Principal | None, str]
    if row is None:
        found = None, "unknown key"
    elif row[7]:
        found = None, "revoked key"
    elif row[6]:
        found = None, "expired key"
    else:
        found = (
            Principal(
                key_id=row[0],
                owner=row[1],
                role=row[2],
                scopes=frozenset(row[3]),
                department=row[4],
                store_ids=frozenset(row[5]),
            ),
            "",
        )
    _cache[hashed] = (time.monotonic(), *found)
    return found


def unauthorized(why: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=f"{why}: send `Authorization: Bearer <API key>` with a valid key",
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden(principal: Principal, what: str) -> HTTPException:
    return HTTPException(
        status.HTTP_403_FORBIDDEN,
        detail=f"key {principal.key_id} ({principal.role}) may not {what}",
    )


def require(scope: str | None, *more: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller's principal, holding `scope` or one of `more`
    (None: any valid key)."""
    wanted = () if scope is None else (scope, *more)

    # Async, so that a key found in the cache costs no thread hand-off (a
    # plain `def` dependency runs in FastAPI's thread pool); the database is
    # asked from a worker thread, only when the cache does not answer.
    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or not credentials.credentials:
            raise unauthorized("no API key")
        hashed = digest(credentials.credentials)
        found = _cached(hashed)
        if found is None:
            runtime: Runtime = request.app.state.runtime
            found = await run_in_threadpool(_lookup, runtime, hashed)
        principal, why = found
        if principal is None:
            raise unauthorized(why)
        if wanted and not any(principal.may(s) for s in wanted):
            needed = " or ".join(f"`{s}`" for s in wanted)
            raise forbidden(principal, f"do this (it needs the scope {needed})")
        return principal

    return dependency
