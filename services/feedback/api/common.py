"""What every feedback command route shares: the department its key acts
for, reading the version it expects, and running the handler through the
kit's command path (the key's actor on every event, in the audit trail) with
the domain's refusals turned into 4xx."""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel

from schemas.types import Department
from services.feedback.domain.errors import StaleVersion, TransitionNotAllowed
from services.feedback.handlers import Done, NotYours, Refused, UnknownEntity
from services.feedback.models import Appended
from services.kit.audit import audited
from services.kit.command import Conn, Decision, run_command
from services.kit.http import conflict, field_problem, not_found
from services.kit.keys import Principal
from services.kit.security import forbidden
from services.kit.service import Runtime

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description="the version read (as `version` in the body); 409 if stale",
    ),
]
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def acting_for(principal: Principal) -> Department | None:
    """The department whose tickets the key handles: a handler's own, the
    quality department for a quality key; None (every department) for an
    admin's."""
    if principal.department:
        try:
            return Department(principal.department)
        except ValueError:
            raise forbidden(
                principal, f"handle tickets for {principal.department!r}"
            ) from None
    if principal.role == "quality":
        return Department.QUALITY
    if principal.role == "admin":
        return None
    raise forbidden(principal, "handle tickets without a department")


def expected_version(body: int | None, if_match: str | None) -> int | None:
    """The version the caller read: the body's `version`, the If-Match header,
    or None (no check). Both given must agree."""
    if if_match is None:
        return body
    found = _VERSION.match(if_match)
    if found is None:
        raise field_problem("If-Match", 'a version number, e.g. "3"')
    header = int(found.group(1))
    if body is not None and body != header:
        raise field_problem("version", "the body's version differs from If-Match")
    return header


def transition_request(
    id_field: str, entity_id: str, body: BaseModel, actor: str, version: int | None
) -> dict[str, Any]:
    """What a transition command was asked, as its Idempotency-Key fingerprints
    it: the entity, the body, the key's actor and the version."""
    return {
        id_field: entity_id,
        "body": body.model_dump(mode="json"),
        "actor": actor,
        "version": version,
    }


def decided(
    runtime: Runtime,
    *,
    principal: Principal,
    scope: str,
    request: dict[str, Any],
    key: str | None,
    handle: Callable[[Conn], Done],
    status_code: int = 200,
    wait: bool = False,
) -> Appended:
    """Run `handle` as a command (kit/command.py) of `principal`; its
    refusals as 4xx."""

    def decide(conn: Conn) -> Decision[Appended]:
        try:
            done = handle(conn)
        except UnknownEntity as exc:
            raise not_found(exc.what, exc.entity_id) from None
        except NotYours as exc:
            raise forbidden(principal, str(exc)) from None
        except (TransitionNotAllowed, StaleVersion) as exc:
            raise conflict(str(exc)) from None
        except Refused as exc:
            raise field_problem(exc.field, exc.rule) from None
        answer = Appended(
            id=done.entity_id, event_id=done.events[0].event_id, version=done.version
        )
        return Decision(answer, done.events)

    return run_command(
        runtime,
        scope=scope,
        request=request,
        key=key,
        decide=audited(principal, decide),
        answer_type=Appended,
        status_code=status_code,
        wait=wait,
    )
