"""What every feedback command route shares: naming its actor, reading the
version it expects, and running the handler through the kit's command path
with the domain's refusals turned into 4xx."""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel

from services.feedback.domain.errors import StaleVersion, TransitionNotAllowed
from services.feedback.handlers import Done, Refused, UnknownEntity
from services.feedback.models import Appended, Command
from services.kit.command import Conn, Decision, run_command
from services.kit.http import conflict, field_problem, not_found
from services.kit.service import Runtime

ActorHeader = Annotated[
    str | None, Header(alias="X-Actor", description="who gives the command")
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description="the version read (as `version` in the body); 409 if stale",
    ),
]
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def actor_of(command: Command, header: str | None) -> str:
    """The command's actor: every transition is an event with its actor."""
    actor = command.actor or (header or "").strip()
    if not actor:
        raise field_problem("actor", "required: give `actor` or the X-Actor header")
    return actor


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
    it: the entity, the body, and the actor and version from the headers."""
    return {
        id_field: entity_id,
        "body": body.model_dump(mode="json"),
        "actor": actor,
        "version": version,
    }


def decided(
    runtime: Runtime,
    *,
    scope: str,
    request: dict[str, Any],
    key: str | None,
    handle: Callable[[Conn], Done],
    status_code: int = 200,
    wait: bool = False,
) -> Appended:
    """Run `handle` as a command (kit/command.py); its refusals as 4xx."""

    def decide(conn: Conn) -> Decision[Appended]:
        try:
            done = handle(conn)
        except UnknownEntity as exc:
            raise not_found(exc.what, exc.entity_id) from None
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
        decide=decide,
        answer_type=Appended,
        status_code=status_code,
        wait=wait,
    )
