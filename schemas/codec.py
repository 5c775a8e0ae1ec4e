"""Bytes on the wire to typed events and back, with upcasting of old versions.

Evolution is additive; a breaking change is a new `version` of the event and
an upcaster from the previous one registered in `UPCASTERS`. Decoding chains
upcasters until the current version, so consumers only ever see the newest.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from schemas.catalogue import ANY_EVENT, EVENT_TYPES, AnyEvent
from schemas.envelope import Event

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

# (event type, from version) -> function returning the event at version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class DecodeError(ValueError):
    """Not a valid event of the catalogue; `reason` says why in one line and
    `errors` lists each broken rule as {"field": dotted path, "rule": message}."""

    def __init__(self, reason: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or [{"field": "(event)", "rule": reason}]


def fingerprint(event: Event) -> bytes:
    """What makes two events with one id the same event: type, version, key
    and payload (not the times a system recorded). A resent fact matches its
    first sending; the same id with other content is a conflicting duplicate.

    Fields at their default are left out, so that a field added to a contract
    later (additive evolution) does not make a fact resent unchanged look
    like another one.
    """
    content = event.model_dump(
        mode="json",
        include={"type", "version", "key", "payload"},
        exclude_defaults=True,
    )
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()[:16]


def encode(event: Event) -> bytes:
    """Serialise an event to its JSON wire form."""
    return event.model_dump_json().encode()


def broken_rules(error: ValidationError) -> list[dict[str, str]]:
    """Each failed rule as {"field": dotted path, "rule": message}.

    The first element of a path is the discriminator's type name (pydantic
    puts it there for tagged unions); it is dropped so paths read like the
    JSON document (`payload.ship_date`).
    """
    rules = []
    for e in error.errors():
        loc = [str(p) for p in e["loc"]]
        if loc and loc[0] in EVENT_TYPES:
            loc = loc[1:]
        rules.append({"field": ".".join(loc) or "(event)", "rule": e["msg"]})
    return rules


def describe(error: ValidationError) -> str:
    """One line for all failed rules: `field: rule; field: rule`."""
    return "; ".join(f"{r['field']}: {r['rule']}" for r in broken_rules(error))


def upcast(
    data: dict[str, Any], upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS
) -> dict[str, Any]:
    """Raise an event dict to the current version of its type."""
    event_type = data.get("type")
    cls = EVENT_TYPES.get(str(event_type))
    if cls is None:
        raise DecodeError(f"type: unknown event type {event_type!r}")
    current = cls.model_fields["version"].default
    version = data.get("version")
    if not isinstance(version, int) or version > current or version < 1:
        raise DecodeError(
            f"version: {version!r} is not a known version of {event_type}"
        )
    while version < current:
        step = upcasters.get((str(event_type), version))
        if step is None:
            raise DecodeError(f"version: no upcaster from {event_type} v{version}")
        data = step(data)
        version += 1
        data["version"] = version
    return data


def decode(raw: bytes) -> AnyEvent:
    """Parse and validate wire bytes; raise `DecodeError` with the reason.

    The bytes are untrusted: whatever goes wrong while reading them (deep
    nesting exhausting the recursion limit, invalid UTF-8, an upcaster meeting
    a shape it never saw) is the record's fault and becomes a `DecodeError`,
    so a consumer dead-letters it instead of crashing on it.
    """
    try:
        return _decode(raw)
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(f"unreadable: {type(exc).__name__}: {exc}"[:500]) from None


def _decode(raw: bytes) -> AnyEvent:
    try:
        return ANY_EVENT.validate_json(raw)
    except ValidationError as fast_path_error:
        # Only an old version is worth a second look; anything else is final.
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise DecodeError(f"not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise DecodeError("not a JSON object") from None
        cls = EVENT_TYPES.get(str(data.get("type")))
        if cls is None or data.get("version") == cls.model_fields["version"].default:
            raise DecodeError(
                describe(fast_path_error), broken_rules(fast_path_error)
            ) from None
        return decode_obj(upcast(data))


def decode_obj(data: Any) -> AnyEvent:
    """Validate an already-parsed event (e.g. an item of an HTTP batch)."""
    if isinstance(data, dict) and data.get("type") in EVENT_TYPES:
        cls = EVENT_TYPES[data["type"]]
        if data.get("version", cls.model_fields["version"].default) != (
            cls.model_fields["version"].default
        ):
            data = upcast(data)
    try:
        return ANY_EVENT.validate_python(data)
    except ValidationError as exc:
        raise DecodeError(describe(exc), broken_rules(exc)) from None
