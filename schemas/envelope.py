"""The envelope every event travels in (architecture.md, point 3).

An event is a frozen pydantic model: the envelope fields below plus a typed
`payload`. Subclasses fix `type` and `version` with `Literal`s, so a union of
them is a discriminated union and the JSON Schema of each names its own type.
"""

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas.limits import MAX_DERIVED_ID, Name


def utc_now() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


class Payload(BaseModel):
    """Base of every payload: frozen, and unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(BaseModel):
    """Envelope fields common to every event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The payload field whose value is the partition key (the customer id, so
    # that all about one customer stays ordered on one partition).
    key_field: ClassVar[str] = "customer_id"

    event_id: UUID = Field(
        default_factory=uuid4,
        description="Unique id; give the same id when retrying so the retry "
        "is recognised as the same fact.",
    )
    type: str
    version: int
    occurred_at: AwareDatetime = Field(
        default_factory=utc_now, description="Business time of the fact."
    )
    recorded_at: AwareDatetime = Field(
        default_factory=utc_now, description="When a system recorded it."
    )
    source: Name = Field(description="Emitting system.")
    actor: Name = Field(description="Person or process responsible.")
    key: str = Field(
        default="",
        max_length=MAX_DERIVED_ID,
        description="Partition key; defaults to the payload's key field.",
    )
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    payload: Payload

    @model_validator(mode="before")
    @classmethod
    def _default_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("key"):
            payload = data.get("payload")
            value = None
            if isinstance(payload, dict):
                value = payload.get(cls.key_field)
            elif isinstance(payload, BaseModel):
                value = getattr(payload, cls.key_field, None)
            if value is not None:
                data = {**data, "key": str(value)}
        return data

    @model_validator(mode="after")
    def _key_matches_payload(self) -> "Event":
        expected = str(getattr(self.payload, self.key_field))
        if self.key != expected:
            msg = f"key must equal payload.{self.key_field} ({expected!r})"
            raise ValueError(msg)
        return self


# Events derived by a service get ids computed from what caused them, so that
# a service deciding again after a crash emits the *same* ids, which every
# consumer downstream recognises as already applied. The ids are keyed with a
# secret of the deployment (HMAC): a client, who may choose the ids of the
# facts it sends, cannot compute the id of an event a service will derive and
# squat it (a fact posted under the id of a future `visit_overdue` would make
# consumers skip the real announcement).
_DEV_SECRET = b"followup-dev-derived-ids"
_derived_secret = _DEV_SECRET


def configure_derived_ids(secret: str) -> None:
    """Key derived ids with the deployment's secret (at process start)."""
    global _derived_secret  # noqa: PLW0603 - one secret per process, set once
    _derived_secret = secret.encode() if secret else _DEV_SECRET


def stable_id(*parts: object) -> UUID:
    """A deterministic event id from the parts that make the event unique."""
    message = "|".join(str(p) for p in parts).encode()
    mac = hmac.new(_derived_secret, message, hashlib.sha256).digest()
    return UUID(bytes=mac[:16], version=5)


def caused_by(cause: Event) -> dict[str, UUID]:
    """Envelope fields linking a derived event to the event that caused it."""
    return {
        "causation_id": cause.event_id,
        "correlation_id": cause.correlation_id or cause.event_id,
    }
