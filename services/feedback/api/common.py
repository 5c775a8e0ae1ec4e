"""What every feedback command does: name its actor, reserve the version it
makes, append its event, and turn the domain's refusals into 4xx."""

from typing import Annotated

from fastapi import Header, HTTPException, status

from schemas.envelope import Event
from services.feedback import store
from services.feedback.domain.errors import TransitionNotAllowed
from services.feedback.models import Appended, Command
from services.kit.service import RuntimeDep

ActorHeader = Annotated[
    str | None, Header(alias="X-Actor", description="who gives the command")
]


def actor_of(command: Command, header: str | None) -> str:
    """The command's actor: every transition is an event with its actor."""
    actor = command.actor or (header or "").strip()
    if not actor:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {
                    "field": "actor",
                    "rule": "required: give `actor` or the X-Actor header",
                }
            ],
        )
    return actor


def refused(exc: TransitionNotAllowed | ValueError, field: str) -> HTTPException:
    """409 for a step the lifecycle does not allow, 422 for a bad argument.

    Blank texts are refused by the request models, so the domain's remaining
    `ValueError`s are about the command's date (`field`).
    """
    if isinstance(exc, TransitionNotAllowed):
        return HTTPException(status.HTTP_409_CONFLICT, detail=str(exc))
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"field": field, "rule": str(exc)}],
    )


def not_found(what: str, entity_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no {what} {entity_id!r}")


def append(
    runtime: RuntimeDep, entity_id: str, version: int, event: Event, *, wait: bool
) -> Appended:
    """Append the event that makes `version` of a ticket or CAPA.

    The version is reserved first, so that of two commands validated against
    the same state (two replicas, or a caller not waiting for its previous
    command) only one is appended; the other gets a 409 and nothing.
    """
    with runtime.pool.connection() as conn:
        if not store.claim(conn, entity_id, version):
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail=f"{entity_id} changed since it was read (a change is not "
                "applied yet); read it again and retry, or send commands with "
                "?wait=true",
            )
    try:
        positions = runtime.publish([event])
    except Exception:
        with runtime.pool.connection() as conn:
            store.release(conn, entity_id, version)
        raise
    applied = runtime.wait_until_applied(positions) if wait else None
    return Appended(id=entity_id, event_id=event.event_id, applied=applied)
