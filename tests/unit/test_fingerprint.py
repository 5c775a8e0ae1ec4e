"""What makes two events with one id the same event (schemas.codec.fingerprint)."""

import uuid

from schemas.codec import decode_obj, fingerprint
from tests.support.factories import shipped


def with_id(fact: dict[str, object], event_id: str, **payload: object) -> object:
    base = dict(fact["payload"])  # type: ignore[call-overload]
    return decode_obj({**fact, "event_id": event_id, "payload": {**base, **payload}})


def test_a_field_added_later_at_its_default_changes_nothing() -> None:
    """`supporting_equipment` came after facts were first sent: the same fact
    resent by a client that now sends the field at its default is the same
    event, not a conflicting duplicate (make demo met this on its rerun)."""
    fact, event_id = shipped("C1", "K1", "U1", "2026-01-05"), str(uuid.uuid4())
    first = with_id(fact, event_id)
    again = with_id(fact, event_id, supporting_equipment=False)
    assert fingerprint(first) == fingerprint(again)  # type: ignore[arg-type]


def test_other_content_and_the_recorded_time_are_told_apart() -> None:
    fact, event_id = shipped("C1", "K1", "U1", "2026-01-05"), str(uuid.uuid4())
    first = with_id(fact, event_id)
    other = with_id(fact, event_id, supporting_equipment=True)
    later = with_id({**fact, "recorded_at": "2030-01-01T00:00:00Z"}, event_id)
    assert fingerprint(first) != fingerprint(other)  # type: ignore[arg-type]
    assert fingerprint(first) == fingerprint(later)  # type: ignore[arg-type]
